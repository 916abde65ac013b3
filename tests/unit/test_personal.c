/* Sealing personal fields (common/personal.h) without a database: seal →
 * pack → unpack → open round trips for ApplicationReceived and
 * ApplicationResolved, wrong keys and tampered bytes, clear messages, and
 * no personal data in the sealed wire bytes. */
#include "personal.h"

#include <criterion/criterion.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#define APP_ID "app_0123456789abcdef0123456789abcdef"

static uint8_t key[DATA_KEY_BYTES], other_key[DATA_KEY_BYTES];

static void init(void) {
    cr_assert_geq(sodium_init(), 0);
    randombytes_buf(key, sizeof key);
    randombytes_buf(other_key, sizeof other_key);
}
TestSuite(personal, .init = init);

/* A received application with every personal field set; its parts live in
 * the fixture (static storage, nothing to free). */
typedef struct {
    Atsbridge__V1__ApplicationReceived m;
    Atsbridge__V1__Candidate cand;
    Atsbridge__V1__Consent consent;
    Atsbridge__V1__Answer ans[2], *ans_p[2];
    Atsbridge__V1__DocumentRef doc, *doc_p[1];
    char *links[2], *values[2];
} fixture;

static void fixture_init(fixture *f) {
    memset(f, 0, sizeof *f);
    atsbridge__v1__application_received__init(&f->m);
    atsbridge__v1__candidate__init(&f->cand);
    atsbridge__v1__consent__init(&f->consent);
    f->cand.first_name = "Zo\xc3\xab";
    f->cand.last_name = "Gr\xc3\xbcnewald";
    f->cand.email = "zoe.gruenewald@example.org";
    f->cand.phone = "+49 30 1234567";
    f->cand.location = "Berlin";
    f->cand.headline = "Site Reliability Engineer";
    f->links[0] = "https://linkedin.example/zoe";
    f->links[1] = "https://zoe.example";
    f->cand.links = f->links;
    f->cand.n_links = 2;
    for (int i = 0; i < 2; i++) {
        atsbridge__v1__answer__init(&f->ans[i]);
        f->ans_p[i] = &f->ans[i];
    }
    f->ans[0].question_id = "q_salary";
    f->ans[0].value = "85000";
    f->values[0] = "opt_go";
    f->values[1] = "opt_rust";
    f->ans[1].question_id = "q_langs";
    f->ans[1].values = f->values;
    f->ans[1].n_values = 2;
    atsbridge__v1__document_ref__init(&f->doc);
    f->doc.kind = "cv";
    f->doc.filename = "zoe-gruenewald-lebenslauf.pdf";
    f->doc.content_type = "application/pdf";
    f->doc.sha256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    f->doc.size_bytes = 12345;
    f->doc_p[0] = &f->doc;
    f->m.application_id = APP_ID;
    f->m.board = "stepstone_de";
    f->m.board_application_id = "SS-1";
    f->m.account_id = "demo-lever";
    f->m.posting_id = "posting-1";
    f->m.candidate = &f->cand;
    f->m.answers = f->ans_p;
    f->m.n_answers = 2;
    f->m.documents = f->doc_p;
    f->m.n_documents = 1;
    f->m.consent = &f->consent;
    f->consent.privacy_policy_accepted = 1;
    f->m.received_at_ms = 1700000000000;
}

static uint8_t *pack_received(const Atsbridge__V1__ApplicationReceived *m, size_t *len) {
    *len = atsbridge__v1__application_received__get_packed_size(m);
    uint8_t *buf = malloc(*len ? *len : 1);
    cr_assert_not_null(buf);
    atsbridge__v1__application_received__pack(m, buf);
    return buf;
}

static uint8_t *pack_resolved(const Atsbridge__V1__ApplicationResolved *m, size_t *len) {
    *len = atsbridge__v1__application_resolved__get_packed_size(m);
    uint8_t *buf = malloc(*len ? *len : 1);
    cr_assert_not_null(buf);
    atsbridge__v1__application_resolved__pack(m, buf);
    return buf;
}

static void assert_personal_fields(const Atsbridge__V1__ApplicationReceived *m) {
    cr_assert_not_null(m->candidate);
    cr_assert_str_eq(m->candidate->first_name, "Zo\xc3\xab");
    cr_assert_str_eq(m->candidate->last_name, "Gr\xc3\xbcnewald");
    cr_assert_str_eq(m->candidate->email, "zoe.gruenewald@example.org");
    cr_assert_str_eq(m->candidate->phone, "+49 30 1234567");
    cr_assert_str_eq(m->candidate->location, "Berlin");
    cr_assert_str_eq(m->candidate->headline, "Site Reliability Engineer");
    cr_assert_eq(m->candidate->n_links, 2);
    cr_assert_str_eq(m->candidate->links[1], "https://zoe.example");
    cr_assert_eq(m->n_answers, 2);
    cr_assert_str_eq(m->answers[0]->question_id, "q_salary");
    cr_assert_str_eq(m->answers[0]->value, "85000");
    cr_assert_eq(m->answers[1]->n_values, 2);
    cr_assert_str_eq(m->answers[1]->values[1], "opt_rust");
    cr_assert_eq(m->n_documents, 1);
    cr_assert_str_eq(m->documents[0]->filename, "zoe-gruenewald-lebenslauf.pdf");
    cr_assert_str_eq(m->documents[0]->sha256, "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
    cr_assert_eq(m->documents[0]->size_bytes, 12345);
    /* What is not personal stays in clear. */
    cr_assert_str_eq(m->application_id, APP_ID);
    cr_assert_str_eq(m->account_id, "demo-lever");
    cr_assert_str_eq(m->posting_id, "posting-1");
    cr_assert(m->consent && m->consent->privacy_policy_accepted);
}

static void assert_no_personal_bytes(const uint8_t *buf, size_t len) {
    static const char *const needles[] = {"zoe.gruenewald@example.org", "Zo\xc3\xab", "Gr\xc3\xbcnewald",
                                          "zoe-gruenewald-lebenslauf.pdf", "+49 30 1234567", "85000",
                                          "opt_rust", "https://zoe.example"};
    for (size_t i = 0; i < sizeof needles / sizeof needles[0]; i++)
        cr_assert_null(memmem(buf, len, needles[i], strlen(needles[i])), "%s is on the wire", needles[i]);
}

/* Sealed, packed bytes of the fixture's received application. */
static uint8_t *sealed_received(size_t *len) {
    fixture f;
    fixture_init(&f);
    Atsbridge__V1__ApplicationReceived out;
    uint8_t *blob;
    cr_assert_eq(personal_seal_received(&f.m, key, &out, &blob), 0);
    cr_assert_not_null(blob);
    cr_assert_null(out.candidate);
    cr_assert_eq(out.n_answers, 0);
    cr_assert_eq(out.n_documents, 0);
    /* m itself is unchanged. */
    cr_assert_eq(f.m.candidate, &f.cand);
    cr_assert_eq(f.m.n_answers, 2);
    cr_assert_eq(f.m.sealed.len, 0);
    uint8_t *buf = pack_received(&out, len);
    free(blob);
    return buf;
}

Test(personal, received_round_trip) {
    size_t len;
    uint8_t *buf = sealed_received(&len);
    assert_no_personal_bytes(buf, len);
    Atsbridge__V1__ApplicationReceived *m = atsbridge__v1__application_received__unpack(NULL, len, buf);
    cr_assert_not_null(m);
    cr_assert_gt(m->sealed.len, 24 + 16);
    cr_assert_null(m->candidate);
    cr_assert_eq(personal_open_received_key(m, key), PERSONAL_OK);
    assert_personal_fields(m);
    atsbridge__v1__application_received__free_unpacked(m, NULL);
    free(buf);
}

Test(personal, received_open_through_store_api_in_clear_needs_no_database) {
    fixture f;
    fixture_init(&f);
    size_t len;
    uint8_t *buf = pack_received(&f.m, &len);
    Atsbridge__V1__ApplicationReceived *m = atsbridge__v1__application_received__unpack(NULL, len, buf);
    cr_assert_not_null(m);
    /* No .sealed: OK without a connection, fields untouched. */
    cr_assert_eq(personal_open_received(NULL, m), PERSONAL_OK);
    assert_personal_fields(m);
    atsbridge__v1__application_received__free_unpacked(m, NULL);
    free(buf);
}

Test(personal, resolved_in_clear_passes_unchanged) {
    fixture f;
    fixture_init(&f);
    Atsbridge__V1__MappedAnswer ma = ATSBRIDGE__V1__MAPPED_ANSWER__INIT, *ma_p[] = {&ma};
    ma.ats_field_id = "f1";
    Atsbridge__V1__ApplicationResolved r = ATSBRIDGE__V1__APPLICATION_RESOLVED__INIT;
    r.application = &f.m;
    r.mapped_answers = ma_p;
    r.n_mapped_answers = 1;
    size_t len;
    uint8_t *buf = pack_resolved(&r, &len);
    Atsbridge__V1__ApplicationResolved *m = atsbridge__v1__application_resolved__unpack(NULL, len, buf);
    cr_assert_eq(personal_open_resolved(NULL, m), PERSONAL_OK);
    assert_personal_fields(m->application);
    cr_assert_eq(m->n_mapped_answers, 1);
    cr_assert_str_eq(m->mapped_answers[0]->ats_field_id, "f1");
    atsbridge__v1__application_resolved__free_unpacked(m, NULL);
    free(buf);
}

Test(personal, wrong_key_and_tampered_bytes_are_invalid) {
    size_t len;
    uint8_t *buf = sealed_received(&len);
    Atsbridge__V1__ApplicationReceived *m = atsbridge__v1__application_received__unpack(NULL, len, buf);
    cr_assert_not_null(m);
    Atsbridge__V1__PersonalData *pd = (void *)1;
    cr_assert_eq(personal_open_with_key(m->application_id, m->sealed.data, m->sealed.len, other_key, &pd),
                 PERSONAL_INVALID);
    cr_assert_null(pd);
    /* Another application's id as associated data. */
    cr_assert_eq(personal_open_with_key("app_other", m->sealed.data, m->sealed.len, key, &pd), PERSONAL_INVALID);
    /* One flipped bit in the nonce, the ciphertext, the tag. */
    size_t at[] = {3, 30, m->sealed.len - 1};
    for (size_t i = 0; i < sizeof at / sizeof at[0]; i++) {
        m->sealed.data[at[i]] ^= 0x01;
        cr_assert_eq(personal_open_with_key(m->application_id, m->sealed.data, m->sealed.len, key, &pd),
                     PERSONAL_INVALID, "flip at %zu", at[i]);
        m->sealed.data[at[i]] ^= 0x01;
    }
    /* Truncated, and shorter than nonce + tag. */
    cr_assert_eq(personal_open_with_key(m->application_id, m->sealed.data, m->sealed.len - 1, key, &pd),
                 PERSONAL_INVALID);
    cr_assert_eq(personal_open_with_key(m->application_id, m->sealed.data, 39, key, &pd), PERSONAL_INVALID);
    /* Intact, it still opens. */
    cr_assert_eq(personal_open_with_key(m->application_id, m->sealed.data, m->sealed.len, key, &pd), PERSONAL_OK);
    atsbridge__v1__personal_data__free_unpacked(pd, NULL);
    atsbridge__v1__application_received__free_unpacked(m, NULL);
    free(buf);
}

/* A resolved message sealed by questions from an opened received one: the
 * inner application keeps ingest's sealed bytes. */
Test(personal, resolved_round_trip) {
    size_t rlen;
    uint8_t *rbuf = sealed_received(&rlen);
    Atsbridge__V1__ApplicationReceived *app = atsbridge__v1__application_received__unpack(NULL, rlen, rbuf);
    cr_assert_eq(personal_open_received_key(app, key), PERSONAL_OK);
    uint8_t *ingest_sealed = malloc(app->sealed.len);
    memcpy(ingest_sealed, app->sealed.data, app->sealed.len);
    size_t ingest_sealed_len = app->sealed.len;

    char *vals[] = {"85000"}, *vals2[] = {"opt_go", "opt_rust"};
    Atsbridge__V1__MappedAnswer ma[2] = {ATSBRIDGE__V1__MAPPED_ANSWER__INIT, ATSBRIDGE__V1__MAPPED_ANSWER__INIT};
    Atsbridge__V1__MappedAnswer *ma_p[] = {&ma[0], &ma[1]};
    ma[0].ats_field_id = "cf_salary";
    ma[0].type = "NUMBER";
    ma[0].values = vals;
    ma[0].n_values = 1;
    ma[1].ats_field_id = "cf_langs";
    ma[1].type = "MULTI_SELECT";
    ma[1].values = vals2;
    ma[1].n_values = 2;
    ma[1].document_sha256 = "";
    Atsbridge__V1__ApplicationResolved r = ATSBRIDGE__V1__APPLICATION_RESOLVED__INIT;
    r.application = app;
    r.ats = "lever";
    r.source_label = "StepStone.de";
    r.mapped_answers = ma_p;
    r.n_mapped_answers = 2;
    r.run_mode = "live";
    r.resolved_at_ms = 1700000000001;

    Atsbridge__V1__ApplicationResolved out;
    Atsbridge__V1__ApplicationReceived app_out;
    uint8_t *blobs[2];
    cr_assert_eq(personal_seal_resolved(&r, key, &out, &app_out, blobs), 0);
    cr_assert_null(blobs[0]); /* the inner application was sealed already */
    cr_assert_not_null(blobs[1]);
    cr_assert_eq(r.n_mapped_answers, 2); /* r unchanged */
    cr_assert_eq(app->n_answers, 2);
    size_t len;
    uint8_t *buf = pack_resolved(&out, &len);
    free(blobs[1]);
    assert_no_personal_bytes(buf, len);
    cr_assert_null(memmem(buf, len, "cf_salary", 9));

    Atsbridge__V1__ApplicationResolved *m = atsbridge__v1__application_resolved__unpack(NULL, len, buf);
    cr_assert_not_null(m);
    cr_assert_eq(m->n_mapped_answers, 0);
    cr_assert_eq(m->application->sealed.len, ingest_sealed_len);
    cr_assert_eq(memcmp(m->application->sealed.data, ingest_sealed, ingest_sealed_len), 0);
    /* The opening steps one by one, then all at once. */
    Atsbridge__V1__PersonalData *pd;
    cr_assert_eq(personal_open_with_key(APP_ID, m->sealed.data, m->sealed.len, key, &pd), PERSONAL_OK);
    cr_assert_null(pd->candidate);
    cr_assert_eq(pd->n_mapped_answers, 2);
    cr_assert_str_eq(pd->mapped_answers[0]->ats_field_id, "cf_salary");
    cr_assert_str_eq(pd->mapped_answers[0]->values[0], "85000");
    cr_assert_str_eq(pd->mapped_answers[1]->type, "MULTI_SELECT");
    cr_assert_str_eq(pd->mapped_answers[1]->values[1], "opt_rust");
    atsbridge__v1__personal_data__free_unpacked(pd, NULL);
    cr_assert_eq(personal_open_resolved_key(m, other_key), PERSONAL_INVALID);
    cr_assert_eq(personal_open_resolved_key(m, key), PERSONAL_OK);
    assert_personal_fields(m->application);
    cr_assert_eq(m->n_mapped_answers, 2);
    cr_assert_str_eq(m->mapped_answers[1]->values[0], "opt_go");
    cr_assert_str_eq(m->ats, "lever");
    cr_assert_str_eq(m->run_mode, "live");

    atsbridge__v1__application_resolved__free_unpacked(m, NULL);
    atsbridge__v1__application_received__free_unpacked(app, NULL);
    free(buf);
    free(rbuf);
    free(ingest_sealed);
}

/* An application in clear inside a resolved message is sealed too. */
Test(personal, resolved_seals_a_clear_application) {
    fixture f;
    fixture_init(&f);
    Atsbridge__V1__ApplicationResolved r = ATSBRIDGE__V1__APPLICATION_RESOLVED__INIT;
    r.application = &f.m;
    Atsbridge__V1__ApplicationResolved out;
    Atsbridge__V1__ApplicationReceived app_out;
    uint8_t *blobs[2];
    cr_assert_eq(personal_seal_resolved(&r, key, &out, &app_out, blobs), 0);
    cr_assert_not_null(blobs[0]);
    cr_assert_not_null(blobs[1]);
    cr_assert_eq(out.application, &app_out);
    size_t len;
    uint8_t *buf = pack_resolved(&out, &len);
    free(blobs[0]);
    free(blobs[1]);
    assert_no_personal_bytes(buf, len);
    Atsbridge__V1__ApplicationResolved *m = atsbridge__v1__application_resolved__unpack(NULL, len, buf);
    cr_assert_eq(personal_open_received_key(m->application, key), PERSONAL_OK);
    assert_personal_fields(m->application);
    atsbridge__v1__application_resolved__free_unpacked(m, NULL);
    free(buf);
}

/* A PersonalData sealed with nothing in it still opens (and is not "clear"). */
Test(personal, empty_personal_data_opens) {
    Atsbridge__V1__ApplicationReceived in = ATSBRIDGE__V1__APPLICATION_RECEIVED__INIT, out;
    in.application_id = APP_ID;
    uint8_t *blob;
    cr_assert_eq(personal_seal_received(&in, key, &out, &blob), 0);
    cr_assert_eq(out.sealed.len, 24 + 16);
    Atsbridge__V1__PersonalData *pd;
    cr_assert_eq(personal_open_with_key(APP_ID, out.sealed.data, out.sealed.len, key, &pd), PERSONAL_OK);
    cr_assert_null(pd->candidate);
    atsbridge__v1__personal_data__free_unpacked(pd, NULL);
    free(blob);
}

/* Fields in clear beside .sealed (not produced by us) are replaced by the
 * sealed ones, without leaking the clear ones (ASan build). */
Test(personal, sealed_fields_replace_clear_ones) {
    fixture f;
    fixture_init(&f);
    Atsbridge__V1__ApplicationReceived out;
    uint8_t *blob;
    cr_assert_eq(personal_seal_received(&f.m, key, &out, &blob), 0);
    Atsbridge__V1__Candidate other = ATSBRIDGE__V1__CANDIDATE__INIT;
    other.first_name = "Mallory";
    out.candidate = &other;
    out.answers = f.m.answers;
    out.n_answers = 1;
    size_t len;
    uint8_t *buf = pack_received(&out, &len);
    free(blob);
    Atsbridge__V1__ApplicationReceived *m = atsbridge__v1__application_received__unpack(NULL, len, buf);
    cr_assert_str_eq(m->candidate->first_name, "Mallory");
    cr_assert_eq(personal_open_received_key(m, key), PERSONAL_OK);
    assert_personal_fields(m);
    atsbridge__v1__application_received__free_unpacked(m, NULL);
    free(buf);
}

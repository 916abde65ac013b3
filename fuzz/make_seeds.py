#!/usr/bin/env python3
"""Writes the seed corpora fuzz/corpus/<target>/seed-* from valid examples
(tests/fixtures, tests/questions/fixtures, the parsers' unit tests and the
simulator's seed). Run from anywhere; existing seed-* files are replaced,
other files (crash reproducers, inputs the fuzzer found) are kept.
Protobuf payloads are hand-encoded here so no protobuf Python package is
needed."""
import base64, hashlib, hmac, json, os, struct, sys

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
corpus = os.path.join(root, "fuzz", "corpus")

def write(target, name, data):
    d = os.path.join(corpus, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, "seed-" + name), "wb") as f:
        f.write(data)

# --- protobuf encoding (proto3 subset) ---
def varint(n):
    n &= (1 << 64) - 1
    out = b""
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out += bytes([b | 0x80])
        else:
            return out + bytes([b])

def f_str(no, s):
    b = s.encode() if isinstance(s, str) else s
    return varint(no << 3 | 2) + varint(len(b)) + b

def f_int(no, v):
    return varint(no << 3) + varint(v)

def msg(*fields):
    return b"".join(fields)

candidate = msg(f_str(1, "Zoe"), f_str(2, "Mueller"), f_str(3, "zoe@example.org"), f_str(4, "+49 30 1234"),
                f_str(6, "https://example.org/zoe"))
answers = [msg(f_str(1, "customQuestions/cq-demo-screening/q-forklift"), f_str(2, "yes")),
           msg(f_str(1, "customQuestions/cq-demo-screening/q-langs"), f_str(3, "de"), f_str(3, "en")),
           msg(f_str(1, "Questions/q-start"), f_str(2, "2026-12-01")),
           msg(f_str(1, "cv"), f_str(4, "a" * 64))]
doc = msg(f_str(1, "cv"), f_str(2, "cv.pdf"), f_str(3, "application/pdf"), f_str(4, "a" * 64), f_int(5, 1234))
received = msg(f_str(1, "app_0123456789abcdef"), f_str(2, "stepstone_de"), f_str(3, "A-1"),
               f_str(4, "demo-lever"), f_str(5, "posting-1"), f_str(6, candidate),
               *[f_str(7, a) for a in answers], f_str(8, msg(f_int(1, 1), f_int(2, 1795514400000))),
               f_str(9, doc), f_int(10, 1795514400000))
received_export = msg(f_str(1, "app_export1"), f_str(4, "demo-eploy"), f_str(6, candidate),
                      f_str(11, "exp_1"), f_str(12, "ProvenBase"), f_str(13, "new"), f_str(14, "skip"))
mapped = msg(f_str(1, "customQuestions/cq-demo-screening/q-forklift"), f_str(2, "YES_NO"), f_str(3, "yes"))
resolved = msg(f_str(1, received), f_str(2, "lever"), f_str(3, "atsbridge"), f_str(4, mapped),
               f_str(5, "live"), f_int(7, 1795514400001))
resolved_eploy = msg(f_str(1, received_export), f_str(2, "eploy"), f_str(5, "test"), f_int(6, 1))
event = msg(f_str(1, "evt_1"), f_str(2, "app_0123456789abcdef"), f_str(3, "demo-lever"), f_str(4, "received"),
            f_str(5, "ingest"), f_int(6, 1795514400000), f_str(7, "accepted"), f_str(11, "stepstone_de"),
            f_str(12, "posting-1"))
event_delivered = msg(f_str(1, "evt_2"), f_str(2, "app_0123456789abcdef"), f_str(3, "demo-lever"),
                      f_str(4, "delivered"), f_str(5, "delivery"), f_int(6, 1795514400500), f_int(8, 1),
                      f_str(9, "opp-1"), f_str(14, "lever"), f_str(16, "delivered"))
webhook = msg(f_str(1, "wh_1"), f_str(2, "demo-lever"), f_str(3, "lever"), f_str(4, "candidateStageChange"),
              f_int(5, 1795514400000), f_str(6, "opp-1"), f_str(7, "contact-1"), f_str(8, "stage-a"),
              f_str(9, "stage-b"), f_str(10, "Background Check"), f_str(11, "posting-1"))
check = msg(f_str(1, "bcu_1"), f_str(2, "chk_1"), f_str(3, "ord_1"), f_int(4, 5), f_str(5, "Eligible for Hire"),
            f_str(6, "https://provider.example/r/1"), f_int(8, 1795514400000), f_str(9, "demo-lever"))
command = msg(f_str(1, "cmd_1"), f_str(2, "demo-lever"), f_int(3, 1), f_str(4, "opp-1"), f_str(5, "bg:ordered"),
              f_int(10, 1795514400000))
command_check = msg(f_str(1, "cmd_2"), f_str(2, "demo-lever"), f_int(3, 4), f_str(4, "opp-1"), f_str(7, "chk_1"),
                    f_str(8, "posting-1"), f_str(9, "contact-1"))

# status_decode: first byte picks the schema (0 event, 1 webhook, 2 check, 3 other, 4 none)
write("status_decode", "event", b"\x00" + event)
write("status_decode", "event-delivered", b"\x00" + event_delivered)
write("status_decode", "webhook", b"\x01" + webhook)
write("status_decode", "check", b"\x02" + check)
write("status_decode", "unknown-schema", b"\x03" + received)
# questions_received
write("questions_received", "lever", received)
write("questions_received", "export", received_export)
# delivery_decode: even first byte = ApplicationResolved, odd = AtsCommand
write("delivery_decode", "resolved-lever", b"\x00" + resolved)
write("delivery_decode", "resolved-eploy", b"\x00" + resolved_eploy)
write("delivery_decode", "command-tags", b"\x01" + command)
write("delivery_decode", "command-check", b"\x01" + command_check)
# pb_json: first byte picks the schema (order of SCHEMAS in fuzz_pb_json.c)
for i, (n, p) in enumerate([("received", received), ("resolved", resolved), ("webhook", webhook),
                            ("check", check), ("command", command), ("event", event)]):
    write("pb_json", n, bytes([i]) + p)

# --- ingest JSON ---
pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
application = {
    "board": "stepstone_de", "board_application_id": "A-1", "account_id": "demo-lever", "posting_id": "posting-1",
    "candidate": {"first_name": "Zo\u00eb", "last_name": "M", "email": "zoe@example.org", "phone": "+49 30 1",
                  "links": ["https://x.org"]},
    "answers": [{"question_id": "q", "value": "7"}, {"question_id": "r", "values": ["a", "b"]}],
    "consent": {"privacy_policy_accepted": True, "accepted_at": "2026-11-24T11:00:00+01:00"},
    "documents": [{"kind": "cv", "filename": "C:\\docs\\cv.txt", "content_base64": "aGVsbG8K"},
                  {"kind": "cover_letter", "filename": "cl.pdf", "content_type": "application/pdf",
                   "content_base64": base64.b64encode(pdf).decode()}]}
write("application", "full", json.dumps(application))
write("application", "minimal", json.dumps({
    "board": "b", "board_application_id": "A", "account_id": "a",
    "candidate": {"first_name": "F", "last_name": "L", "email": "f@l.de"},
    "consent": {"privacy_policy_accepted": True}}))
write("application", "invalid", '{"board":1,"candidate":{"email":"nope"},"documents":[{"content_base64":"***"}]}')
export = {"name": "Export 1", "account_id": "demo-eploy", "posting_id": "1001", "stage": "new",
          "duplicate_policy": "skip", "source": "ProvenBase",
          "candidates": [{"id": "pb-1", "first_name": "Ann", "last_name": "Lee", "email": "ann@example.org",
                          "documents": [{"kind": "cv", "filename": "a.txt", "content_base64": "aGk="}]},
                         {"id": "pb-2", "first_name": "Bo", "last_name": "Ng", "email": "bo@example.org",
                          "links": ["https://bo.example"]}]}
write("export", "two", json.dumps(export))
write("export", "invalid", '{"name":"","candidates":[{"email":"x"},7]}')

# multipart: Content-Type line, then the body
b = "XyZ"
mp = ("--" + b + "\r\nContent-Disposition: form-data; name=\"application\"\r\nContent-Type: application/json\r\n\r\n"
      + json.dumps({k: v for k, v in application.items() if k != "documents"})
      + "\r\n--" + b + "\r\nContent-Disposition: form-data; name=\"cv\"; filename=\"cv.pdf\"\r\n"
      "Content-Type: application/pdf\r\n\r\n").encode() + pdf + ("\r\n--" + b + "--\r\n").encode()
write("multipart", "application", ("multipart/form-data; boundary=" + b + "\n").encode() + mp)
write("multipart", "lf", ("multipart/form-data; boundary=\"q\"\n--q\nContent-Disposition: form-data; name=\"a\"\n\nv\n--q--\n"))

# documents
write("documents", "pdf", pdf)
write("documents", "rtf", b"{\\rtf1\\ansi hello}")
write("documents", "txt", "Lebenslauf \u00e4\u00f6\u00fc\n".encode())
write("documents", "doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 56)
write("documents", "docx", b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + b"\x00" * 16 + b"\x13\x00\x00\x00[Content_Types].xml" + b"word/document.xml")
write("documents", "odt", b"PK\x03\x04\x14\x00\x00\x00\x00\x00" + b"\x00" * 16 + b"\x08\x00\x00\x00mimetypeapplication/vnd.oasis.opendocument.text")

# Lever webhooks, signed with the token the target verifies with
def lever(event, data, token="tok-1", ts=1795514400000, key=b"fuzz-signature-token"):
    sig = hmac.new(key, (token + str(ts)).encode(), hashlib.sha256).hexdigest()
    return json.dumps({"triggeredAt": ts, "event": event, "signature": sig, "token": token, "data": data})
write("lever_webhook", "stage-change", lever("candidateStageChange", {
    "opportunityId": "opp-1", "contactId": "contact-1", "fromStageId": "a", "toStageId": "b"}))
write("lever_webhook", "hired", lever("candidateHired", {"opportunityId": "opp-1", "candidateId": "c-1"}))
write("lever_webhook", "ping-bad-signature", json.dumps({"triggeredAt": 1, "event": "applicationCreated",
                                                         "signature": "00", "token": "t"}))

# provider callbacks: timestamp line, signature line, body
def callback(body, ts="1795514400", key=b"fuzz-callback-secret"):
    sig = hmac.new(key, (ts + ".").encode() + body.encode(), hashlib.sha256).hexdigest()
    return ts + "\n" + sig + "\n" + body
write("bgcheck_callback", "completed", callback(json.dumps({
    "order_id": "ord_1", "status": "Completed", "score": "Eligible for Hire",
    "report_url": "https://provider.example/r/1", "reference": "chk_1", "occurred_at": "2026-11-24T11:00:00Z"})))
write("bgcheck_callback", "in-progress", callback(json.dumps({
    "order_id": "ord_1", "status": "In Progress", "occurred_at": 1795514400000})))
write("bgcheck_callback", "no-headers", json.dumps({"order_id": "o", "status": "Pending Candidate"}))

# questions fixtures: posting/vacancy, NUL, form/questions
fx = os.path.join(root, "tests", "questions", "fixtures")
def read(n):
    with open(os.path.join(fx, n), "rb") as f:
        return f.read()
write("lever_questions", "posting-form", read("lever_posting.json") + b"\0" + read("lever_apply.json"))
write("lever_questions", "closed-form", read("lever_posting_closed.json") + b"\0" + read("lever_apply.json"))
write("lever_questions", "form-only", read("lever_apply.json"))
write("eploy_questions", "vacancy-questions", read("eploy_vacancy.json") + b"\0" + read("eploy_questions.json"))
write("eploy_questions", "questions-only", read("eploy_questions.json"))

# delivery connector responses
for i, body in enumerate([
        '{"data":{"id":"opp-1","contact":"c"}}', '{"data":[{"id":"o2"},{"id":"o3"}],"hasNext":false}',
        '{"data":{"uri":"http://x/f/1"}}', '{"data":{"applicationId":"a-9"}}',
        '{"data":{"tags":["Logistik",7,"bgcheck:basic"]}}', '{"data":{"name":"Zoe M","emails":["z@e.org"]}}',
        '{"CandidateId":100001}', '{"Records":[{"ApplicationId":5,"CandidateId":7}],"TotalRecords":1}',
        '{"order_id":"ord_1"}', '{"code":"BadRequestError","message":"Invalid posting"}',
        '{"error":"invalid_grant","error_description":"expired"}', '{"Message":"An error has occurred."}',
        '{"error":{"code":"rate_limited","message":"slow down"}}', 'data.0.id\n{"data":[{"id":"x"}]}']):
    write("delivery_parse", "%02d" % i, body)
# json_bounded: any text, checked under the default, response and tiny limits
for name, body in [
        ("application", json.dumps(application)),
        ("escapes", '["\\"\\\\\\/\\b\\f\\n\\r\\t", "\\u0041\\u00e9\\u20ac\\ud83d\\ude00\\udc00", "Zo\u00eb"]'),
        ("scalars", '[0, -1, 1.5e10, -0.0E-2, true, false, null, "", {}, []]'),
        ("nested", '{"a":[{"b":[{"c":[[[["deep"]]]]}]}]}'),
        ("many-objects", '{"board":"x","x":[' + ",".join(["{}"] * 40) + "]}"),
        ("top-level-number", "  42  "),
        ("trailing", '{"a": 1} x'),
        ("truncated", '{"a": [1, 2, {"b": "c'),
        ("bad-utf8", b'{"a": "\xc3\x28"}')]:
    write("json_bounded", name, body)
# console_form: the console's form bodies (and any bytes, escaped)
for name, body in [
        ("sign-in", "token=dev-admin-token"),
        ("account", "csrf=AbC-_123&run_mode=test&company_name=Demo+Logistik+GmbH&privacy_policy_url="
                    "https%3A%2F%2Fdemo.example%2Fprivacy&grants.boards=stepstone_de%2C+other&features="
                    "background_checks&features=exports&source_labels=stepstone_de%3Dstepstone%0D%0Aother%3Dx"
                    "&daily_api_budget=500&feed_interval_s="),
        ("replay", "csrf=x&id=0%3A12&id=1%3A7&reason=ATS+back+up"),
        ("markup", "name=%3Cscript%3Ealert(%27x%27)%3C%2Fscript%3E%26%22&v=%C3%A9t%C3%A9+%E2%82%AC"),
        ("empty-pairs", "&&a&=b&c=&&"),
        ("bad-escape", "a=%zz&b=%4"),
        ("control", "a=%00%01%1B%7F&b=%09%0A%0D"),
        ("bad-utf8", "a=%C3%28&b=%FF")]:
    write("console_form", name, body)
print("seeds written under", corpus)

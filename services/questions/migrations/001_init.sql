-- questions: cache of question sets fetched from the ATS, and applications
-- held back (test mode, unusable connection) until they can be resolved.
CREATE SCHEMA IF NOT EXISTS questions;

CREATE TABLE questions.question_sets (
    account_id    text NOT NULL,
    posting_id    text NOT NULL,
    ats           text NOT NULL,
    body          jsonb NOT NULL,           -- unified question model (model.c)
    content_hash  text NOT NULL,            -- sha256 of the normalized set, for refresh without ETags
    etag          text,                     -- ETag of the questions answer, for If-None-Match
    posting_etag  text,                     -- ETag of the posting answer
    fetched_at    timestamptz NOT NULL,     -- when this body was stored
    validated_at  timestamptz NOT NULL,     -- when the ATS last confirmed it (bounds staleness)
    expires_at    timestamptz NOT NULL,     -- validated_at + TTL
    PRIMARY KEY (account_id, posting_id)
);

-- Applications that passed validation but may not be delivered yet:
-- reason 'test_mode' (account in test mode, posting not a test posting;
-- released on go_live) or 'connection' (no usable credentials; retried).
-- payload is the ApplicationReceived as consumed (protobuf), so a release
-- runs exactly the same decision again.
CREATE TABLE questions.held (
    application_id  text PRIMARY KEY,
    account_id      text NOT NULL,
    posting_id      text NOT NULL DEFAULT '',
    reason          text NOT NULL CHECK (reason IN ('test_mode', 'connection')),
    payload         bytea NOT NULL,
    trace_id        text,
    held_at         timestamptz NOT NULL DEFAULT now(),
    attempts        int NOT NULL DEFAULT 0,
    last_attempt_at timestamptz
);
CREATE INDEX held_account_idx ON questions.held (account_id, held_at);

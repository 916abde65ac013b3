-- questions: cache of question sets fetched from the ATS.
CREATE SCHEMA IF NOT EXISTS questions;

CREATE TABLE questions.question_sets (
    account_id  text NOT NULL,
    posting_id  text NOT NULL,
    body        jsonb NOT NULL,             -- unified question model
    etag        text,                       -- for conditional refresh
    fetched_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL,
    PRIMARY KEY (account_id, posting_id)
);

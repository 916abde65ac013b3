-- ingest: claim-check document store and idempotency keys.
CREATE SCHEMA IF NOT EXISTS ingest;

CREATE TABLE ingest.documents (
    sha256       text PRIMARY KEY,          -- lowercase hex of content
    content_type text NOT NULL,
    size_bytes   bigint NOT NULL,
    content      bytea NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
);

-- One row per accepted (board, board_application_id); body_sha256 detects conflicting resends.
CREATE TABLE ingest.idempotency_keys (
    board                text NOT NULL,
    board_application_id text NOT NULL,
    application_id       text NOT NULL UNIQUE,
    body_sha256          text NOT NULL,
    created_at           timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (board, board_application_id)
);

-- ingest: claim-check documents, idempotency keys, API keys of boards and
-- sourcing tools, export tasks, sealed signing secrets, seen deliveries.
CREATE SCHEMA IF NOT EXISTS ingest;

-- Each document once, by content hash (DESIGN.md "Documents").
CREATE TABLE ingest.documents (
    sha256       text PRIMARY KEY,          -- lowercase hex of content
    content_type text NOT NULL,             -- detected from magic bytes
    size_bytes   bigint NOT NULL,
    content      bytea NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
);

-- One row per accepted (board, board_application_id); body_sha256 (canonical
-- body hash) tells an identical resend (200) from a conflicting one (409).
CREATE TABLE ingest.idempotency_keys (
    board                text NOT NULL,
    board_application_id text NOT NULL,
    application_id       text NOT NULL UNIQUE,
    body_sha256          text NOT NULL,
    created_at           timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (board, board_application_id)
);

-- API keys, stored as SHA-256 only. board is a job board id (kind 'board')
-- or a sourcing tool id (kind 'source_tool'); a key belongs to one of them.
CREATE TABLE ingest.board_keys (
    key_sha256 text PRIMARY KEY,
    board      text NOT NULL,
    kind       text NOT NULL CHECK (kind IN ('board', 'source_tool')),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX board_keys_board_idx ON ingest.board_keys (kind, board);

-- Export tasks of sourcing tools; the id derives from (tool, body hash), so
-- a resent export finds its row and is answered 200 without producing again.
CREATE TABLE ingest.export_tasks (
    export_task_id text PRIMARY KEY,
    tool           text NOT NULL,
    name           text NOT NULL,
    account_id     text NOT NULL,
    candidates     int NOT NULL,
    body_sha256    text NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now()
);

-- Signing secrets sealed with crypto_seal (base64 of nonce || ciphertext):
-- Lever webhook signature tokens (owner = account id, name = event) and
-- provider callback secrets (owner = provider, name = '').
CREATE TABLE ingest.secrets (
    kind       text NOT NULL CHECK (kind IN ('lever_webhook_token', 'provider_callback_secret')),
    owner      text NOT NULL,
    name       text NOT NULL DEFAULT '',
    sealed     text NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (kind, owner, name)
);

-- Deliveries seen while still fresh (replay protection); rows expire.
CREATE TABLE ingest.webhook_deliveries (
    source      text NOT NULL,               -- 'lever:<account>' or 'bgcheck:<provider>'
    delivery_id text NOT NULL,               -- Lever token, or provider signature
    expires_at  timestamptz NOT NULL,
    PRIMARY KEY (source, delivery_id)
);
CREATE INDEX webhook_deliveries_expiry_idx ON ingest.webhook_deliveries (source, expires_at);

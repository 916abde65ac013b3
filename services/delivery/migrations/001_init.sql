-- delivery: connections with encrypted credentials, and the delivery ledger.
CREATE SCHEMA IF NOT EXISTS delivery;

CREATE TABLE delivery.connections (
    account_id        text NOT NULL,
    name              text NOT NULL DEFAULT 'Connection-OAuth-1',
    ats               text NOT NULL CHECK (ats IN ('lever', 'eploy', 'provider')),
    site_url          text,
    client_id         text,
    secret_box        bytea,                -- libsodium secretbox: nonce || ciphertext
    access_expires_at timestamptz,
    revoked_at        timestamptz,
    last_success_at   timestamptz,
    last_error        text,
    last_error_at     timestamptz,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (account_id, name)
);

-- PENDING -> IN_FLIGHT(attempt) -> DELIVERED(ats ids) | FAILED
CREATE TABLE delivery.ledger (
    application_id   text PRIMARY KEY,
    account_id       text NOT NULL,
    state            text NOT NULL CHECK (state IN ('PENDING', 'IN_FLIGHT', 'DELIVERED', 'FAILED')),
    attempt          int NOT NULL DEFAULT 0,
    ats_candidate_id text,
    ats_application_id text,
    last_error       text,
    updated_at       timestamptz NOT NULL DEFAULT now()
);

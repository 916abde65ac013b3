-- delivery: connections with encrypted credentials, the delivery ledger,
-- OAuth states, command ledger, rate-limit state and notification throttle.
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
    adopted          boolean NOT NULL DEFAULT false,
    last_error       text,
    updated_at       timestamptz NOT NULL DEFAULT now()
);

-- Lever activation links: state is single use, bound to the account, 10 minutes.
CREATE TABLE delivery.oauth_states (
    state       text PRIMARY KEY,
    account_id  text NOT NULL,
    name        text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz
);

-- ats.commands: each command_id executed at most once.
CREATE TABLE delivery.commands (
    command_id  text PRIMARY KEY,
    account_id  text NOT NULL,
    kind        text NOT NULL,
    state       text NOT NULL CHECK (state IN ('IN_FLIGHT', 'DONE', 'FAILED')),
    result      text,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- Token buckets shared by every replica (one row per account and bucket).
CREATE TABLE delivery.rate_buckets (
    account_id  text NOT NULL,
    bucket      text NOT NULL,
    tokens      double precision NOT NULL,
    updated_at  timestamptz NOT NULL,
    PRIMARY KEY (account_id, bucket)
);

-- Requests spent per account and UTC day (Eploy's quota is per site and day).
CREATE TABLE delivery.quota_usage (
    account_id  text NOT NULL,
    day         date NOT NULL,
    used        int NOT NULL,
    PRIMARY KEY (account_id, day)
);

-- At most one notification per account and error class per hour.
CREATE TABLE delivery.notifications (
    account_id   text NOT NULL,
    error_class  text NOT NULL,
    last_sent_at timestamptz NOT NULL,
    sent_count   int NOT NULL DEFAULT 1,
    PRIMARY KEY (account_id, error_class)
);

-- status: the system of record.
CREATE SCHEMA IF NOT EXISTS status;

CREATE TABLE status.accounts (
    account_id          text PRIMARY KEY,
    ats                 text NOT NULL CHECK (ats IN ('lever', 'eploy')),
    connection_name     text NOT NULL DEFAULT 'Connection-OAuth-1',
    run_mode            text NOT NULL DEFAULT 'test' CHECK (run_mode IN ('test', 'live', 'dry-run')),
    company_name        text,
    privacy_policy_url  text,
    source_labels       jsonb NOT NULL DEFAULT '{}',
    bgcheck_stage       text NOT NULL DEFAULT 'Asurint Background Check',
    bgcheck_tag_prefix  text NOT NULL DEFAULT 'Asurint Package:',
    notification_url    text,
    daily_api_budget    int,
    feed_interval_s     int,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE status.events (
    event_id       text PRIMARY KEY,
    application_id text,
    account_id     text,
    type           text NOT NULL,
    service        text NOT NULL,
    at             timestamptz NOT NULL,
    detail         text,
    recorded_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX events_application_idx ON status.events (application_id, at);

CREATE TABLE status.applications (
    application_id   text PRIMARY KEY,
    account_id       text NOT NULL,
    board            text,
    posting_id       text,
    export_task_id   text,
    state            text NOT NULL,
    state_rank       int NOT NULL,
    ats              text,
    ats_candidate_id text,
    attempts         int NOT NULL DEFAULT 0,
    last_error       text,
    received_at      timestamptz,
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX applications_account_idx ON status.applications (account_id, updated_at, application_id);

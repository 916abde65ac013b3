-- status: the system of record. No personal data is kept here: events and
-- projections carry ids, states, codes, counts and timestamps only (see
-- DESIGN.md "Audit events"); ATS ids are removed on erasure.
CREATE SCHEMA IF NOT EXISTS status;

-- Account configuration, written only by status (admin API) and read by the
-- other services through common/accounts.c: keep these column names.
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
    updated_at          timestamptz NOT NULL DEFAULT now(),
    -- status only: when feed monitoring (re)started, the baseline before the
    -- first received event; when the account last went live.
    feed_monitor_since  timestamptz NOT NULL DEFAULT now(),
    went_live_at        timestamptz
);

-- The audit trail, one row per event id (redelivery stores nothing new).
CREATE TABLE status.events (
    seq            bigint GENERATED ALWAYS AS IDENTITY,
    event_id       text PRIMARY KEY,
    application_id text,
    account_id     text,
    subject_id     text,
    type           text NOT NULL,
    service        text NOT NULL,
    at             timestamptz NOT NULL,
    state          text,
    attempt        int NOT NULL DEFAULT 0,
    error_code     text,
    detail         text,
    recorded_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX events_application_idx ON status.events (application_id, at, event_id);
CREATE INDEX events_account_type_idx ON status.events (account_id, type, at);
CREATE INDEX events_subject_idx ON status.events (subject_id) WHERE subject_id IS NOT NULL;

-- Current state per application. state_rank orders states (services/status/state.c);
-- an update only ever raises it. seq is assigned once, on first sight, and
-- orders listings (keyset pagination that inserts cannot disturb).
CREATE TABLE status.applications (
    application_id   text PRIMARY KEY,
    seq              bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    account_id       text NOT NULL,
    board            text,
    posting_id       text,
    export_task_id   text,
    state            text NOT NULL,
    state_rank       int NOT NULL,
    state_at         timestamptz NOT NULL,
    ats              text,
    ats_candidate_id text,
    duplicate        boolean NOT NULL DEFAULT false,
    attempts         int NOT NULL DEFAULT 0,
    last_error       text,
    last_error_rank  int NOT NULL DEFAULT -1,
    received_at      timestamptz,
    updated_at       timestamptz NOT NULL,
    first_seen_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX applications_account_idx ON status.applications (account_id, seq);
CREATE INDEX applications_state_idx ON status.applications (state, seq);
CREATE INDEX applications_updated_idx ON status.applications (updated_at);
CREATE INDEX applications_export_idx ON status.applications (export_task_id)
    WHERE export_task_id IS NOT NULL;

-- Export tasks of sourcing tools (export_created); progress is counted from
-- the applications that carry the task id.
CREATE TABLE status.exports (
    export_task_id text PRIMARY KEY,
    account_id     text,
    name           text,
    total          bigint NOT NULL DEFAULT 0,
    created_at     timestamptz NOT NULL
);

-- Per-account traffic and the feed alert (seed 002: monitor receipt of the
-- scheduled extract).
CREATE TABLE status.account_sync (
    account_id        text PRIMARY KEY,
    last_received_at  timestamptz,
    last_delivered_at timestamptz,
    alert_state       text NOT NULL DEFAULT 'ok' CHECK (alert_state IN ('ok', 'raised')),
    alert_changed_at  timestamptz
);

-- ATS webhooks as ingest verified them (deduplicated by webhook id).
CREATE TABLE status.webhooks (
    webhook_id     text PRIMARY KEY,
    account_id     text NOT NULL,
    ats            text,
    event          text NOT NULL,
    triggered_at   timestamptz,
    opportunity_id text,
    contact_id     text,
    from_stage_id  text,
    to_stage_id    text,
    to_stage_name  text,
    posting_id     text,
    received_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhooks_opportunity_idx ON status.webhooks (opportunity_id);

-- Background checks; status_rank only rises (CheckStatus enum order).
CREATE TABLE status.background_checks (
    check_id       text PRIMARY KEY,
    account_id     text,
    opportunity_id text,
    posting_id     text,
    stage_entry    text,
    status         text NOT NULL,
    status_rank    int NOT NULL,
    order_id       text,
    score          text,
    report_url     text,
    reason         text,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL
);
CREATE INDEX background_checks_opportunity_idx ON status.background_checks (opportunity_id);

CREATE TABLE status.check_updates (
    update_id   text PRIMARY KEY,
    check_id    text NOT NULL,
    status      text NOT NULL,
    at          timestamptz NOT NULL
);
CREATE INDEX check_updates_check_idx ON status.check_updates (check_id, at);

-- Erased applications: a tombstone so late or redelivered events do not
-- bring the application back. Only the pseudonymous id is kept.
CREATE TABLE status.erasures (
    application_id text PRIMARY KEY,
    account_id     text,
    reason         text NOT NULL,
    requested_at   timestamptz NOT NULL DEFAULT now()
);

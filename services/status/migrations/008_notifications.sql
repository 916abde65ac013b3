-- Operator notifications (DESIGN.md "Operator notifications").
--   accounts.notification_secret: the signing secret, crypto_seal box
--     (ATSB_SECRET_KEY); never returned, only set by
--     POST /v1/accounts/{id}/notification-secret or the first notification_url.
--   notification_events: the outbox. The consumer writes one row per stored
--     event that needs an operator (same transaction as the event); the
--     notifier gathers the open rows of an (account, class) into one
--     notification.
--   notifications: what is sent, its attempts and outcome.
ALTER TABLE status.accounts ADD COLUMN notification_secret bytea;

CREATE TABLE status.notification_events (
    event_id        text PRIMARY KEY,
    account_id      text NOT NULL,
    class           text NOT NULL,
    subject_id      text,
    code            text,
    at              timestamptz NOT NULL,
    notification_id text
);
CREATE INDEX notification_events_open_idx ON status.notification_events (account_id, class)
    WHERE notification_id IS NULL;
CREATE INDEX notification_events_notification_idx ON status.notification_events (notification_id)
    WHERE notification_id IS NOT NULL;

CREATE TABLE status.notifications (
    notification_id text PRIMARY KEY,
    account_id      text NOT NULL,
    class           text NOT NULL,
    count           int NOT NULL,
    first_at        timestamptz NOT NULL,
    last_at         timestamptz NOT NULL,
    subjects        text[] NOT NULL,
    codes           text[] NOT NULL,
    state           text NOT NULL DEFAULT 'pending', -- pending | sent | failed
    attempts        int NOT NULL DEFAULT 0,
    last_error      text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    done_at         timestamptz
);
CREATE INDEX notifications_due_idx ON status.notifications (next_attempt_at) WHERE state = 'pending';
CREATE INDEX notifications_pair_idx ON status.notifications (account_id, class, created_at);

-- The held-too-long watch looks for held applications by age.
CREATE INDEX applications_held_idx ON status.applications (state_at) WHERE state = 'held';
CREATE INDEX events_held_too_long_idx ON status.events (application_id) WHERE type = 'held_too_long';

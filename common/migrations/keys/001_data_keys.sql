-- keys: per-application data keys for crypto-shredding (common/data_keys.h).
-- Shared by every service (each applies this component at start, before its
-- own migrations). wrapped is the 32-byte key, hex, sealed with the master
-- key ATSB_SECRET_KEY (crypto_seal); erasure sets it NULL and destroyed_at,
-- and the row stays as a tombstone so the key is never made again.
CREATE SCHEMA IF NOT EXISTS keys;

CREATE TABLE IF NOT EXISTS keys.data_keys (
    subject_id    text PRIMARY KEY,
    wrapped       bytea,
    created_at    timestamptz NOT NULL DEFAULT now(),
    destroyed_at  timestamptz,
    CHECK ((wrapped IS NULL) = (destroyed_at IS NOT NULL))
);

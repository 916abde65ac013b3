-- Named operators: admin tokens of their own, so the audit trail says who
-- did an admin action. Registered by the bootstrap admin token (status's
-- admin API); every service's admin endpoints accept them through
-- common/operators.c. Tokens are stored as SHA-256 only.
CREATE TABLE status.operators (
    name         text PRIMARY KEY,
    token_sha256 text NOT NULL UNIQUE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);

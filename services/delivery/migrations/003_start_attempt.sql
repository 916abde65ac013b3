-- Starts an attempt in one round trip: takes the tokens (take_tokens) and,
-- for app_id (NULL: tokens only), when they are taken and mark is set,
-- records the attempt as IN_FLIGHT; when they are not, records the
-- application as PENDING if it has no ledger row yet. One transaction:
-- IN_FLIGHT is durable when this returns 0. Callers with a further limit to
-- pass before the ATS call (Eploy's daily quota) pass mark = false and record
-- IN_FLIGHT themselves.
CREATE FUNCTION delivery.start_attempt(acct text, names text[], rates float8[], bursts float8[],
    wants int[], app_id text, att int, mark boolean) RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    w bigint;
BEGIN
    w := delivery.take_tokens(acct, names, rates, bursts, wants);
    IF app_id IS NULL THEN
        RETURN w;
    END IF;
    IF w = 0 AND mark THEN
        INSERT INTO delivery.ledger AS l (application_id, account_id, state, attempt)
        VALUES (app_id, acct, 'IN_FLIGHT', att)
        ON CONFLICT (application_id) DO UPDATE SET state = 'IN_FLIGHT', attempt = att, updated_at = now()
         WHERE l.state IN ('PENDING', 'IN_FLIGHT');
    ELSIF w > 0 THEN
        INSERT INTO delivery.ledger (application_id, account_id, state) VALUES (app_id, acct, 'PENDING')
        ON CONFLICT (application_id) DO NOTHING;
    END IF;
    RETURN w;
END $$;

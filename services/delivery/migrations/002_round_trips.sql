-- Server-side steps that save a delivery PostgreSQL round trips.

-- Starts a job: tries the advisory lock on lock_key and, only when taken,
-- reads the application's ledger row. The read is a statement of its own
-- inside this VOLATILE function, so it takes its snapshot after the lock:
-- it sees whatever the previous holder committed before unlocking.
CREATE FUNCTION delivery.begin_job(lock_key text, app_id text,
    OUT locked boolean, OUT state text, OUT attempt int, OUT adopted boolean,
    OUT ats_candidate_id text, OUT ats_application_id text)
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    locked := pg_try_advisory_lock(hashtextextended(lock_key, 0));
    IF locked THEN
        SELECT l.state, l.attempt, l.adopted, coalesce(l.ats_candidate_id, ''),
               coalesce(l.ats_application_id, '')
          INTO state, attempt, adopted, ats_candidate_id, ats_application_id
          FROM delivery.ledger l WHERE l.application_id = app_id;
    END IF;
END $$;

-- Takes wants[i] tokens (capped at bursts[i]) from every bucket names[i] of
-- the account, refilled at rates[i] per second up to bursts[i]: all or
-- none. Returns 0 when taken, else the milliseconds until the first bucket
-- short of tokens would have them (what earlier buckets gave is put back).
-- Callers pass a request's buckets in one fixed order, so row locks are
-- always taken in the same order.
CREATE FUNCTION delivery.take_tokens(acct text, names text[], rates float8[], bursts float8[],
    wants int[]) RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    i int;
    w bigint;
BEGIN
    FOR i IN 1..coalesce(array_length(names, 1), 0) LOOP
        INSERT INTO delivery.rate_buckets AS b (account_id, bucket, tokens, updated_at)
        VALUES (acct, names[i], bursts[i] - LEAST(wants[i], bursts[i]), clock_timestamp())
        ON CONFLICT (account_id, bucket) DO UPDATE
           SET tokens = LEAST(bursts[i], b.tokens + GREATEST(0, extract(epoch FROM clock_timestamp() - b.updated_at))
                                         * rates[i]) - LEAST(wants[i], bursts[i]),
               updated_at = clock_timestamp()
         WHERE LEAST(bursts[i], b.tokens + GREATEST(0, extract(epoch FROM clock_timestamp() - b.updated_at))
                                * rates[i]) >= LEAST(wants[i], bursts[i]);
        IF NOT FOUND THEN
            SELECT GREATEST(1, ceil((LEAST(wants[i], bursts[i]) - LEAST(bursts[i], b.tokens
                       + GREATEST(0, extract(epoch FROM clock_timestamp() - b.updated_at)) * rates[i]))
                       / rates[i] * 1000))::bigint
              INTO w FROM delivery.rate_buckets b WHERE b.account_id = acct AND b.bucket = names[i];
            UPDATE delivery.rate_buckets b SET tokens = LEAST(t.burst, b.tokens + LEAST(t.want, t.burst))
              FROM unnest(names[1:i - 1], bursts[1:i - 1], wants[1:i - 1]) AS t(name, burst, want)
             WHERE b.account_id = acct AND b.bucket = t.name;
            RETURN coalesce(w, 1);
        END IF;
    END LOOP;
    RETURN 0;
END $$;

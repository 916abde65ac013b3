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

-- Takes wants[i] tokens from every bucket names[i] of the account (rate
-- rates[i] per second, capacity bursts[i]), all or none. Returns 0 when
-- taken, else the milliseconds until all of them would be available. Rows
-- are locked in name order, so concurrent takers cannot deadlock.
CREATE FUNCTION delivery.take_tokens(acct text, names text[], rates float8[], bursts float8[],
    wants int[]) RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    i int;
    avail float8;
    wait bigint := 0;
BEGIN
    FOR i IN SELECT t.i FROM unnest(names) WITH ORDINALITY AS t(name, i) ORDER BY t.name LOOP
        SELECT LEAST(bursts[i], b.tokens + GREATEST(0, extract(epoch FROM clock_timestamp() - b.updated_at))
                                 * rates[i])
          INTO avail FROM delivery.rate_buckets b
         WHERE b.account_id = acct AND b.bucket = names[i] FOR UPDATE;
        IF NOT FOUND THEN
            INSERT INTO delivery.rate_buckets (account_id, bucket, tokens, updated_at)
            VALUES (acct, names[i], bursts[i], clock_timestamp()) ON CONFLICT DO NOTHING;
            SELECT b.tokens INTO avail FROM delivery.rate_buckets b
             WHERE b.account_id = acct AND b.bucket = names[i] FOR UPDATE;
        END IF;
        IF avail < LEAST(wants[i], bursts[i]) THEN
            wait := GREATEST(wait, ceil((LEAST(wants[i], bursts[i]) - avail) / rates[i] * 1000)::bigint, 1);
        END IF;
    END LOOP;
    IF wait > 0 THEN
        RETURN wait;
    END IF;
    UPDATE delivery.rate_buckets b
       SET tokens = LEAST(t.burst, b.tokens + GREATEST(0, extract(epoch FROM clock_timestamp() - b.updated_at))
                                   * t.rate) - LEAST(t.want, t.burst),
           updated_at = clock_timestamp()
      FROM unnest(names, rates, bursts, wants) AS t(name, rate, burst, want)
     WHERE b.account_id = acct AND b.bucket = t.name;
    RETURN 0;
END $$;

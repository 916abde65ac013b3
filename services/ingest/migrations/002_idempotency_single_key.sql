-- application_id is derived from (board, board_application_id), so the
-- primary key already makes it unique. Its own UNIQUE constraint was a second
-- unique index outside the INSERT's ON CONFLICT arbiter: two concurrent first
-- posts of one application both passed the arbiter check, and the loser then
-- failed on this index with a unique violation (answered 503) instead of
-- waiting and answering 200 or 409.
ALTER TABLE ingest.idempotency_keys DROP CONSTRAINT idempotency_keys_application_id_key;

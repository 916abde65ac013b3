-- Retention finds the applications questions reported held too long.
CREATE INDEX events_held_expired_idx ON status.events (application_id) WHERE type = 'held_expired';

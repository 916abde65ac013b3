-- A Lever refresh is a rotation: the old refresh token is spent the moment
-- Lever answers. rotation_started_at is committed before the token endpoint
-- is called and cleared when the new pair is stored, so a rotation whose
-- result was never stored is visible (and the connection asks for
-- re-authorization) instead of being retried with a spent token.
ALTER TABLE delivery.connections ADD COLUMN rotation_started_at timestamptz;

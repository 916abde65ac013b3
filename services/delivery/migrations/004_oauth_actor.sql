-- Who issued a Lever activation link: the connection_linked audit event of
-- its callback names that operator.
ALTER TABLE delivery.oauth_states ADD COLUMN actor text NOT NULL DEFAULT '';

-- A Lever connection records the environment it was activated in
-- ("production" or "sandbox") and the OAuth scopes Lever granted, so delivery
-- attempts only calls the grant covers. Connections made before keep the
-- production environment and the four scopes every activation link asked for.
ALTER TABLE delivery.connections ADD COLUMN environment text, ADD COLUMN scopes text;
UPDATE delivery.connections
   SET environment = 'production',
       scopes = 'offline_access postings:read:admin postings:write:admin uploads:write:admin'
 WHERE ats = 'lever';
ALTER TABLE delivery.oauth_states ADD COLUMN environment text NOT NULL DEFAULT 'production',
  ADD COLUMN scopes text NOT NULL DEFAULT '';

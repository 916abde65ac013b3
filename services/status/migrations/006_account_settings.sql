-- Per-account settings that used to be global to the deployment.
--   features: what the account uses beyond board applications
--     ("background_checks", "exports"); the Lever scopes asked for follow it.
--   lever_environment: "production" or "sandbox" (Lever's sandbox hosts).
--   export_stage: the Lever stage of an export that names none.
--   bgcheck_package: the package ordered when the posting has no package tag.
--   provider_client_id: the employer's Client ID at the background-check provider.
ALTER TABLE status.accounts
  ADD COLUMN features jsonb NOT NULL DEFAULT '[]',
  ADD COLUMN lever_environment text NOT NULL DEFAULT 'production',
  ADD COLUMN export_stage text,
  ADD COLUMN bgcheck_package text,
  ADD COLUMN provider_client_id text;
-- Accounts that already take exports keep them.
UPDATE status.accounts SET features = '["exports"]' WHERE jsonb_array_length(grants -> 'source_tools') > 0;

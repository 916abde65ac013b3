-- Where the browser goes after Lever's consent page (the operator console's
-- Connections page), given with the activation link; NULL answers JSON as before.
ALTER TABLE delivery.oauth_states ADD COLUMN return_to text;

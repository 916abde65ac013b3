-- The Lever user atsbridge acts as for this account (perform_as on sourced
-- candidates and notes), one per customer; new accounts take
-- ATSB_LEVER_PERFORM_AS when it is set.
ALTER TABLE status.accounts ADD COLUMN lever_perform_as text;

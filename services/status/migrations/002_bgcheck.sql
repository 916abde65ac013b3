-- Background checks driven by ATS stage changes (issue 9, DESIGN.md
-- "Background checks"). status creates a check when a candidateStageChange
-- enters the account's bgcheck_stage and emits the ats.commands that order
-- it and keep the opportunity's status tag and notes current.

-- Tag text for the check's status on the opportunity: "<prefix> <Status>",
-- e.g. "Asurint: In Progress". NULL derives it from bgcheck_tag_prefix
-- ("Asurint Package:" -> "Asurint:"); see services/status/bgcheck.h.
ALTER TABLE status.accounts ADD COLUMN bgcheck_status_tag_prefix text;

-- contact_id: the ATS contact the check is for (ORDER_CHECK).
-- tag_level: the status tag last emitted as commands (0 none, 1 Pending
--   Candidate, 2 In Progress, 3 Completed); only rises, so a late or
--   repeated callback emits nothing.
-- reported_rank: the status_rank last recorded as a check_status event.
ALTER TABLE status.background_checks
    ADD COLUMN contact_id text,
    ADD COLUMN tag_level int NOT NULL DEFAULT 0,
    ADD COLUMN reported_rank int NOT NULL DEFAULT 0;

-- "Is there an open check for this opportunity?" on every stage entry.
CREATE INDEX background_checks_account_opportunity_idx
    ON status.background_checks (account_id, opportunity_id, status_rank);

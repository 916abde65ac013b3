-- Who may write into an account: the job boards and sourcing tools whose
-- keys may submit applications or exports into it (ingest reads this
-- through common/accounts.c). Nothing is granted until an operator says so.
ALTER TABLE status.accounts
    ADD COLUMN grants jsonb NOT NULL DEFAULT '{"boards": [], "source_tools": []}';

-- The sourcing tool that created an export task (its key reads it), and the
-- order tasks are listed in, newest first.
ALTER TABLE status.exports ADD COLUMN source_tool text;
ALTER TABLE status.exports ADD COLUMN seq bigint GENERATED ALWAYS AS IDENTITY;
CREATE INDEX exports_tool_idx ON status.exports (source_tool, seq);
CREATE INDEX applications_board_idx ON status.applications (board, seq);

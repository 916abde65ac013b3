-- The operator console's lists (docs/status.md "Query endpoints").
--
-- Background checks by account, newest first and keyset-paginated like
-- applications: seq is assigned once, when status first stores the check,
-- so checks arriving while a client pages land before its cursor.
ALTER TABLE status.background_checks ADD COLUMN seq bigint GENERATED ALWAYS AS IDENTITY;
CREATE INDEX background_checks_account_seq_idx ON status.background_checks (account_id, seq);

-- An export task's applications in the order status first saw them
-- (GET /v1/exports/{id}/applications); it also serves the task's counts,
-- so it replaces the index on export_task_id alone.
CREATE INDEX applications_export_seq_idx ON status.applications (export_task_id, seq)
    WHERE export_task_id IS NOT NULL;
DROP INDEX status.applications_export_idx;

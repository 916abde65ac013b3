-- Which applications hold each document, so erasure can delete an
-- application's documents and keep those another application still holds
-- (same bytes, same sha256). Written with the document, in the same
-- transaction (documents_store). The foreign key makes a delete of a
-- document that a concurrent request has just referenced fail (that erasure
-- is retried and keeps the document) instead of leaving a dangling ref.
CREATE TABLE ingest.document_refs (
    sha256         text NOT NULL REFERENCES ingest.documents (sha256),
    application_id text NOT NULL,
    PRIMARY KEY (sha256, application_id)
);
CREATE INDEX document_refs_application_idx ON ingest.document_refs (application_id);

-- Erasure finds the application's idempotency row by application id (not
-- unique: see 002, only the primary key may be unique).
CREATE INDEX idempotency_keys_application_idx ON ingest.idempotency_keys (application_id);

-- Embargo schema, version 16. Keep the SQLite and PostgreSQL trees in step.
-- (Versions 9 to 15 are other changes.)
-- A report closed as a duplicate links the report it duplicates; the original's page lists
-- its duplicates, and an advisory made from it credits their reporters too (the duplicate's
-- reporter is offered credit on the original). Written with the transition that closes the
-- report; removed when the report is reopened.

CREATE TABLE report_duplicates (
    report_id   TEXT PRIMARY KEY REFERENCES reports(id) ON DELETE CASCADE,
    original_id TEXT NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
    linked_at   BIGINT NOT NULL
);
CREATE INDEX report_duplicates_original ON report_duplicates(original_id);

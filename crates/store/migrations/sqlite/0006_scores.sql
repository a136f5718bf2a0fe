-- Embargo schema, version 6 (SQLite). Keep in step with postgres/0006_scores.sql.
-- Rescoring: every CVSS vector a maintainer gave a report, with who, when and why. The
-- reporter's own vector stays in reports.cvss_vector; the latest row here is the report's
-- current score. The vector is stored normalised (the cvss crate's canonical text); the
-- base score in integer tenths (9.8 is 98), so it is exact on both databases.

CREATE TABLE scores (
    id          TEXT PRIMARY KEY,
    report_id   TEXT NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
    vector      TEXT NOT NULL,
    version     TEXT NOT NULL CHECK (version IN ('2.0', '3.0', '3.1', '4.0')),
    score       BIGINT NOT NULL CHECK (score BETWEEN 0 AND 100),
    severity    TEXT NOT NULL,
    rationale   TEXT NOT NULL,
    author_kind TEXT NOT NULL CHECK (author_kind IN ('maintainer')),
    author_id   TEXT REFERENCES users(id) ON DELETE SET NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX scores_report ON scores(report_id, created_at);

-- Embargo schema, version 7 (PostgreSQL). Keep in step with sqlite/0007_triage.sql.
-- (Version 6 is reserved for another change.)
-- The triage assistant's result per report (crate `triage`): its label and verdict, the
-- findings with their evidence as JSON, and the report's text fingerprint, which the next
-- reports' spray and near-duplicate checks read as the instance's history. Rewritten when a
-- report is triaged again; `triage_version` names the rules that produced it.
-- A maintainer may dismiss a finding (kept, with who and why); dismissals survive a re-run
-- because findings are keyed by signal and evidence span, not by position.

CREATE TABLE report_triage (
    report_id      TEXT PRIMARY KEY REFERENCES reports(id) ON DELETE CASCADE,
    label          TEXT NOT NULL,
    verdict        TEXT NOT NULL CHECK (verdict IN ('likely_valid', 'needs_review', 'likely_invalid')),
    findings       TEXT NOT NULL,
    fingerprint    TEXT NOT NULL,
    triage_version TEXT NOT NULL,
    triaged_at     BIGINT NOT NULL
);
CREATE INDEX report_triage_verdict ON report_triage(verdict);
CREATE INDEX report_triage_at ON report_triage(triaged_at);

CREATE TABLE triage_dismissals (
    report_id    TEXT NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
    finding_key  TEXT NOT NULL,
    user_id      TEXT REFERENCES users(id) ON DELETE SET NULL,
    reason       TEXT NOT NULL,
    dismissed_at BIGINT NOT NULL,
    PRIMARY KEY (report_id, finding_key)
);

-- Embargo schema, version 18 (SQLite). Keep in step with postgres/0018_report_search.sql.
-- The inbox reads a project's reports a page at a time with filters, sorts and counts per
-- tab, from indexes rather than by loading the project:
-- * `likely_junk` (0/1): the triage finds the report likely invalid, or a mail filter's
--   `spam` rule filed it. Kept by the store when either changes (`reports::refresh_junk`).
-- * `score_tenths` and `severity`: the report's current score (the latest maintainer
--   score, else the reporter's vector) in tenths, -1 and NULL when it has none. Set at
--   intake and in the rescoring unit of work. Reports scored only by their reporter's vector
--   before this version are left NULL here and scored by the application at start.
-- * the due-date key: the deadline of the clock that runs next in the report's state
--   (acknowledge while received, triage while acknowledged, disclosure while open, none once
--   closed or disclosed), as an expression index; `store::report_pages::DUE_KEY` is the
--   same expression and must stay identical to it.

ALTER TABLE reports ADD COLUMN likely_junk BIGINT NOT NULL DEFAULT 0;
ALTER TABLE reports ADD COLUMN score_tenths BIGINT;
ALTER TABLE reports ADD COLUMN severity TEXT;

UPDATE reports SET likely_junk = 1
WHERE id IN (SELECT report_id FROM report_triage WHERE verdict = 'likely_invalid')
   OR id IN (SELECT i.report_id FROM inbound_messages i
             JOIN mail_filter_matches m ON m.inbound_id = i.id
             WHERE i.disposition = 'report' AND i.report_id IS NOT NULL
               AND m.decided = 1 AND m.action = 'spam');

UPDATE reports SET
    score_tenths = (SELECT s.score FROM scores s WHERE s.report_id = reports.id
                    ORDER BY s.created_at DESC, s.id DESC LIMIT 1),
    severity = (SELECT s.severity FROM scores s WHERE s.report_id = reports.id
                ORDER BY s.created_at DESC, s.id DESC LIMIT 1)
WHERE EXISTS (SELECT 1 FROM scores s WHERE s.report_id = reports.id);
UPDATE reports SET score_tenths = -1 WHERE score_tenths IS NULL AND cvss_vector IS NULL;

CREATE INDEX reports_project_state_number ON reports (project_id, state, number);
CREATE INDEX reports_project_state_ack ON reports (project_id, state, acknowledge_due);
CREATE INDEX reports_project_junk ON reports (project_id, likely_junk, number);
CREATE INDEX reports_project_score ON reports (project_id, score_tenths, number);
CREATE INDEX reports_project_due ON reports (project_id, (CASE state
    WHEN 'received' THEN acknowledge_due
    WHEN 'acknowledged' THEN triage_due
    WHEN 'closed' THEN 9223372036854775807
    WHEN 'disclosed' THEN 9223372036854775807
    ELSE disclosure_due END), number);
CREATE INDEX reports_score_pending ON reports (score_tenths) WHERE score_tenths IS NULL;

-- Full-text search over the report's text (title, description, reproduction, impact): an
-- FTS5 index whose content is the reports table itself (nothing stored twice), kept in step
-- by the triggers below. Tokens are Unicode words, case-folded, accents kept (as
-- PostgreSQL's `simple` configuration reads them). The index refers to reports by rowid,
-- which VACUUM may renumber: after a VACUUM, rebuild it with
-- `INSERT INTO reports_fts (reports_fts) VALUES ('rebuild')`.
CREATE VIRTUAL TABLE reports_fts USING fts5 (
    title, description, reproduction, impact,
    content = 'reports', tokenize = 'unicode61 remove_diacritics 0'
);
INSERT INTO reports_fts (reports_fts) VALUES ('rebuild');
CREATE TRIGGER reports_fts_insert AFTER INSERT ON reports BEGIN
    INSERT INTO reports_fts (rowid, title, description, reproduction, impact)
    VALUES (new.rowid, new.title, new.description, new.reproduction, new.impact);
END;
CREATE TRIGGER reports_fts_delete AFTER DELETE ON reports BEGIN
    INSERT INTO reports_fts (reports_fts, rowid, title, description, reproduction, impact)
    VALUES ('delete', old.rowid, old.title, old.description, old.reproduction, old.impact);
END;
CREATE TRIGGER reports_fts_update AFTER UPDATE OF title, description, reproduction, impact
ON reports BEGIN
    INSERT INTO reports_fts (reports_fts, rowid, title, description, reproduction, impact)
    VALUES ('delete', old.rowid, old.title, old.description, old.reproduction, old.impact);
    INSERT INTO reports_fts (rowid, title, description, reproduction, impact)
    VALUES (new.rowid, new.title, new.description, new.reproduction, new.impact);
END;

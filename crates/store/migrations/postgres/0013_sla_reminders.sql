-- Embargo schema, version 13 (PostgreSQL). Keep in step with sqlite/0013_sla_reminders.sql.
-- (Versions 9 to 12 are reserved for other changes.)
-- Deadline extensions (who moved which clock, from when to when, and why; the reason is
-- shown to the reporter), the reminders sent about a report's clocks (one row per report,
-- clock, kind and due date: the primary key is what makes each reminder go out once, even
-- with several servers), and each member's choice of e-mails per project (no row: all on).

CREATE TABLE sla_extensions (
    id         TEXT PRIMARY KEY,
    report_id  TEXT NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
    clock      TEXT NOT NULL CHECK (clock IN ('acknowledge', 'triage', 'disclosure')),
    old_due    BIGINT NOT NULL,
    new_due    BIGINT NOT NULL,
    reason     TEXT NOT NULL,
    user_id    TEXT REFERENCES users(id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX sla_extensions_report ON sla_extensions(report_id, created_at);

CREATE TABLE sla_reminders (
    report_id TEXT NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
    clock     TEXT NOT NULL CHECK (clock IN ('acknowledge', 'triage', 'disclosure')),
    kind      TEXT NOT NULL CHECK (kind IN ('before', 'breach')),
    due       BIGINT NOT NULL,
    sent_at   BIGINT NOT NULL,
    PRIMARY KEY (report_id, clock, kind, due)
);

CREATE TABLE notification_prefs (
    user_id          TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    project_id       TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    new_report       BIGINT NOT NULL DEFAULT 1 CHECK (new_report IN (0, 1)),
    reporter_message BIGINT NOT NULL DEFAULT 1 CHECK (reporter_message IN (0, 1)),
    reminders        BIGINT NOT NULL DEFAULT 1 CHECK (reminders IN (0, 1)),
    state_changes    BIGINT NOT NULL DEFAULT 1 CHECK (state_changes IN (0, 1)),
    updated_at       BIGINT NOT NULL,
    PRIMARY KEY (user_id, project_id)
);

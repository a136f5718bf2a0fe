-- Embargo schema, version 10 (sqlite). Keep in step with the other tree's 0010.
-- Junk-sender filters: a project's own rules (the instance's come from its configuration),
-- a log of every rule that matched an inbound message, the `refused` disposition of a
-- message no rule lets through (or that carried nothing but refused attachments), a
-- reporter's tracking link that a block disabled, and the Auto-Submitted header of our
-- automatic replies.

-- SQLite cannot change a CHECK constraint in place: rebuild inbound_messages with
-- `refused` allowed, keeping every row.
CREATE TABLE inbound_messages_v10 (
    id          TEXT PRIMARY KEY,
    project_id  TEXT REFERENCES projects (id) ON DELETE CASCADE,
    received_at BIGINT NOT NULL,
    raw         BLOB NOT NULL,
    sender      TEXT,
    subject     TEXT,
    message_id  TEXT,
    disposition TEXT NOT NULL DEFAULT 'received'
                CHECK (disposition IN ('received', 'report', 'reply', 'unparsed', 'ignored',
                                       'refused')),
    report_id   TEXT REFERENCES reports (id) ON DELETE SET NULL,
    detail      TEXT
);
INSERT INTO inbound_messages_v10
    (id, project_id, received_at, raw, sender, subject, message_id, disposition, report_id, detail)
    SELECT id, project_id, received_at, raw, sender, subject, message_id, disposition, report_id,
           detail
    FROM inbound_messages;
DROP TABLE inbound_messages;
ALTER TABLE inbound_messages_v10 RENAME TO inbound_messages;
CREATE INDEX inbound_messages_project ON inbound_messages (project_id, received_at);
CREATE INDEX inbound_messages_message_id ON inbound_messages (message_id);

-- A project's filter rules, checked by the `mail` crate before they are stored.
CREATE TABLE mail_filter_rules (
    id          TEXT PRIMARY KEY,
    project_id  TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    rule_id     TEXT NOT NULL,
    kind        TEXT NOT NULL
                CHECK (kind IN ('sender_address', 'sender_domain', 'subject_regex', 'body_regex')),
    pattern     TEXT NOT NULL,
    action      TEXT NOT NULL CHECK (action IN ('spam', 'refuse')),
    note        TEXT NOT NULL DEFAULT '',
    -- Set when "block this reporter" made the rule.
    blocked_report_id TEXT REFERENCES reports (id) ON DELETE SET NULL,
    created_by  TEXT REFERENCES users (id) ON DELETE SET NULL,
    created_at  BIGINT NOT NULL,
    UNIQUE (project_id, rule_id)
);

-- Every rule that matched a message; `decided` marks the one whose action was taken.
-- rule_key is the project rule's row id (none for instance rules); no foreign key, so the
-- log outlives a deleted rule.
CREATE TABLE mail_filter_matches (
    id          TEXT PRIMARY KEY,
    inbound_id  TEXT NOT NULL REFERENCES inbound_messages (id) ON DELETE CASCADE,
    project_id  TEXT REFERENCES projects (id) ON DELETE CASCADE,
    scope       TEXT NOT NULL CHECK (scope IN ('instance', 'project')),
    rule_id     TEXT NOT NULL,
    rule_key    TEXT,
    action      TEXT NOT NULL CHECK (action IN ('spam', 'refuse')),
    matched     TEXT NOT NULL,
    decided     BIGINT NOT NULL DEFAULT 0,
    matched_at  BIGINT NOT NULL
);
CREATE INDEX mail_filter_matches_project ON mail_filter_matches (project_id, scope, rule_id);
CREATE INDEX mail_filter_matches_inbound ON mail_filter_matches (inbound_id);

ALTER TABLE reports ADD COLUMN tracking_disabled_at BIGINT;

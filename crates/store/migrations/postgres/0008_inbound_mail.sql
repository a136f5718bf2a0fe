-- Embargo schema, version 8 (postgres). Keep in step with the other tree's 0008.
-- Every message that reaches Embargo by e-mail, stored raw before anything else happens, so
-- nothing is lost even when it cannot be read. disposition says what became of it:
-- received (stored, not yet handled), report (it opened a report), reply (it joined a
-- report's thread), unparsed (kept for the maintainers, unreadable or too complex),
-- ignored (nothing to do, e.g. a bounce that matches no report).

CREATE TABLE inbound_messages (
    id          TEXT PRIMARY KEY,
    project_id  TEXT REFERENCES projects (id) ON DELETE CASCADE,
    received_at BIGINT NOT NULL,
    raw         BYTEA NOT NULL,
    sender      TEXT,
    subject     TEXT,
    message_id  TEXT,
    disposition TEXT NOT NULL DEFAULT 'received'
                CHECK (disposition IN ('received', 'report', 'reply', 'unparsed', 'ignored')),
    report_id   TEXT REFERENCES reports (id) ON DELETE SET NULL,
    -- What the reading found (problems, refused attachments, why no reply was sent), JSON.
    detail      TEXT
);

CREATE INDEX inbound_messages_project ON inbound_messages (project_id, received_at);
CREATE INDEX inbound_messages_message_id ON inbound_messages (message_id);

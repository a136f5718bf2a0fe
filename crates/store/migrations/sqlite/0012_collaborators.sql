-- Embargo schema, version 12 (SQLite). Keep in step with postgres/0012_collaborators.sql.
-- Collaborators: a maintainer invites someone by e-mail to ONE report. The invitation's
-- link is single-use (only its SHA-256 is kept); accepting binds it to the invitee's
-- account. Access lasts until expires_at, or until a maintainer revokes it.

CREATE TABLE report_collaborators (
    id          TEXT PRIMARY KEY,
    report_id   TEXT NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
    email       TEXT NOT NULL,
    email_norm  TEXT NOT NULL,
    note        TEXT,
    token_hash  TEXT NOT NULL UNIQUE,
    invited_by  TEXT REFERENCES users(id) ON DELETE SET NULL,
    invited_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    user_id     TEXT REFERENCES users(id) ON DELETE CASCADE,
    accepted_at BIGINT,
    revoked_by  TEXT REFERENCES users(id) ON DELETE SET NULL,
    revoked_at  BIGINT
);
CREATE INDEX report_collaborators_report ON report_collaborators(report_id, invited_at);
CREATE INDEX report_collaborators_user ON report_collaborators(user_id);

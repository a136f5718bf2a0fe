-- Embargo schema, version 22 (PostgreSQL). Keep in step with sqlite/0022_member_invitations.sql.
-- A project's maintainers invite people by e-mail as maintainers or triagers. An address
-- without an account gets a single-use link (only its SHA-256 is kept) that expires;
-- accepting it (creating the account or signing in) makes the account a member.
-- project_members.added_at: since when a member holds a role (unknown for older rows).

CREATE TABLE member_invitations (
    id          TEXT PRIMARY KEY,
    project_id  TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    email       TEXT NOT NULL,
    email_norm  TEXT NOT NULL,
    role        TEXT NOT NULL CHECK (role IN ('maintainer', 'triager')),
    token_hash  TEXT NOT NULL UNIQUE,
    invited_by  TEXT REFERENCES users(id) ON DELETE SET NULL,
    invited_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    accepted_by TEXT REFERENCES users(id) ON DELETE SET NULL,
    accepted_at BIGINT,
    revoked_at  BIGINT
);
CREATE INDEX member_invitations_project ON member_invitations(project_id, invited_at);

ALTER TABLE project_members ADD COLUMN added_at BIGINT;

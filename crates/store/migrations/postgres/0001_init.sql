-- Embargo schema, version 1 (PostgreSQL). Keep in step with sqlite/0001_init.sql.
-- Timestamps are microseconds since the Unix epoch (UTC); ids are UUID text.

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL,
    email_norm    TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    password_hash TEXT,
    is_admin      BIGINT NOT NULL DEFAULT 0 CHECK (is_admin IN (0, 1)),
    created_at    BIGINT NOT NULL
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE api_tokens (
    id         TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE projects (
    id                 TEXT PRIMARY KEY,
    slug               TEXT NOT NULL UNIQUE,
    name               TEXT NOT NULL,
    policy             TEXT NOT NULL,
    policy_version     BIGINT NOT NULL,
    next_report_number BIGINT NOT NULL DEFAULT 1,
    created_at         BIGINT NOT NULL
);

CREATE TABLE policy_versions (
    project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    version    BIGINT NOT NULL,
    policy     TEXT NOT NULL,
    changed_by TEXT REFERENCES users(id) ON DELETE SET NULL,
    changed_at BIGINT NOT NULL,
    PRIMARY KEY (project_id, version)
);

CREATE TABLE project_members (
    project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role       TEXT NOT NULL CHECK (role IN ('maintainer', 'triager')),
    PRIMARY KEY (project_id, user_id)
);
CREATE INDEX project_members_user ON project_members(user_id);

CREATE TABLE reports (
    id                  TEXT PRIMARY KEY,
    project_id          TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    number              BIGINT NOT NULL,
    title               TEXT NOT NULL,
    description         TEXT NOT NULL,
    affected_version    TEXT,
    reproduction        TEXT,
    impact              TEXT,
    cvss_vector         TEXT,
    reporter_name       TEXT,
    reporter_email      TEXT,
    credit_as           TEXT,
    source              TEXT NOT NULL,
    state               TEXT NOT NULL,
    resolution          TEXT,
    tracking_token_hash TEXT NOT NULL UNIQUE,
    received_at         BIGINT NOT NULL,
    acknowledged_at     BIGINT,
    updated_at          BIGINT NOT NULL,
    acknowledge_due     BIGINT NOT NULL,
    triage_due          BIGINT NOT NULL,
    disclosure_due      BIGINT NOT NULL,
    UNIQUE (project_id, number)
);
CREATE INDEX reports_project_state ON reports(project_id, state);

CREATE TABLE messages (
    id          TEXT PRIMARY KEY,
    report_id   TEXT NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
    author_kind TEXT NOT NULL CHECK (author_kind IN ('reporter', 'maintainer', 'system')),
    author_id   TEXT REFERENCES users(id) ON DELETE SET NULL,
    visibility  TEXT NOT NULL CHECK (visibility IN ('reporter', 'internal')),
    body        TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX messages_report ON messages(report_id, created_at);

CREATE TABLE idempotency_keys (
    project_id   TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    key          TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    report_id    TEXT NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
    response     TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (project_id, key)
);

CREATE TABLE emails (
    id          TEXT PRIMARY KEY,
    to_addr     TEXT NOT NULL,
    subject     TEXT NOT NULL,
    body_text   TEXT NOT NULL,
    report_id   TEXT REFERENCES reports(id) ON DELETE SET NULL,
    status      TEXT NOT NULL CHECK (status IN ('queued', 'sent', 'failed')),
    attempts    BIGINT NOT NULL DEFAULT 0,
    last_error  TEXT,
    created_at  BIGINT NOT NULL,
    sent_at     BIGINT
);
CREATE INDEX emails_status ON emails(status, created_at);

CREATE TABLE jobs (
    id           TEXT PRIMARY KEY,
    kind         TEXT NOT NULL,
    payload      TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('pending', 'done', 'failed')),
    run_at       BIGINT NOT NULL,
    attempts     BIGINT NOT NULL DEFAULT 0,
    max_attempts BIGINT NOT NULL,
    lease_owner  TEXT,
    lease_until  BIGINT,
    last_error   TEXT,
    created_at   BIGINT NOT NULL,
    finished_at  BIGINT
);
CREATE INDEX jobs_due ON jobs(status, run_at);

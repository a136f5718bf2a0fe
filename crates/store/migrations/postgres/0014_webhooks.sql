-- Embargo schema, version 14 (PostgreSQL). Keep in step with sqlite/0014_webhooks.sql.
-- Webhooks: each project's endpoints, its secret's nonce (the secret itself is derived from
-- the instance secret, which is not in the database), every delivery with its fixed body and
-- every attempt with its outcome. And the moments a report's triage ended and it was fixed,
-- for the dashboard's response times.

CREATE TABLE webhook_secrets (
    project_id TEXT PRIMARY KEY REFERENCES projects(id),
    nonce      TEXT NOT NULL,
    rotated_at BIGINT NOT NULL
);

CREATE TABLE webhook_endpoints (
    id         TEXT PRIMARY KEY,
    project_id TEXT NOT NULL REFERENCES projects(id),
    url        TEXT NOT NULL,
    -- Comma-separated event names (domain::webhook::EventKind).
    events     TEXT NOT NULL,
    created_by TEXT REFERENCES users(id),
    created_at BIGINT NOT NULL
);

CREATE INDEX webhook_endpoints_project ON webhook_endpoints (project_id);

CREATE TABLE webhook_deliveries (
    id          TEXT PRIMARY KEY,
    endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
    event       TEXT NOT NULL,
    body        TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts    BIGINT NOT NULL DEFAULT 0,
    created_at  BIGINT NOT NULL,
    finished_at BIGINT
);

CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, created_at);

CREATE TABLE webhook_attempts (
    delivery_id TEXT NOT NULL REFERENCES webhook_deliveries(id) ON DELETE CASCADE,
    attempt     BIGINT NOT NULL,
    at          BIGINT NOT NULL,
    status_code BIGINT,
    duration_ms BIGINT NOT NULL,
    error       TEXT,
    PRIMARY KEY (delivery_id, attempt)
);

ALTER TABLE reports ADD COLUMN triaged_at BIGINT;
ALTER TABLE reports ADD COLUMN fixed_at BIGINT;

-- Reports moved before this version: the audit log has their transitions.
UPDATE reports SET triaged_at = (
    SELECT MIN(a.at) FROM audit_events a
    WHERE a.subject = 'report:' || reports.id AND a.action = 'report.transition'
      AND (a.data::jsonb ->> 'to') IN ('accepted', 'closed'));
UPDATE reports SET fixed_at = (
    SELECT MIN(a.at) FROM audit_events a
    WHERE a.subject = 'report:' || reports.id AND a.action = 'report.transition'
      AND (a.data::jsonb ->> 'to') = 'fixed');

-- Embargo schema, version 15 (PostgreSQL). Keep in step with sqlite/0015_project_sources.sql.
-- Where the triage assistant reads a project's source: a directory on the server (set by an
-- administrator) or a git repository (URL, default branch and extra refs, set by the
-- project's maintainers). `version` counts the changes. The last fetch of a git source
-- keeps the commit of each ref it resolved (`heads`, JSON): when a later fetch finds other
-- commits, the project's open reports are triaged again.

CREATE TABLE project_sources (
    project_id  TEXT PRIMARY KEY REFERENCES projects(id) ON DELETE CASCADE,
    kind        TEXT NOT NULL CHECK (kind IN ('path', 'git')),
    location    TEXT NOT NULL,
    default_ref TEXT,
    extra_refs  TEXT NOT NULL,
    version     BIGINT NOT NULL,
    updated_by  TEXT REFERENCES users(id) ON DELETE SET NULL,
    updated_at  BIGINT NOT NULL,
    heads       TEXT,
    fetched_at  BIGINT,
    fetch_error TEXT
);
CREATE INDEX project_sources_kind ON project_sources(kind);

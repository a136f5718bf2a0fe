-- Embargo schema, version 4 (postgres). Keep in step with the other tree's 0004.
-- The daily watch of a security.txt a project serves from its own website (the policy's
-- security_txt_url). A row exists while the policy names a URL; the worker claims rows
-- whose next_check_at has come, re-lints the file and keeps what the next run compares
-- with (state: the securitytxt crate's WatchState as JSON).

CREATE TABLE securitytxt_watches (
    project_id      TEXT PRIMARY KEY REFERENCES projects (id) ON DELETE CASCADE,
    url             TEXT NOT NULL,
    next_check_at   BIGINT NOT NULL,
    last_checked_at BIGINT,
    last_valid      BIGINT CHECK (last_valid IN (0, 1)),
    -- The last run's findings for the maintainers' view, as JSON.
    last_summary    TEXT,
    state           TEXT
);

CREATE INDEX securitytxt_watches_due ON securitytxt_watches (next_check_at);

-- Embargo schema, version 5 (PostgreSQL). Keep in step with sqlite/0005_advisories.sql.
-- (Version 4 is reserved for another change.)
-- Advisories: the pure model (crate `advisory`) as JSON in `record`, plus the columns
-- the server filters and sorts on. `advisory_packages` lists each (ecosystem, package) an
-- advisory names, for the OSV-style query route; `ecosystem` is '' for a vendor product.
-- `reports.credit_mode` is how the reporter chose to be credited (name, handle,
-- anonymous); NULL on reports from before it was asked.

CREATE TABLE advisories (
    id               TEXT PRIMARY KEY,
    project_id       TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    report_id        TEXT REFERENCES reports(id) ON DELETE SET NULL,
    status           TEXT NOT NULL CHECK (status IN ('draft', 'published', 'withdrawn')),
    record           TEXT NOT NULL,
    version          BIGINT NOT NULL,
    published_at     BIGINT,
    modified         BIGINT NOT NULL,
    scheduled_at     BIGINT,
    scheduled_by     TEXT REFERENCES users(id) ON DELETE SET NULL,
    cve_submitted_at BIGINT,
    created_at       BIGINT NOT NULL
);
CREATE INDEX advisories_project ON advisories(project_id, status, modified);
CREATE INDEX advisories_report ON advisories(report_id);

CREATE TABLE advisory_packages (
    advisory_id TEXT NOT NULL REFERENCES advisories(id) ON DELETE CASCADE,
    ecosystem   TEXT NOT NULL,
    name        TEXT NOT NULL,
    PRIMARY KEY (advisory_id, ecosystem, name)
);
CREATE INDEX advisory_packages_name ON advisory_packages(name, ecosystem);

ALTER TABLE reports ADD COLUMN credit_mode TEXT;

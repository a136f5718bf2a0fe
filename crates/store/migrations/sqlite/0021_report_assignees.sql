-- Embargo schema, version 21. Keep the SQLite and PostgreSQL trees in step.
-- Who on the project's team is working on a report (a maintainer or triager; none: nobody
-- yet). The inbox filters on it ("assigned to me", "unassigned") over its own index.
ALTER TABLE reports ADD COLUMN assignee_id TEXT REFERENCES users (id) ON DELETE SET NULL;
CREATE INDEX reports_project_assignee ON reports (project_id, assignee_id, number);

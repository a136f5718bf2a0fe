-- Embargo schema, version 17. Keep the SQLite and PostgreSQL trees in step.
-- A project's advisories are listed a page at a time, most recently modified first: the
-- keyset (modified, id) is read from this index, never the whole project.

CREATE INDEX advisories_project_modified ON advisories(project_id, modified, id);

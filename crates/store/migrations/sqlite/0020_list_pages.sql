-- Embargo schema, version 20. Keep the SQLite and PostgreSQL trees in step.
-- Every list is read a page at a time and the dashboard counts in SQL: these indexes hold
-- each list's keyset (its order, ties broken by id) so a page is a range read, never the
-- whole project or table.

-- A project's mail log, newest first (replaces the index without the id).
DROP INDEX inbound_messages_project;
CREATE INDEX inbound_messages_project_page ON inbound_messages (project_id, received_at, id);

-- The outbox of the whole instance, newest first.
CREATE INDEX emails_created ON emails (created_at, id);

-- An endpoint's deliveries, newest first (replaces the index without the id).
DROP INDEX webhook_deliveries_endpoint;
CREATE INDEX webhook_deliveries_endpoint_page ON webhook_deliveries (endpoint_id, created_at, id);

-- A report's thread, oldest first (replaces the index without the id).
DROP INDEX messages_report;
CREATE INDEX messages_report_page ON messages (report_id, created_at, id);

-- The dashboard: open reports counted by state and age from the index alone (replaces the
-- index without the received time, of which it is a prefix).
DROP INDEX reports_project_state;
CREATE INDEX reports_project_state_received ON reports (project_id, state, received_at);

-- The dashboard's response times over the latest reports that reached each step. Partial:
-- a report enters one only when it reaches that step, so intake writes none of them.
CREATE INDEX reports_project_acknowledged ON reports (project_id, acknowledged_at)
    WHERE acknowledged_at IS NOT NULL;
CREATE INDEX reports_project_triaged ON reports (project_id, triaged_at)
    WHERE triaged_at IS NOT NULL;
CREATE INDEX reports_project_fixed ON reports (project_id, fixed_at)
    WHERE fixed_at IS NOT NULL;

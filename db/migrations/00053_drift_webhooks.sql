-- +goose Up
-- Drift and webhooks (issue 16): a shipped model version serves every project, so its drift
-- checks are per project (a project's window holds only its own runs); webhook deliveries
-- carry the event id every attempt of one delivery shares; the dispatcher's cursor over
-- stage_changes, so each change is announced once.
ALTER TABLE drift_checks ADD COLUMN project text NOT NULL DEFAULT '';
DROP INDEX drift_checks_version_idx;
CREATE INDEX drift_checks_version_idx ON drift_checks (project, model_version_id, at);
ALTER TABLE webhook_deliveries ADD COLUMN event_id text NOT NULL DEFAULT '';
CREATE INDEX webhook_deliveries_webhook_idx ON webhook_deliveries (webhook_id, created_at DESC);
CREATE TABLE webhook_cursors (
    name    text PRIMARY KEY,
    last_id bigint NOT NULL
);

-- +goose Down
DROP TABLE webhook_cursors;
DROP INDEX webhook_deliveries_webhook_idx;
ALTER TABLE webhook_deliveries DROP COLUMN event_id;
DROP INDEX drift_checks_version_idx;
ALTER TABLE drift_checks DROP COLUMN project;
CREATE INDEX drift_checks_version_idx ON drift_checks (model_version_id, at);

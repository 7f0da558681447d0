-- +goose Up
-- Names instead of ids, archiving and the analyst's table (issue 14).

-- Archiving (a soft delete): an archived case or volume leaves every listing and export
-- but stays readable by id, with who archived it, when and why.
ALTER TABLE cases ADD COLUMN archived_at timestamptz;
ALTER TABLE cases ADD COLUMN archived_by text;
ALTER TABLE cases ADD COLUMN archive_reason text;
ALTER TABLE volumes ADD COLUMN archived_at timestamptz;
ALTER TABLE volumes ADD COLUMN archived_by text;
ALTER TABLE volumes ADD COLUMN archive_reason text;

-- The audit log names what a change was about ("case S-0001 OD", "volume scan.tif") and
-- why a request was refused. Both are part of an entry's hash when present.
ALTER TABLE audit_log ADD COLUMN target text;
ALTER TABLE audit_log ADD COLUMN reason text;

-- Case-insensitive prefix search of subject codes within a project.
CREATE INDEX subjects_code_prefix_idx ON subjects (project, lower(code) text_pattern_ops);
-- A volume's current run: its latest succeeded one.
CREATE INDEX runs_volume_succeeded_idx ON runs (volume_id, id DESC) WHERE status = 'SUCCEEDED';

-- +goose Down
DROP INDEX runs_volume_succeeded_idx;
DROP INDEX subjects_code_prefix_idx;
ALTER TABLE audit_log DROP COLUMN reason;
ALTER TABLE audit_log DROP COLUMN target;
ALTER TABLE volumes DROP COLUMN archive_reason;
ALTER TABLE volumes DROP COLUMN archived_by;
ALTER TABLE volumes DROP COLUMN archived_at;
ALTER TABLE cases DROP COLUMN archive_reason;
ALTER TABLE cases DROP COLUMN archived_by;
ALTER TABLE cases DROP COLUMN archived_at;

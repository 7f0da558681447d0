-- +goose Up
-- The learned segmenter (issue 15): which images a model reads, whose it is, and at most one
-- deployed version per model. The card (model_versions.card) carries the rest.
ALTER TABLE models ADD COLUMN modality text NOT NULL DEFAULT 'any'
    CHECK (modality IN ('confocal', 'split-detector', 'any'));
-- NULL: shared by every project (the models shipped with aomas); else the one project that may run it.
ALTER TABLE models ADD COLUMN project text;
CREATE UNIQUE INDEX model_versions_one_production_idx ON model_versions (model_id) WHERE stage = 'PRODUCTION';

-- +goose Down
DROP INDEX model_versions_one_production_idx;
ALTER TABLE models DROP COLUMN project;
ALTER TABLE models DROP COLUMN modality;

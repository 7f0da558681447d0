-- +goose Up
-- The model registry (issue 16): stages candidate → shadow → canary → production → archived,
-- registered versions, evaluation datasets and evaluations, gates, the stage-change history,
-- shadow agreement, per-run drift features and webhooks.
ALTER TABLE model_versions DROP CONSTRAINT model_versions_stage_check;
UPDATE model_versions SET stage = 'CANDIDATE' WHERE stage IN ('NONE', 'STAGING');
ALTER TABLE model_versions ALTER COLUMN stage SET DEFAULT 'CANDIDATE';
ALTER TABLE model_versions ADD CONSTRAINT model_versions_stage_check
    CHECK (stage IN ('CANDIDATE', 'SHADOW', 'CANARY', 'PRODUCTION', 'ARCHIVED'));
ALTER TABLE model_versions ADD COLUMN canary_percent int CHECK (canary_percent BETWEEN 1 AND 99);
ALTER TABLE model_versions ADD COLUMN registered_by bigint REFERENCES users(id);
CREATE UNIQUE INDEX model_versions_one_canary_idx ON model_versions (model_id) WHERE stage = 'CANARY';

-- The gates of a task and modality in a project ('' for the defaults every project starts from).
-- The speed default fits CPU inference with 8-fold TTA (about 13,000–45,000 ms/Mpx measured on
-- small images on 2 loaded cores); an admin tightens it for GPU deployments with setGatePolicy.
CREATE TABLE gate_policies (
    project        text NOT NULL DEFAULT '',
    task           text NOT NULL,
    modality       text NOT NULL,
    min_dice       double precision NOT NULL CHECK (min_dice BETWEEN 0 AND 1),
    max_dice_drop  double precision NOT NULL CHECK (max_dice_drop BETWEEN 0 AND 1),
    max_ms_per_mpx double precision NOT NULL CHECK (max_ms_per_mpx > 0),
    PRIMARY KEY (project, task, modality)
);
INSERT INTO gate_policies (task, modality, min_dice, max_dice_drop, max_ms_per_mpx) VALUES
    ('cones', 'confocal', 0.95, 0.01, 60000),
    ('cones', 'split-detector', 0.93, 0.01, 60000),
    ('cones', 'any', 0.93, 0.01, 60000),
    ('capillaries', 'any', 0.90, 0.02, 60000);

-- Every stage change, with who, why and the gates at that moment: the production history.
CREATE TABLE stage_changes (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    model_version_id bigint NOT NULL REFERENCES model_versions(id),
    from_stage       text NOT NULL,
    to_stage         text NOT NULL,
    canary_percent   int,
    actor_id         bigint REFERENCES users(id),
    reason           text NOT NULL DEFAULT '',
    override         boolean NOT NULL DEFAULT false,
    gates            jsonb NOT NULL DEFAULT '[]',
    at               timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX stage_changes_version_idx ON stage_changes (model_version_id, at);

-- Evaluation datasets: volumes with frozen reference marks.
CREATE TABLE datasets (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project     text NOT NULL,
    name        text NOT NULL,
    task        text NOT NULL DEFAULT 'cones',
    description text NOT NULL DEFAULT '',
    created_by  bigint REFERENCES users(id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (project, name)
);
CREATE TABLE dataset_items (
    dataset_id  bigint NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
    volume_id   bigint NOT NULL REFERENCES volumes(id),
    modality    text NOT NULL,
    -- The reference marks, content-addressed in object storage (JSON [[x, y], ...], 0-based pixels).
    marks_key   text NOT NULL,
    marks       int NOT NULL CHECK (marks >= 0),
    source      text NOT NULL CHECK (source IN ('import', 'label')),
    label_version int,
    added_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (dataset_id, volume_id)
);

CREATE TABLE evaluations (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    model_version_id bigint NOT NULL REFERENCES model_versions(id),
    dataset_id       bigint NOT NULL REFERENCES datasets(id),
    status           text NOT NULL DEFAULT 'QUEUED' CHECK (status IN ('QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED')),
    progress         double precision NOT NULL DEFAULT 0,
    message          text NOT NULL DEFAULT '',
    -- [{modality, images, sensitivity: {value, low, high}, fdr: {...}, dice: {...}}], "all" first.
    scores           jsonb NOT NULL DEFAULT '[]',
    ms_per_mpx       double precision,
    requested_by     bigint REFERENCES users(id),
    created_at       timestamptz NOT NULL DEFAULT now(),
    finished_at      timestamptz
);
CREATE INDEX evaluations_version_idx ON evaluations (model_version_id, created_at DESC);
CREATE TABLE evaluation_items (
    evaluation_id   bigint NOT NULL REFERENCES evaluations(id) ON DELETE CASCADE,
    volume_id       bigint NOT NULL REFERENCES volumes(id),
    modality        text NOT NULL,
    true_positives  int NOT NULL,
    false_positives int NOT NULL,
    false_negatives int NOT NULL,
    sensitivity     double precision NOT NULL,
    fdr             double precision NOT NULL,
    dice            double precision NOT NULL,
    milliseconds    double precision NOT NULL,
    -- Input and output features (the drift reference): {"mean_intensity": …, "count": …}.
    features        jsonb NOT NULL DEFAULT '{}',
    PRIMARY KEY (evaluation_id, volume_id)
);

-- Runs: which version segmented them and why (deployed, canary, run, params), and the shadow's agreement.
ALTER TABLE runs ADD COLUMN model_choice text;
CREATE TABLE shadow_results (
    run_id                bigint NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    model_version_id      bigint NOT NULL REFERENCES model_versions(id),
    production_version_id bigint REFERENCES model_versions(id),
    -- The shadow's marks, content-addressed in object storage; never shown as the run's results.
    marks_key             text NOT NULL,
    dice                  double precision NOT NULL,
    production_count      int NOT NULL,
    shadow_count          int NOT NULL,
    created_at            timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (run_id, model_version_id)
);
CREATE INDEX shadow_results_version_idx ON shadow_results (model_version_id, created_at DESC);

-- Drift: per run, input and output features, and the version that produced the outputs.
CREATE TABLE run_features (
    run_id           bigint PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
    model_version_id bigint REFERENCES model_versions(id),
    features         jsonb NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX run_features_version_idx ON run_features (model_version_id, created_at DESC);
CREATE TABLE drift_checks (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    model_version_id bigint NOT NULL REFERENCES model_versions(id),
    runs             int NOT NULL,
    drifted          boolean NOT NULL,
    features         jsonb NOT NULL,
    at               timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX drift_checks_version_idx ON drift_checks (model_version_id, at);

CREATE TABLE webhooks (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project    text NOT NULL,
    url        text NOT NULL,
    events     text[] NOT NULL,
    secret     text NOT NULL,
    active     boolean NOT NULL DEFAULT true,
    created_by bigint REFERENCES users(id),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE webhook_deliveries (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    webhook_id  bigint NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
    event       text NOT NULL,
    payload     jsonb NOT NULL,
    attempt     int NOT NULL DEFAULT 0,
    status_code int,
    error       text,
    next_at     timestamptz,
    delivered_at timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_deliveries_pending_idx ON webhook_deliveries (next_at) WHERE delivered_at IS NULL;

-- +goose Down
DROP TABLE webhook_deliveries;
DROP TABLE webhooks;
DROP TABLE drift_checks;
DROP TABLE run_features;
DROP TABLE shadow_results;
ALTER TABLE runs DROP COLUMN model_choice;
DROP TABLE evaluation_items;
DROP TABLE evaluations;
DROP TABLE dataset_items;
DROP TABLE datasets;
DROP TABLE stage_changes;
DROP TABLE gate_policies;
DROP INDEX model_versions_one_canary_idx;
ALTER TABLE model_versions DROP COLUMN registered_by;
ALTER TABLE model_versions DROP COLUMN canary_percent;
ALTER TABLE model_versions DROP CONSTRAINT model_versions_stage_check;
UPDATE model_versions SET stage = 'NONE' WHERE stage IN ('CANDIDATE', 'CANARY');
ALTER TABLE model_versions ALTER COLUMN stage SET DEFAULT 'NONE';
ALTER TABLE model_versions ADD CONSTRAINT model_versions_stage_check
    CHECK (stage IN ('NONE', 'STAGING', 'PRODUCTION', 'SHADOW', 'ARCHIVED'));

-- +goose Up
-- The first tables of the design. Bulk data never lives here: only object keys, sizes and SHA-256.

CREATE TABLE subjects (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project     text NOT NULL DEFAULT 'default',
    -- code is pseudonymous: a keyed hash of the patient ID, never the ID itself.
    code        text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (project, code)
);

-- Identifying fields sit apart so that authorization can hide them as a whole.
CREATE TABLE subject_identities (
    subject_id    bigint PRIMARY KEY REFERENCES subjects(id) ON DELETE CASCADE,
    patient_id    text,
    patient_name  text,
    birth_date    date,
    sex           text
);

CREATE TABLE cases (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    subject_id       bigint NOT NULL REFERENCES subjects(id),
    eye              text NOT NULL CHECK (eye IN ('OD', 'OS')),
    eccentricity_deg double precision,
    meridian         text,
    acquired_on      date,
    device           text,
    notes            text NOT NULL DEFAULT '',
    tags             text[] NOT NULL DEFAULT '{}',
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX cases_subject_idx ON cases (subject_id);
CREATE INDEX cases_tags_idx ON cases USING gin (tags);

CREATE TABLE volumes (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    case_id        bigint NOT NULL REFERENCES cases(id),
    modality       text NOT NULL DEFAULT '',
    dim_z          integer NOT NULL DEFAULT 0 CHECK (dim_z >= 0),
    dim_y          integer NOT NULL DEFAULT 0 CHECK (dim_y >= 0),
    dim_x          integer NOT NULL DEFAULT 0 CHECK (dim_x >= 0),
    spacing_x_um   double precision,
    spacing_y_um   double precision,
    spacing_z_um   double precision,
    dtype          text NOT NULL DEFAULT '',
    size_bytes     bigint NOT NULL CHECK (size_bytes >= 0),
    -- sha256 and object_key are empty only for uploads refused before any byte was kept
    -- (empty or over the size limit); such rows record the refusal.
    sha256         text CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    source_format  text NOT NULL DEFAULT '',
    object_key     text,
    filename       text NOT NULL DEFAULT '',
    status         text NOT NULL DEFAULT 'RECEIVED' CHECK (status IN ('RECEIVED', 'READY', 'REJECTED')),
    error_code     text,
    error          text,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX volumes_case_idx ON volumes (case_id);
CREATE UNIQUE INDEX volumes_sha256_idx ON volumes (sha256) WHERE sha256 IS NOT NULL;

-- Two-step uploads: a ticket for a presigned PUT straight to object storage, completed by
-- completeVolumeUpload.
CREATE TABLE volume_uploads (
    id          text PRIMARY KEY,
    case_id     bigint NOT NULL REFERENCES cases(id),
    filename    text NOT NULL,
    size_bytes  bigint NOT NULL CHECK (size_bytes >= 0),
    object_key  text NOT NULL,
    um_per_px   double precision,
    modality    text,
    sidecar     text,
    expires_at  timestamptz NOT NULL,
    volume_id   bigint REFERENCES volumes(id),
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE models (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name         text NOT NULL UNIQUE,
    task         text NOT NULL,
    description  text NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE model_versions (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    model_id        bigint NOT NULL REFERENCES models(id),
    version         text NOT NULL,
    stage           text NOT NULL DEFAULT 'NONE' CHECK (stage IN ('NONE', 'STAGING', 'PRODUCTION', 'SHADOW', 'ARCHIVED')),
    weights_key     text NOT NULL,
    weights_sha256  text NOT NULL CHECK (weights_sha256 ~ '^[0-9a-f]{64}$'),
    card            jsonb NOT NULL DEFAULT '{}',
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (model_id, version)
);

CREATE TABLE runs (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    volume_id         bigint NOT NULL REFERENCES volumes(id),
    model_version_id  bigint REFERENCES model_versions(id),
    params            jsonb NOT NULL DEFAULT '{}',
    priority          text NOT NULL DEFAULT 'interactive' CHECK (priority IN ('interactive', 'batch')),
    status            text NOT NULL DEFAULT 'QUEUED' CHECK (status IN ('QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELED')),
    created_at        timestamptz NOT NULL DEFAULT now(),
    started_at        timestamptz,
    finished_at       timestamptz
);
CREATE INDEX runs_volume_idx ON runs (volume_id, created_at DESC);

CREATE TABLE run_steps (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_id       bigint NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    name         text NOT NULL,
    status       text NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELED')),
    attempts     integer NOT NULL DEFAULT 0,
    worker_id    text,
    lease_until  timestamptz,
    error        text,
    input_hash   text,
    started_at   timestamptz,
    finished_at  timestamptz,
    UNIQUE (run_id, name)
);

CREATE TABLE artifacts (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    object_key    text NOT NULL UNIQUE,
    size_bytes    bigint NOT NULL CHECK (size_bytes >= 0),
    sha256        text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    content_type  text NOT NULL DEFAULT 'application/octet-stream',
    run_id        bigint REFERENCES runs(id) ON DELETE CASCADE,
    step          text,
    kind          text NOT NULL DEFAULT '',
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX artifacts_run_idx ON artifacts (run_id);

CREATE TABLE labels (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    volume_id   bigint NOT NULL REFERENCES volumes(id),
    run_id      bigint REFERENCES runs(id),
    kind        text NOT NULL CHECK (kind IN ('cones', 'vessels', 'nerve_fibres', 'roi')),
    version     integer NOT NULL DEFAULT 1,
    state       text NOT NULL DEFAULT 'DRAFT' CHECK (state IN ('DRAFT', 'IN_REVIEW', 'APPROVED', 'RETURNED')),
    object_key  text,
    created_by  bigint,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX labels_volume_idx ON labels (volume_id);

CREATE TABLE metrics (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_id      bigint NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    name        text NOT NULL,
    value       double precision NOT NULL,
    unit        text NOT NULL DEFAULT '',
    ci95_low    double precision,
    ci95_high   double precision,
    region      text NOT NULL DEFAULT 'all',
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (run_id, name, region)
);
CREATE INDEX metrics_name_idx ON metrics (name);

CREATE TABLE qc_flags (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_id    bigint NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    code      text NOT NULL,
    severity  text NOT NULL CHECK (severity IN ('warning', 'error')),
    message   text NOT NULL DEFAULT '',
    UNIQUE (run_id, code)
);

CREATE TABLE users (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email          text NOT NULL,
    display_name   text NOT NULL DEFAULT '',
    password_hash  text,
    disabled       boolean NOT NULL DEFAULT false,
    failed_logins  integer NOT NULL DEFAULT 0,
    locked_until   timestamptz,
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_idx ON users (lower(email));

-- audit_log is append-only: each entry is hash-chained to the one before it, and a trigger
-- refuses UPDATE and DELETE for everyone.
CREATE TABLE audit_log (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at             timestamptz NOT NULL DEFAULT now(),
    actor          text NOT NULL,
    action         text NOT NULL,
    object         text NOT NULL,
    outcome        text NOT NULL DEFAULT 'ok',
    before_digest  text,
    after_digest   text,
    request_id     text,
    client_addr    text,
    prev_hash      text NOT NULL,
    hash           text NOT NULL UNIQUE
);

-- +goose StatementBegin
CREATE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP;
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER audit_log_append_only
    BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();
CREATE TRIGGER audit_log_no_truncate
    BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();

-- +goose Down
DROP TABLE audit_log;
DROP FUNCTION audit_log_refuse_change();
DROP TABLE users;
DROP TABLE qc_flags;
DROP TABLE metrics;
DROP TABLE labels;
DROP TABLE artifacts;
DROP TABLE run_steps;
DROP TABLE runs;
DROP TABLE model_versions;
DROP TABLE models;
DROP TABLE volume_uploads;
DROP TABLE volumes;
DROP TABLE cases;
DROP TABLE subject_identities;
DROP TABLE subjects;

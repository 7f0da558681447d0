-- +goose Up
-- DICOM network intake (issue 18): the calling AE titles allowed to push (each a scanner
-- identity in one project), and every instance received by C-STORE or STOW-RS.
CREATE TABLE dicom_peers (
    ae_title    text PRIMARY KEY CHECK (ae_title ~ '^[!-~]([ -~]{0,14}[!-~])?$' AND position('\' IN ae_title) = 0),
    project     text NOT NULL CHECK (project ~ '^[a-z0-9][a-z0-9_-]{0,62}$'),
    created_by  text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE dicom_instances (
    id                   bigserial PRIMARY KEY,
    project              text NOT NULL,
    sop_instance_uid     text NOT NULL,
    sop_class_uid        text NOT NULL,
    study_instance_uid   text NOT NULL DEFAULT '',
    series_instance_uid  text NOT NULL DEFAULT '',
    study_date           date,
    modality             text NOT NULL DEFAULT '',
    transfer_syntax_uid  text NOT NULL DEFAULT '',
    -- who sent it: "ae:TITLE" or "stow:user:ID"
    source               text NOT NULL,
    sha256               text NOT NULL,
    size_bytes           bigint NOT NULL,
    status               text NOT NULL CHECK (status IN ('PENDING', 'READY', 'REJECTED')),
    error_code           text,
    error                text,
    volume_id            bigint REFERENCES volumes(id) ON DELETE SET NULL,
    received_at          timestamptz NOT NULL DEFAULT now(),
    UNIQUE (project, sop_instance_uid)
);
CREATE INDEX dicom_instances_study_idx ON dicom_instances (project, study_instance_uid, series_instance_uid);

-- +goose Down
DROP TABLE dicom_instances;
DROP TABLE dicom_peers;

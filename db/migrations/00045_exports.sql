-- +goose Up
-- Exports of metrics and marks to the export store (an S3 bucket or a shared folder). The
-- files live there; a row keeps what was asked, by whom, how far it got and what was
-- written (name, size, SHA-256 per file). The manifest is written last: an export without
-- one in the store is not complete, whatever this row says.
CREATE TABLE exports (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project          text NOT NULL,
    owner_id         bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    owner_email      text NOT NULL,
    kind             text NOT NULL CHECK (kind IN ('METRICS', 'MARKS')),
    format           text NOT NULL CHECK (format IN ('CSV', 'PARQUET', 'AO_COORDS')),
    destination      text NOT NULL CHECK (destination IN ('S3', 'FOLDER')),
    filter           jsonb NOT NULL DEFAULT '{}',
    include_identity boolean NOT NULL DEFAULT false,
    status           text NOT NULL DEFAULT 'QUEUED' CHECK (status IN ('QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED')),
    progress         double precision NOT NULL DEFAULT 0 CHECK (progress >= 0 AND progress <= 1),
    message          text NOT NULL DEFAULT '',
    row_count        bigint,
    files            jsonb NOT NULL DEFAULT '[]',
    manifest_sha256  text CHECK (manifest_sha256 ~ '^[0-9a-f]{64}$'),
    error            text,
    seq              bigint NOT NULL DEFAULT 0,
    created_at       timestamptz NOT NULL DEFAULT now(),
    started_at       timestamptz,
    finished_at      timestamptz
);
CREATE INDEX exports_owner_idx ON exports (owner_id, id DESC);

-- +goose Down
DROP TABLE exports;

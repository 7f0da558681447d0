-- +goose Up
-- Label documents are versioned: each save stores a new document in object storage (only its
-- key, size and SHA-256 here), and every save and review step is an event of the label's
-- history. One label per volume and kind.
CREATE UNIQUE INDEX labels_volume_kind_idx ON labels (volume_id, kind);

CREATE TABLE label_versions (
    label_id    bigint NOT NULL REFERENCES labels(id) ON DELETE CASCADE,
    version     integer NOT NULL CHECK (version >= 1),
    object_key  text NOT NULL,
    size_bytes  bigint NOT NULL CHECK (size_bytes >= 0),
    sha256      text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    author      text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (label_id, version)
);

CREATE TABLE label_events (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    label_id  bigint NOT NULL REFERENCES labels(id) ON DELETE CASCADE,
    version   integer NOT NULL,
    action    text NOT NULL CHECK (action IN ('SAVED', 'SUBMITTED', 'APPROVED', 'RETURNED')),
    author    text NOT NULL,
    comment   text NOT NULL DEFAULT '',
    at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX label_events_label_idx ON label_events (label_id, id);

-- +goose Down
DROP TABLE label_events;
DROP TABLE label_versions;
DROP INDEX labels_volume_kind_idx;

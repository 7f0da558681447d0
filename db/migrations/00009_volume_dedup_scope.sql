-- +goose Up
-- De-duplication stays inside one case. The bytes are still stored once under their SHA-256,
-- but a volume record is found again only in the same case and for the same ingest inputs
-- (sidecar, pixel size, modality): ingest_key fingerprints those inputs with the bytes. Rows
-- from before this migration have no key and are never matched.
DROP INDEX volumes_sha256_idx;
CREATE INDEX volumes_sha256_idx ON volumes (sha256) WHERE sha256 IS NOT NULL;
ALTER TABLE volumes ADD COLUMN ingest_key text CHECK (ingest_key ~ '^[0-9a-f]{64}$');
-- Only READY volumes are found again: a rejected upload never blocks a later good one.
CREATE UNIQUE INDEX volumes_case_ingest_key_idx ON volumes (case_id, ingest_key)
    WHERE ingest_key IS NOT NULL AND status = 'READY';

-- A two-step upload ticket is completed only by the account that asked for it.
ALTER TABLE volume_uploads ADD COLUMN user_id bigint REFERENCES users(id) ON DELETE CASCADE;

-- +goose Down
ALTER TABLE volume_uploads DROP COLUMN user_id;
DROP INDEX volumes_case_ingest_key_idx;
ALTER TABLE volumes DROP COLUMN ingest_key;
DROP INDEX volumes_sha256_idx;
CREATE UNIQUE INDEX volumes_sha256_idx ON volumes (sha256) WHERE sha256 IS NOT NULL;

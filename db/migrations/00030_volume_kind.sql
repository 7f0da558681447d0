-- +goose Up
-- What a volume's z axis is (issue 17): FRAME_STACK (AOSLO video, z is time) or OCT_VOLUME
-- (z is depth, B-scans along y), and who said so: FILE (a .vol, a DICOM SOP class), SIDECAR
-- (a raw volume's sidecar), UPLOADER (stated with the upload) or DEFAULT (nobody said; a
-- frame stack, as every volume was read before). raw_axes keeps a raw volume's sidecar
-- axes (comma-separated), which say how its file is laid out, so that it is read again the
-- same way.
ALTER TABLE volumes
    ADD COLUMN volume_kind text NOT NULL DEFAULT 'FRAME_STACK'
        CHECK (volume_kind IN ('FRAME_STACK', 'OCT_VOLUME')),
    ADD COLUMN volume_kind_source text NOT NULL DEFAULT 'DEFAULT'
        CHECK (volume_kind_source IN ('FILE', 'SIDECAR', 'UPLOADER', 'DEFAULT')),
    ADD COLUMN raw_axes text;

-- A two-step upload's stated kind, used when the bytes arrive.
ALTER TABLE volume_uploads
    ADD COLUMN volume_kind text CHECK (volume_kind IN ('FRAME_STACK', 'OCT_VOLUME'));

-- +goose Down
ALTER TABLE volume_uploads DROP COLUMN volume_kind;
ALTER TABLE volumes
    DROP COLUMN raw_axes,
    DROP COLUMN volume_kind_source,
    DROP COLUMN volume_kind;

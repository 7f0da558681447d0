-- +goose Up
-- Where a volume's in-plane pixel size (spacing_x_um, spacing_y_um) came from, so that no
-- density is ever computed from a guessed unit: UPLOADER (stated with the upload or set
-- later by a technician), FILE (DICOM Pixel Spacing, or a TIFF resolution in cm/inch that is
-- not the 72/96-dpi default), DEVICE (the scan's field of view and the eye's axial length,
-- see imaging.RetinalMagnification) or NONE (metrics are produced in pixel units only).
ALTER TABLE volumes
    ADD COLUMN pixel_size_source text NOT NULL DEFAULT 'NONE'
        CHECK (pixel_size_source IN ('UPLOADER', 'FILE', 'DEVICE', 'NONE')),
    ADD COLUMN axial_length_mm double precision CHECK (axial_length_mm > 0),
    ADD COLUMN scan_fov_deg double precision CHECK (scan_fov_deg > 0),
    ADD COLUMN scan_fov_px integer CHECK (scan_fov_px > 0);

-- Existing rows: a spacing was recorded, from the upload or the file (not told apart before).
UPDATE volumes SET pixel_size_source = 'FILE' WHERE spacing_x_um IS NOT NULL;
-- A TIFF whose spacing is the 72- or 96-dpi default of image software (352.78 or 264.58 µm)
-- carried no physical size: it was a guess, and is forgotten.
UPDATE volumes SET spacing_x_um = NULL, spacing_y_um = NULL, pixel_size_source = 'NONE'
WHERE source_format = 'tiff'
  AND (abs(spacing_x_um - 25400.0 / 72) < 0.01 OR abs(spacing_x_um - 25400.0 / 96) < 0.01);

-- +goose Down
ALTER TABLE volumes
    DROP COLUMN scan_fov_px,
    DROP COLUMN scan_fov_deg,
    DROP COLUMN axial_length_mm,
    DROP COLUMN pixel_size_source;

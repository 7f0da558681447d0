-- +goose Up
-- A volume's "layers" label: a labeler's corrections of retinal layer boundaries on its
-- B-scans, versioned like marks (issue 17).
ALTER TABLE labels DROP CONSTRAINT labels_kind_check;
ALTER TABLE labels ADD CONSTRAINT labels_kind_check CHECK (kind IN ('cones', 'vessels', 'nerve_fibres', 'roi', 'layers'));

-- +goose Down
DELETE FROM labels WHERE kind = 'layers';
ALTER TABLE labels DROP CONSTRAINT labels_kind_check;
ALTER TABLE labels ADD CONSTRAINT labels_kind_check CHECK (kind IN ('cones', 'vessels', 'nerve_fibres', 'roi'));

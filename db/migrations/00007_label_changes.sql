-- +goose Up
-- What each save changed, in words ("+1 mark, 1 mark moved; mask +1,204 px"), for the
-- label's history; empty for review steps and for saves before this column.
ALTER TABLE label_events ADD COLUMN changes text NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE label_events DROP COLUMN changes;

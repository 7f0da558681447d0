-- +goose Up
-- Work queues (issue 14): a technician assigns a volume to one labeler; a reviewer returns
-- parts of a label (regions, each with what to change there) while accepting the rest.
CREATE TABLE volume_assignments (
    volume_id    bigint PRIMARY KEY REFERENCES volumes(id) ON DELETE CASCADE,
    user_id      bigint NOT NULL REFERENCES users(id),
    assigned_by  text NOT NULL,
    assigned_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX volume_assignments_user_idx ON volume_assignments (user_id);

-- The regions a RETURNED step sent back: [{"points": [{"x":..,"y":..}, ...], "comment": ".."}].
ALTER TABLE label_events ADD COLUMN regions jsonb NOT NULL DEFAULT '[]';

-- The reviewers' queue reads the labels in review.
CREATE INDEX labels_in_review_idx ON labels (updated_at) WHERE state = 'IN_REVIEW';

-- +goose Down
DROP INDEX labels_in_review_idx;
ALTER TABLE label_events DROP COLUMN regions;
DROP TABLE volume_assignments;

package db

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// Artifact is the record of one stored object: where it is, how big, and its SHA-256.
type Artifact struct {
	ID          int64     `db:"id"`
	ObjectKey   string    `db:"object_key"`
	SizeBytes   int64     `db:"size_bytes"`
	SHA256      string    `db:"sha256"`
	ContentType string    `db:"content_type"`
	RunID       *int64    `db:"run_id"`
	Step        *string   `db:"step"`
	Kind        string    `db:"kind"`
	CreatedAt   time.Time `db:"created_at"`
}

// RecordArtifact stores a's record, or returns the existing one for the same key when its
// digest matches: writing the same object twice is how idempotent steps behave.
func RecordArtifact(ctx context.Context, q sqlx.ExtContext, a Artifact) (Artifact, error) {
	var out Artifact
	err := sqlx.GetContext(ctx, q, &out, `
		INSERT INTO artifacts (object_key, size_bytes, sha256, content_type, run_id, step, kind)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (object_key) DO UPDATE SET object_key = EXCLUDED.object_key
		WHERE artifacts.sha256 = EXCLUDED.sha256
		RETURNING *`,
		a.ObjectKey, a.SizeBytes, a.SHA256, a.ContentType, a.RunID, a.Step, a.Kind)
	if err != nil {
		if isNoRows(err) {
			return Artifact{}, fmt.Errorf("record artifact %s: a different object is already recorded under this key", a.ObjectKey)
		}
		return Artifact{}, fmt.Errorf("record artifact %s: %w", a.ObjectKey, err)
	}
	return out, nil
}

// ArtifactByKey returns the record of the object stored under key.
func ArtifactByKey(ctx context.Context, q sqlx.QueryerContext, key string) (Artifact, error) {
	var out Artifact
	if err := sqlx.GetContext(ctx, q, &out, `SELECT * FROM artifacts WHERE object_key = $1`, key); err != nil {
		if isNoRows(err) {
			return Artifact{}, fmt.Errorf("artifact %s: %w", key, ErrNotFound)
		}
		return Artifact{}, fmt.Errorf("artifact %s: %w", key, err)
	}
	return out, nil
}

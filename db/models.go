package db

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"
)

// ModelByID returns one model of the registry.
func ModelByID(ctx context.Context, q sqlx.QueryerContext, id int64) (Model, error) {
	var m Model
	if err := sqlx.GetContext(ctx, q, &m, `SELECT * FROM models WHERE id = $1`, id); err != nil {
		if isNoRows(err) {
			return m, fmt.Errorf("model %d: %w", id, ErrNotFound)
		}
		return m, fmt.Errorf("model %d: %w", id, err)
	}
	return m, nil
}

// Models lists the model registry by name.
func Models(ctx context.Context, q sqlx.QueryerContext) ([]Model, error) {
	var ms []Model
	if err := sqlx.SelectContext(ctx, q, &ms, `SELECT * FROM models ORDER BY name`); err != nil {
		return nil, fmt.Errorf("models: %w", err)
	}
	return ms, nil
}

// ModelVersions lists the versions of a model, oldest first.
func ModelVersions(ctx context.Context, q sqlx.QueryerContext, modelID int64) ([]ModelVersion, error) {
	var vs []ModelVersion
	if err := sqlx.SelectContext(ctx, q, &vs, `SELECT * FROM model_versions WHERE model_id = $1 ORDER BY id`, modelID); err != nil {
		return nil, fmt.Errorf("model versions: %w", err)
	}
	return vs, nil
}

// ModelVersionByID returns one model version.
func ModelVersionByID(ctx context.Context, q sqlx.QueryerContext, id int64) (ModelVersion, error) {
	var v ModelVersion
	if err := sqlx.GetContext(ctx, q, &v, `SELECT * FROM model_versions WHERE id = $1`, id); err != nil {
		if isNoRows(err) {
			return v, fmt.Errorf("model version %d: %w", id, ErrNotFound)
		}
		return v, fmt.Errorf("model version %d: %w", id, err)
	}
	return v, nil
}

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

// Models lists the model registry by name: the shared models and project's own.
func Models(ctx context.Context, q sqlx.QueryerContext, project string) ([]Model, error) {
	var ms []Model
	if err := sqlx.SelectContext(ctx, q, &ms, `SELECT * FROM models WHERE project IS NULL OR project = $1 ORDER BY name`, project); err != nil {
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

// ModelRef is a model version with what the pipeline needs of its model: the detector a
// segment step runs.
type ModelRef struct {
	ModelVersion
	Name     string  `db:"name"`
	Task     string  `db:"task"`
	Modality string  `db:"modality"`
	Project  *string `db:"project"`
}

const modelRefSelect = `SELECT mv.*, m.name, m.task, m.modality, m.project FROM model_versions mv JOIN models m ON m.id = mv.model_id`

// ModelRefByID returns one model version with its model.
func ModelRefByID(ctx context.Context, q sqlx.QueryerContext, id int64) (ModelRef, error) {
	var r ModelRef
	if err := sqlx.GetContext(ctx, q, &r, modelRefSelect+` WHERE mv.id = $1`, id); err != nil {
		if isNoRows(err) {
			return r, fmt.Errorf("model version %d: %w", id, ErrNotFound)
		}
		return r, fmt.Errorf("model version %d: %w", id, err)
	}
	return r, nil
}

// DeployedModel returns the PRODUCTION version of a model for task that reads modality:
// project's own before a shared one (a project's production overrides the shipped default),
// then a model for that modality before one for any; ErrNotFound when none is deployed.
func DeployedModel(ctx context.Context, q sqlx.QueryerContext, task, modality, project string) (ModelRef, error) {
	var r ModelRef
	err := sqlx.GetContext(ctx, q, &r, modelRefSelect+` WHERE mv.stage = 'PRODUCTION' AND m.task = $1
		AND m.modality IN ($2, 'any') AND (m.project IS NULL OR m.project = $3)
		ORDER BY m.project IS NULL, m.modality = 'any', mv.id DESC LIMIT 1`, task, modality, project)
	if isNoRows(err) {
		return r, fmt.Errorf("deployed %s model for %s images: %w", task, modality, ErrNotFound)
	}
	if err != nil {
		return r, fmt.Errorf("deployed %s model: %w", task, err)
	}
	return r, nil
}

// ShippedModel is a model version that comes with aomas, registered at start.
type ShippedModel struct {
	Name, Task, Modality, Description, Version string
	WeightsKey, WeightsSHA256, Card            string
}

// RegisterShipped records a shipped model version once: the model (shared by every project)
// and the version, which becomes PRODUCTION when its model has none deployed. It reports
// whether it added the version. A version already recorded under other weights is refused:
// a version names one set of weights for ever.
func RegisterShipped(ctx context.Context, tx *sqlx.Tx, s ShippedModel) (bool, error) {
	var modelID int64
	err := sqlx.GetContext(ctx, tx, &modelID, `INSERT INTO models (name, task, modality, description) VALUES ($1, $2, $3, $4)
		ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name RETURNING id`, s.Name, s.Task, s.Modality, s.Description)
	if err != nil {
		return false, fmt.Errorf("register model %s: %w", s.Name, err)
	}
	var have string
	err = sqlx.GetContext(ctx, tx, &have, `SELECT weights_sha256 FROM model_versions WHERE model_id = $1 AND version = $2`, modelID, s.Version)
	switch {
	case err == nil && have == s.WeightsSHA256:
		return false, nil
	case err == nil:
		return false, fmt.Errorf("model %s %s is registered with weights %s, not %s", s.Name, s.Version, have, s.WeightsSHA256)
	case !isNoRows(err):
		return false, fmt.Errorf("model %s %s: %w", s.Name, s.Version, err)
	}
	var added struct {
		ID    int64  `db:"id"`
		Stage string `db:"stage"`
	}
	err = sqlx.GetContext(ctx, tx, &added, `INSERT INTO model_versions (model_id, version, stage, weights_key, weights_sha256, card)
		SELECT $1, $2, CASE WHEN EXISTS (SELECT 1 FROM model_versions WHERE model_id = $1 AND stage = 'PRODUCTION')
			THEN 'CANDIDATE' ELSE 'PRODUCTION' END, $3, $4, $5::jsonb
		ON CONFLICT DO NOTHING RETURNING id, stage`, modelID, s.Version, s.WeightsKey, s.WeightsSHA256, s.Card)
	if isNoRows(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("register model %s %s: %w", s.Name, s.Version, err)
	}
	// The version's history (and the production history) starts with its shipping; no actor.
	if _, err := InsertStageChange(ctx, tx, StageChangeRow{ModelVersionID: added.ID, ToStage: added.Stage,
		Reason: "shipped with aomas"}); err != nil {
		return false, err
	}
	return true, nil
}

package db

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// ErrConflict marks a change the registry's state refuses (a model name taken, a version
// label used).
var ErrConflict = errors.New("conflict")

// Model stages (model_versions.stage).
const (
	StageCandidate  = "CANDIDATE"
	StageShadow     = "SHADOW"
	StageCanary     = "CANARY"
	StageProduction = "PRODUCTION"
	StageArchived   = "ARCHIVED"
)

// ModelByName returns the model called name, of any project.
func ModelByName(ctx context.Context, q sqlx.QueryerContext, name string) (Model, error) {
	var m Model
	if err := sqlx.GetContext(ctx, q, &m, `SELECT * FROM models WHERE name = $1`, name); err != nil {
		if isNoRows(err) {
			return m, fmt.Errorf("model %q: %w", name, ErrNotFound)
		}
		return m, fmt.Errorf("model %q: %w", name, err)
	}
	return m, nil
}

// NewModelVersion is a version being registered, with its model when the model is new.
type NewModelVersion struct {
	Project, Model, Task, Modality, Description string
	Version, WeightsKey, WeightsSHA256, Card    string
	RegisteredBy                                *int64
}

// RegisterModelVersion records a CANDIDATE version of project's model nv.Model, making the
// model when the name is new. A name of another project or of a shared model, or a version
// label the model has already, is ErrConflict; a model of another task or modality is too.
func RegisterModelVersion(ctx context.Context, tx *sqlx.Tx, nv NewModelVersion) (ModelVersion, error) {
	var v ModelVersion
	m, err := ModelByName(ctx, tx, nv.Model)
	switch {
	case errors.Is(err, ErrNotFound):
		err = sqlx.GetContext(ctx, tx, &m, `INSERT INTO models (name, task, modality, description, project)
			VALUES ($1, $2, $3, $4, $5) ON CONFLICT (name) DO NOTHING RETURNING *`, nv.Model, nv.Task, nv.Modality, nv.Description, nv.Project)
		if isNoRows(err) {
			return v, fmt.Errorf("%w: model name %q was taken meanwhile", ErrConflict, nv.Model)
		}
		if err != nil {
			return v, fmt.Errorf("create model %q: %w", nv.Model, err)
		}
	case err != nil:
		return v, err
	case m.Project == nil || *m.Project != nv.Project:
		// A shared (shipped) model takes no project's versions; another project's name is
		// taken without saying whose.
		return v, fmt.Errorf("%w: the model name %q is taken; choose another name", ErrConflict, nv.Model)
	case m.Task != nv.Task || m.Modality != nv.Modality:
		return v, fmt.Errorf("%w: model %q finds %s in %s images, not %s in %s", ErrConflict, nv.Model, m.Task, m.Modality, nv.Task, nv.Modality)
	}
	err = sqlx.GetContext(ctx, tx, &v, `INSERT INTO model_versions (model_id, version, stage, weights_key, weights_sha256, card, registered_by)
		VALUES ($1, $2, 'CANDIDATE', $3, $4, $5::jsonb, $6) ON CONFLICT (model_id, version) DO NOTHING RETURNING *`,
		m.ID, nv.Version, nv.WeightsKey, nv.WeightsSHA256, nv.Card, nv.RegisteredBy)
	if isNoRows(err) {
		return v, fmt.Errorf("%w: model %q has a version %s already", ErrConflict, nv.Model, nv.Version)
	}
	if err != nil {
		return v, fmt.Errorf("register model %q %s: %w", nv.Model, nv.Version, err)
	}
	return v, nil
}

// WeightsInUse reports whether any model version names the weights under key.
func WeightsInUse(ctx context.Context, q sqlx.QueryerContext, key string) (bool, error) {
	var ok bool
	if err := sqlx.GetContext(ctx, q, &ok, `SELECT EXISTS (SELECT 1 FROM model_versions WHERE weights_key = $1)`, key); err != nil {
		return false, fmt.Errorf("weights %s in use: %w", key, err)
	}
	return ok, nil
}

// LockDeployment serialises stage changes of project's task and modality until tx ends, so
// that two promotions cannot both leave a PRODUCTION or CANARY version behind.
func LockDeployment(ctx context.Context, tx *sqlx.Tx, project, task, modality string) error {
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('aomas-deploy:' || $1 || '/' || $2 || '/' || $3, 0))`,
		project, task, modality); err != nil {
		return fmt.Errorf("lock deployment of %s %s: %w", task, modality, err)
	}
	return nil
}

// ModelRefForUpdate returns a model version with its model, locking the version's row.
func ModelRefForUpdate(ctx context.Context, tx *sqlx.Tx, id int64) (ModelRef, error) {
	var r ModelRef
	if err := sqlx.GetContext(ctx, tx, &r, modelRefSelect+` WHERE mv.id = $1 FOR UPDATE OF mv`, id); err != nil {
		if isNoRows(err) {
			return r, fmt.Errorf("model version %d: %w", id, ErrNotFound)
		}
		return r, fmt.Errorf("model version %d: %w", id, err)
	}
	return r, nil
}

// StagedVersions returns project's own versions (not the shared ones) of task and modality
// in stage, newest first.
func StagedVersions(ctx context.Context, q sqlx.QueryerContext, project, task, modality, stage string) ([]ModelRef, error) {
	var rs []ModelRef
	if err := sqlx.SelectContext(ctx, q, &rs, modelRefSelect+` WHERE m.project = $1 AND m.task = $2 AND m.modality = $3
		AND mv.stage = $4 ORDER BY mv.id DESC`, project, task, modality, stage); err != nil {
		return nil, fmt.Errorf("%s %s versions of %s: %w", stage, task, modality, err)
	}
	return rs, nil
}

// SetStage moves a version to stage (canaryPercent only for CANARY).
func SetStage(ctx context.Context, tx *sqlx.Tx, id int64, stage string, canaryPercent *int) error {
	if stage != StageCanary {
		canaryPercent = nil
	}
	if _, err := tx.ExecContext(ctx, `UPDATE model_versions SET stage = $2, canary_percent = $3 WHERE id = $1`, id, stage, canaryPercent); err != nil {
		return fmt.Errorf("set stage of model version %d: %w", id, err)
	}
	return nil
}

// StageChange is one row of the stage-change history.
type StageChange struct {
	ID             int64     `db:"id"`
	ModelVersionID int64     `db:"model_version_id"`
	FromStage      string    `db:"from_stage"`
	ToStage        string    `db:"to_stage"`
	CanaryPercent  *int      `db:"canary_percent"`
	ActorID        *int64    `db:"actor_id"`
	Reason         string    `db:"reason"`
	Override       bool      `db:"override"`
	Gates          string    `db:"gates"`
	At             time.Time `db:"at"`
}

// InsertStageChange records a stage change (Gates is a JSON array).
func InsertStageChange(ctx context.Context, tx *sqlx.Tx, c StageChange) (StageChange, error) {
	if c.Gates == "" {
		c.Gates = "[]"
	}
	var out StageChange
	err := sqlx.GetContext(ctx, tx, &out, `INSERT INTO stage_changes (model_version_id, from_stage, to_stage, canary_percent, actor_id, reason, override, gates)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb) RETURNING *`,
		c.ModelVersionID, c.FromStage, c.ToStage, c.CanaryPercent, c.ActorID, c.Reason, c.Override, c.Gates)
	if err != nil {
		return out, fmt.Errorf("record stage change of model version %d: %w", c.ModelVersionID, err)
	}
	return out, nil
}

// StageChanges returns a version's stage changes, oldest first.
func StageChanges(ctx context.Context, q sqlx.QueryerContext, versionID int64) ([]StageChange, error) {
	var cs []StageChange
	if err := sqlx.SelectContext(ctx, q, &cs, `SELECT * FROM stage_changes WHERE model_version_id = $1 ORDER BY at, id`, versionID); err != nil {
		return nil, fmt.Errorf("stage changes of model version %d: %w", versionID, err)
	}
	return cs, nil
}

// DeploymentChanges returns the stage changes of the versions of task and modality that
// project sees (its own and the shared ones), oldest first.
func DeploymentChanges(ctx context.Context, q sqlx.QueryerContext, project, task, modality string) ([]StageChange, error) {
	var cs []StageChange
	if err := sqlx.SelectContext(ctx, q, &cs, `SELECT sc.* FROM stage_changes sc JOIN model_versions mv ON mv.id = sc.model_version_id
		JOIN models m ON m.id = mv.model_id WHERE m.task = $2 AND m.modality = $3 AND (m.project IS NULL OR m.project = $1)
		ORDER BY sc.at, sc.id`, project, task, modality); err != nil {
		return nil, fmt.Errorf("stage changes of %s %s: %w", task, modality, err)
	}
	return cs, nil
}

// GatePolicy is what a version of a task and modality must show to be deployed.
type GatePolicy struct {
	Project     string  `db:"project"`
	Task        string  `db:"task"`
	Modality    string  `db:"modality"`
	MinDice     float64 `db:"min_dice"`
	MaxDiceDrop float64 `db:"max_dice_drop"`
	MaxMsPerMpx float64 `db:"max_ms_per_mpx"`
}

// GatePolicyFor returns the policy of project's task and modality: the project's own before
// the defaults (project ”), one for the modality before one for any.
func GatePolicyFor(ctx context.Context, q sqlx.QueryerContext, project, task, modality string) (GatePolicy, error) {
	var p GatePolicy
	err := sqlx.GetContext(ctx, q, &p, `SELECT * FROM gate_policies WHERE project IN ($1, '') AND task = $2 AND modality IN ($3, 'any')
		ORDER BY modality = 'any', project = '' LIMIT 1`, project, task, modality)
	if isNoRows(err) {
		return p, fmt.Errorf("gate policy of %s %s: %w", task, modality, ErrNotFound)
	}
	if err != nil {
		return p, fmt.Errorf("gate policy of %s %s: %w", task, modality, err)
	}
	return p, nil
}

// GatePolicies lists the policies project works under: its own, and the defaults it has not
// replaced.
func GatePolicies(ctx context.Context, q sqlx.QueryerContext, project string) ([]GatePolicy, error) {
	var ps []GatePolicy
	if err := sqlx.SelectContext(ctx, q, &ps, `SELECT DISTINCT ON (task, modality) * FROM gate_policies WHERE project IN ($1, '')
		ORDER BY task, modality, project = ''`, project); err != nil {
		return nil, fmt.Errorf("gate policies: %w", err)
	}
	return ps, nil
}

// PutGatePolicy sets project's policy for a task and modality.
func PutGatePolicy(ctx context.Context, q sqlx.ExtContext, p GatePolicy) (GatePolicy, error) {
	var out GatePolicy
	err := sqlx.GetContext(ctx, q, &out, `INSERT INTO gate_policies (project, task, modality, min_dice, max_dice_drop, max_ms_per_mpx)
		VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (project, task, modality) DO UPDATE
		SET min_dice = EXCLUDED.min_dice, max_dice_drop = EXCLUDED.max_dice_drop, max_ms_per_mpx = EXCLUDED.max_ms_per_mpx RETURNING *`,
		p.Project, p.Task, p.Modality, p.MinDice, p.MaxDiceDrop, p.MaxMsPerMpx)
	if err != nil {
		return out, fmt.Errorf("set gate policy of %s %s: %w", p.Task, p.Modality, err)
	}
	return out, nil
}

// EvaluationSummary is what the gates read of an evaluation.
type EvaluationSummary struct {
	ID             int64    `db:"id"`
	ModelVersionID int64    `db:"model_version_id"`
	DatasetID      int64    `db:"dataset_id"`
	DatasetName    string   `db:"dataset_name"`
	Scores         string   `db:"scores"`
	MsPerMpx       *float64 `db:"ms_per_mpx"`
}

// LatestEvaluation returns a version's newest SUCCEEDED evaluation, on datasetID when it is
// not nil; ErrNotFound when there is none.
func LatestEvaluation(ctx context.Context, q sqlx.QueryerContext, versionID int64, datasetID *int64) (EvaluationSummary, error) {
	var e EvaluationSummary
	err := sqlx.GetContext(ctx, q, &e, `SELECT e.id, e.model_version_id, e.dataset_id, d.name AS dataset_name, e.scores, e.ms_per_mpx
		FROM evaluations e JOIN datasets d ON d.id = e.dataset_id
		WHERE e.model_version_id = $1 AND e.status = 'SUCCEEDED' AND ($2::bigint IS NULL OR e.dataset_id = $2)
		ORDER BY e.finished_at DESC NULLS LAST, e.id DESC LIMIT 1`, versionID, datasetID)
	if isNoRows(err) {
		return e, fmt.Errorf("evaluation of model version %d: %w", versionID, ErrNotFound)
	}
	if err != nil {
		return e, fmt.Errorf("evaluation of model version %d: %w", versionID, err)
	}
	return e, nil
}

// PreviousProduction returns the project's version of task and modality most recently
// promoted to PRODUCTION other than current; ErrNotFound when there is none.
func PreviousProduction(ctx context.Context, q sqlx.QueryerContext, project, task, modality string, current int64) (int64, error) {
	var id int64
	err := sqlx.GetContext(ctx, q, &id, `SELECT sc.model_version_id FROM stage_changes sc
		JOIN model_versions mv ON mv.id = sc.model_version_id JOIN models m ON m.id = mv.model_id
		WHERE m.project = $1 AND m.task = $2 AND m.modality = $3 AND sc.to_stage = 'PRODUCTION' AND mv.id <> $4
		ORDER BY sc.at DESC, sc.id DESC LIMIT 1`, project, task, modality, current)
	if isNoRows(err) {
		return 0, fmt.Errorf("previous production version: %w", ErrNotFound)
	}
	if err != nil {
		return 0, fmt.Errorf("previous production version: %w", err)
	}
	return id, nil
}

// DeployedSharedModel returns the shared PRODUCTION version of task for modality (one for
// that modality before one for any); ErrNotFound when there is none.
func DeployedSharedModel(ctx context.Context, q sqlx.QueryerContext, task, modality string) (ModelRef, error) {
	var r ModelRef
	err := sqlx.GetContext(ctx, q, &r, modelRefSelect+` WHERE mv.stage = 'PRODUCTION' AND m.task = $1
		AND m.modality IN ($2, 'any') AND m.project IS NULL ORDER BY m.modality = 'any', mv.id DESC LIMIT 1`, task, modality)
	if isNoRows(err) {
		return r, fmt.Errorf("shared %s model for %s images: %w", task, modality, ErrNotFound)
	}
	if err != nil {
		return r, fmt.Errorf("shared %s model: %w", task, err)
	}
	return r, nil
}

// StagedModel returns project's version of task in stage (SHADOW or CANARY) for images of
// modality: one for that modality before one for any; ErrNotFound when there is none.
func StagedModel(ctx context.Context, q sqlx.QueryerContext, task, modality, project, stage string) (ModelRef, error) {
	var r ModelRef
	err := sqlx.GetContext(ctx, q, &r, modelRefSelect+` WHERE mv.stage = $4 AND m.task = $1
		AND m.modality IN ($2, 'any') AND m.project = $3 ORDER BY m.modality = 'any', mv.id DESC LIMIT 1`, task, modality, project, stage)
	if isNoRows(err) {
		return r, fmt.Errorf("%s %s model for %s images: %w", stage, task, modality, ErrNotFound)
	}
	if err != nil {
		return r, fmt.Errorf("%s %s model: %w", stage, task, err)
	}
	return r, nil
}

// ProjectOfVolume returns the project that owns a volume.
func ProjectOfVolume(ctx context.Context, q sqlx.QueryerContext, volumeID int64) (string, error) {
	var p string
	if err := sqlx.GetContext(ctx, q, &p, projectOf["Volume"], volumeID); err != nil {
		if isNoRows(err) {
			return "", fmt.Errorf("volume %d: %w", volumeID, ErrNotFound)
		}
		return "", fmt.Errorf("project of volume %d: %w", volumeID, err)
	}
	return p, nil
}

// SetRunModelChoice records why the run's cone model is the one it is.
func SetRunModelChoice(ctx context.Context, tx *sqlx.Tx, runID int64, choice string) error {
	if _, err := tx.ExecContext(ctx, `UPDATE runs SET model_choice = $2 WHERE id = $1`, runID, choice); err != nil {
		return fmt.Errorf("model choice of run %d: %w", runID, err)
	}
	return nil
}

// ShadowResult is the agreement of a shadow version with production on one run.
type ShadowResult struct {
	RunID               int64     `db:"run_id"`
	ModelVersionID      int64     `db:"model_version_id"`
	ProductionVersionID *int64    `db:"production_version_id"`
	MarksKey            string    `db:"marks_key"`
	Dice                float64   `db:"dice"`
	ProductionCount     int       `db:"production_count"`
	ShadowCount         int       `db:"shadow_count"`
	CreatedAt           time.Time `db:"created_at"`
}

// PutShadowResult records (or replaces, on a retried step) a shadow result.
func PutShadowResult(ctx context.Context, q sqlx.ExtContext, r ShadowResult) error {
	_, err := q.ExecContext(ctx, `INSERT INTO shadow_results (run_id, model_version_id, production_version_id, marks_key, dice, production_count, shadow_count)
		VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (run_id, model_version_id) DO UPDATE
		SET production_version_id = EXCLUDED.production_version_id, marks_key = EXCLUDED.marks_key, dice = EXCLUDED.dice,
			production_count = EXCLUDED.production_count, shadow_count = EXCLUDED.shadow_count`,
		r.RunID, r.ModelVersionID, r.ProductionVersionID, r.MarksKey, r.Dice, r.ProductionCount, r.ShadowCount)
	if err != nil {
		return fmt.Errorf("shadow result of run %d: %w", r.RunID, err)
	}
	return nil
}

// ShadowResults returns a shadow version's results, newest first, at most limit.
func ShadowResults(ctx context.Context, q sqlx.QueryerContext, versionID int64, limit int) ([]ShadowResult, error) {
	var rs []ShadowResult
	if err := sqlx.SelectContext(ctx, q, &rs, `SELECT * FROM shadow_results WHERE model_version_id = $1
		ORDER BY created_at DESC, run_id DESC LIMIT $2`, versionID, limit); err != nil {
		return nil, fmt.Errorf("shadow results of model version %d: %w", versionID, err)
	}
	return rs, nil
}

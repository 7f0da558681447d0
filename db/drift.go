package db

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// Features are the drift features of one image (imaging.DriftFeatures), a jsonb object.
type Features map[string]float64

// UpsertRunFeatures records a run's features and the cone model version that produced its
// outputs (nil: the classical detector); a re-run step replaces them.
func UpsertRunFeatures(ctx context.Context, q sqlx.ExecerContext, runID int64, versionID *int64, f Features) error {
	b, err := json.Marshal(f)
	if err != nil {
		return fmt.Errorf("features of run %d: %w", runID, err)
	}
	if _, err := q.ExecContext(ctx, `INSERT INTO run_features (run_id, model_version_id, features) VALUES ($1, $2, $3)
		ON CONFLICT (run_id) DO UPDATE SET model_version_id = excluded.model_version_id, features = excluded.features,
		created_at = now()`, runID, versionID, b); err != nil {
		return fmt.Errorf("features of run %d: %w", runID, err)
	}
	return nil
}

func scanFeatures(raw [][]byte) ([]Features, error) {
	out := make([]Features, 0, len(raw))
	for _, b := range raw {
		var f Features
		if err := json.Unmarshal(b, &f); err != nil {
			return nil, fmt.Errorf("features: %w", err)
		}
		out = append(out, f)
	}
	return out, nil
}

// ReferenceFeatures returns the item features of the latest SUCCEEDED evaluation of a model
// version on a dataset of project: its drift reference (empty when there is none).
func ReferenceFeatures(ctx context.Context, q sqlx.QueryerContext, versionID int64, project string) ([]Features, error) {
	var raw [][]byte
	if err := sqlx.SelectContext(ctx, q, &raw, `SELECT ei.features FROM evaluation_items ei WHERE ei.evaluation_id = (
			SELECT e.id FROM evaluations e JOIN datasets d ON d.id = e.dataset_id
			WHERE e.model_version_id = $1 AND d.project = $2 AND e.status = 'SUCCEEDED'
			ORDER BY e.finished_at DESC NULLS LAST, e.id DESC LIMIT 1)
		AND ei.features <> '{}'::jsonb ORDER BY ei.volume_id`, versionID, project); err != nil {
		return nil, fmt.Errorf("reference of model version %d: %w", versionID, err)
	}
	return scanFeatures(raw)
}

// ReferenceFeaturesForRun is ReferenceFeatures in the project of a run.
func ReferenceFeaturesForRun(ctx context.Context, q sqlx.QueryerContext, versionID, runID int64) ([]Features, error) {
	project, err := ProjectOfRun(ctx, q, runID)
	if err != nil {
		return nil, err
	}
	return ReferenceFeatures(ctx, q, versionID, project)
}

// WindowFeatures returns the features of the last n runs of project a model version
// produced the outputs of, newest first.
func WindowFeatures(ctx context.Context, q sqlx.QueryerContext, versionID int64, project string, n int) ([]Features, error) {
	var raw [][]byte
	if err := sqlx.SelectContext(ctx, q, &raw, `SELECT rf.features FROM run_features rf
		JOIN runs r ON r.id = rf.run_id JOIN volumes v ON v.id = r.volume_id JOIN cases c ON c.id = v.case_id
		JOIN subjects s ON s.id = c.subject_id
		WHERE rf.model_version_id = $1 AND s.project = $2 ORDER BY rf.created_at DESC, rf.run_id DESC LIMIT $3`,
		versionID, project, n); err != nil {
		return nil, fmt.Errorf("window of model version %d: %w", versionID, err)
	}
	return scanFeatures(raw)
}

// DriftCheck is one recorded comparison of a window with the reference.
type DriftCheck struct {
	ID             int64           `db:"id"`
	Project        string          `db:"project"`
	ModelVersionID int64           `db:"model_version_id"`
	Runs           int             `db:"runs"`
	Drifted        bool            `db:"drifted"`
	Features       json.RawMessage `db:"features"`
	At             time.Time       `db:"at"`
}

// InsertDriftCheck records a check and returns whether the previous check of the same
// version and project had not drifted (or there was none): the check turned drifted.
func InsertDriftCheck(ctx context.Context, q sqlx.QueryerContext, c DriftCheck) (DriftCheck, bool, error) {
	var prev []bool
	if err := sqlx.SelectContext(ctx, q, &prev, `SELECT drifted FROM drift_checks WHERE project = $1 AND model_version_id = $2
		ORDER BY at DESC, id DESC LIMIT 1`, c.Project, c.ModelVersionID); err != nil {
		return c, false, fmt.Errorf("last drift check of model version %d: %w", c.ModelVersionID, err)
	}
	var out DriftCheck
	if err := sqlx.GetContext(ctx, q, &out, `INSERT INTO drift_checks (project, model_version_id, runs, drifted, features)
		VALUES ($1, $2, $3, $4, $5) RETURNING *`, c.Project, c.ModelVersionID, c.Runs, c.Drifted, []byte(c.Features)); err != nil {
		return c, false, fmt.Errorf("drift check of model version %d: %w", c.ModelVersionID, err)
	}
	return out, out.Drifted && (len(prev) == 0 || !prev[0]), nil
}

// DriftChecks returns the last limit checks of a version in project, oldest first.
func DriftChecks(ctx context.Context, q sqlx.QueryerContext, versionID int64, project string, limit int) ([]DriftCheck, error) {
	var cs []DriftCheck
	if err := sqlx.SelectContext(ctx, q, &cs, `SELECT * FROM (SELECT * FROM drift_checks WHERE project = $1 AND model_version_id = $2
		ORDER BY at DESC, id DESC LIMIT $3) c ORDER BY at, id`, project, versionID, limit); err != nil {
		return nil, fmt.Errorf("drift checks of model version %d: %w", versionID, err)
	}
	return cs, nil
}

// DriftDue is a model version of a project with runs recorded since its last check.
type DriftDue struct {
	Project        string `db:"project"`
	ModelVersionID int64  `db:"model_version_id"`
}

// DriftChecksDue lists at most limit (project, version) pairs with run features newer than
// their last drift check, the longest waiting first.
func DriftChecksDue(ctx context.Context, q sqlx.QueryerContext, limit int) ([]DriftDue, error) {
	var ds []DriftDue
	if err := sqlx.SelectContext(ctx, q, &ds, `SELECT s.project, rf.model_version_id FROM run_features rf
		JOIN runs r ON r.id = rf.run_id JOIN volumes v ON v.id = r.volume_id JOIN cases c ON c.id = v.case_id
		JOIN subjects s ON s.id = c.subject_id
		WHERE rf.model_version_id IS NOT NULL
		GROUP BY s.project, rf.model_version_id
		HAVING max(rf.created_at) > coalesce((SELECT max(dc.at) FROM drift_checks dc
			WHERE dc.project = s.project AND dc.model_version_id = rf.model_version_id), '-infinity')
		ORDER BY max(rf.created_at) LIMIT $1`, limit); err != nil {
		return nil, fmt.Errorf("drift checks due: %w", err)
	}
	return ds, nil
}

package worker_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aomas/aomas/db"
	"github.com/aomas/aomas/imaging"
	"github.com/aomas/aomas/internal/drift"
	"github.com/aomas/aomas/jobs"
)

// TestRunRecordsDriftFeatures runs the DAG with the deployed cone model on a real worker:
// the run's drift features are recorded with the model version that found its marks, and
// once that version has a reference (a succeeded evaluation whose images were brighter and
// cleaner than this one), QC flags a run whose inputs fall outside it.
func TestRunRecordsDriftFeatures(t *testing.T) {
	ctx := context.Background()
	e, d, ids := modelEnv(t)
	e.startWorker(t, d, 2)
	version := ids["test-cones-confocal"]

	features := func(runID int64) (*int64, map[string]float64) {
		var row struct {
			V *int64 `db:"model_version_id"`
			F []byte `db:"features"`
		}
		require.NoError(t, e.conn.Get(&row, `SELECT model_version_id, features FROM run_features WHERE run_id = $1`, runID))
		var f map[string]float64
		require.NoError(t, json.Unmarshal(row.F, &f))
		return row.V, f
	}
	flags := func(runID int64) []string {
		var codes []string
		require.NoError(t, e.conn.Select(&codes, `SELECT code FROM qc_flags WHERE run_id = $1 ORDER BY code`, runID))
		return codes
	}

	vol := newVolume(t, e.conn, e.store, 31, 96, 2)
	run, err := e.pipe.StartRun(ctx, jobs.StartRunInput{VolumeID: vol, Params: `{"eccentricityDeg": 3}`})
	require.NoError(t, err)
	require.Equal(t, db.StatusSucceeded, waitRun(t, e.conn, run.ID, 90*time.Second).Status)
	v, f := features(run.ID)
	require.NotNil(t, v)
	require.Equal(t, version, *v)
	for _, k := range []string{imaging.FeatureMeanIntensity, imaging.FeatureContrast, imaging.FeatureSNR, imaging.FeatureSpacingPx,
		imaging.FeatureMotionPx, imaging.FeatureCount, imaging.FeatureMeanUncertainty} {
		require.Contains(t, f, k)
	}
	require.Greater(t, f[imaging.FeatureCount], 20.0)
	require.Equal(t, float64(int(metricsByName(t, e, run.ID)["cone_count"].Value)), f[imaging.FeatureCount])
	require.True(t, f[imaging.FeatureDensityPerMM2] > 0 || f[imaging.FeatureDensityPer10kPx2] > 0)
	require.NotContains(t, flags(run.ID), imaging.QCInputOutOfReference, "no reference yet")

	// A reference of ten images with twice the SNR and a higher mean.
	project, err := db.ProjectOfRun(ctx, e.conn, run.ID)
	require.NoError(t, err)
	var ds, ev int64
	require.NoError(t, e.conn.Get(&ds, `INSERT INTO datasets (project, name) VALUES ($1, 'ref') RETURNING id`, project))
	require.NoError(t, e.conn.Get(&ev, `INSERT INTO evaluations (model_version_id, dataset_id, status, finished_at)
		VALUES ($1, $2, 'SUCCEEDED', now()) RETURNING id`, version, ds))
	for i := range 10 {
		ref := map[string]float64{imaging.FeatureSNR: 2*f[imaging.FeatureSNR] + float64(i), imaging.FeatureMeanIntensity: f[imaging.FeatureMeanIntensity] * 2}
		b, err := json.Marshal(ref)
		require.NoError(t, err)
		item := newVolume(t, e.conn, e.store, uint64(100+i), 32, 1)
		_, err = e.conn.Exec(`INSERT INTO evaluation_items (evaluation_id, volume_id, modality, true_positives, false_positives,
			false_negatives, sensitivity, fdr, dice, milliseconds, features) VALUES ($1, $2, 'confocal', 1, 0, 0, 1, 0, 1, 1, $3)`, ev, item, b)
		require.NoError(t, err)
	}
	other := newVolume(t, e.conn, e.store, 32, 96, 1)
	run2, err := e.pipe.StartRun(ctx, jobs.StartRunInput{VolumeID: other, Params: `{"eccentricityDeg": 3}`})
	require.NoError(t, err)
	require.Equal(t, db.StatusSucceeded, waitRun(t, e.conn, run2.ID, 90*time.Second).Status)
	_, f2 := features(run2.ID)
	require.NotContains(t, f2, imaging.FeatureMotionPx, "one frame: no registration")
	require.Contains(t, flags(run2.ID), imaging.QCInputOutOfReference)
	var msg string
	require.NoError(t, e.conn.Get(&msg, `SELECT message FROM qc_flags WHERE run_id = $1 AND code = $2`, run2.ID, imaging.QCInputOutOfReference))
	require.Contains(t, msg, "mean_intensity")
	require.Contains(t, msg, "snr")
	t.Logf("run %d features %v; run %d flagged: %s", run.ID, f, run2.ID, msg)

	// The background loop checks the version once, then nothing is due until new runs come.
	svc := drift.Service{DB: e.conn, Window: 5}
	n, err := svc.CheckDue(ctx, 10)
	require.NoError(t, err)
	require.Equal(t, 1, n)
	checks, err := db.DriftChecks(ctx, e.conn, version, project, 10)
	require.NoError(t, err)
	require.Len(t, checks, 1)
	require.Equal(t, 2, checks[0].Runs)
	n, err = svc.CheckDue(ctx, 10)
	require.NoError(t, err)
	require.Zero(t, n)
}

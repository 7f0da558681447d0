package worker_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"math"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aomas/aomas/db"
	"github.com/aomas/aomas/imaging"
	"github.com/aomas/aomas/inference"
	"github.com/aomas/aomas/internal/testenv"
	"github.com/aomas/aomas/jobs"
	"github.com/aomas/aomas/jobs/worker"
)

var ortOnce struct {
	sync.Once
	dev inference.Device
	err error
}

// ortCPU initialises ONNX Runtime on the CPU once for this test process; without the
// library (AOMAS_ORT_LIB, which make test sets) the test fails.
func ortCPU(t *testing.T) inference.Device {
	t.Helper()
	lib := os.Getenv("AOMAS_ORT_LIB")
	require.NotEmpty(t, lib, "AOMAS_ORT_LIB must name the ONNX Runtime library (make deps installs it; make test sets it)")
	ortOnce.Do(func() { ortOnce.dev, ortOnce.err = inference.Init(lib, inference.CPU) })
	require.NoError(t, ortOnce.err)
	return ortOnce.dev
}

// modelEnv is a pipeline whose database knows the test models (testenv.ConvModels) as
// deployed, shared model versions, and a worker that runs them.
func modelEnv(t *testing.T) (*pipelineEnv, worker.Deps, map[string]int64) {
	t.Helper()
	e := newPipelineEnv(t)
	dev := ortCPU(t)
	n, err := jobs.RegisterShipped(context.Background(), e.conn, e.store, testenv.ConvModels(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	require.NoError(t, err)
	require.Equal(t, 3, n)
	// Registering again adds nothing: every start of serve and worker does it.
	n, err = jobs.RegisterShipped(context.Background(), e.conn, e.store, testenv.ConvModels(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	require.NoError(t, err)
	require.Zero(t, n)
	ids := map[string]int64{}
	rows, err := e.conn.Query(`SELECT m.name, mv.id, mv.stage FROM model_versions mv JOIN models m ON m.id = mv.model_id`)
	require.NoError(t, err)
	defer rows.Close()
	for rows.Next() {
		var name, stage string
		var id int64
		require.NoError(t, rows.Scan(&name, &id, &stage))
		require.Equal(t, "PRODUCTION", stage, name)
		ids[name] = id
	}
	require.NoError(t, rows.Err())
	// Each shipped version's history starts with its shipping, once, with no actor.
	for name, id := range ids {
		cs, err := db.StageChanges(context.Background(), e.conn, id)
		require.NoError(t, err)
		require.Len(t, cs, 1, name)
		require.Equal(t, "PRODUCTION", cs[0].ToStage, name)
		require.Equal(t, "shipped with aomas", cs[0].Reason, name)
		require.Nil(t, cs[0].ActorID, name)
	}
	d := e.deps("w-model")
	d.Models = &worker.Models{Pool: inference.NewPool(t.TempDir(), 2), Device: string(dev)}
	t.Cleanup(d.Models.Pool.Close)
	return e, d, ids
}

// segmentOf decodes a run's segment output.
func segmentOf(t *testing.T, e *pipelineEnv, runID int64) map[string]any {
	t.Helper()
	s := stepsOf(t, e.conn, runID)[jobs.StepSegment]
	require.NotNil(t, s.Output)
	var out map[string]any
	require.NoError(t, json.Unmarshal([]byte(*s.Output), &out))
	return out
}

func metricsByName(t *testing.T, e *pipelineEnv, runID int64) map[string]db.Metric {
	t.Helper()
	var ms []db.Metric
	require.NoError(t, e.conn.Select(&ms, `SELECT * FROM metrics WHERE run_id = $1`, runID))
	out := map[string]db.Metric{}
	for _, m := range ms {
		out[m.Name] = m
	}
	return out
}

// artifactBytes reads the object a run's step wrote under kind.
func artifactBytes(t *testing.T, e *pipelineEnv, runID int64, kind string) []byte {
	t.Helper()
	var key string
	require.NoError(t, e.conn.Get(&key, `SELECT object_key FROM artifacts WHERE run_id = $1 AND kind = $2`, runID, kind))
	r, err := e.store.Get(context.Background(), key)
	require.NoError(t, err)
	defer r.Close()
	b, err := io.ReadAll(r)
	require.NoError(t, err)
	return b
}

// TestSegmentWithModel runs the whole DAG with the deployed models on a real worker: the
// segment step records the detectors, model versions and device, finds cones and
// capillaries with the models, its uncertainty grid is the model's, and the capillary
// metrics carry intervals; a run with detector: classical runs the classical detectors.
func TestSegmentWithModel(t *testing.T) {
	ctx := context.Background()
	e, d, ids := modelEnv(t)
	vol := newVolume(t, e.conn, e.store, 21, 96, 1)
	e.startWorker(t, d, 2)

	run, err := e.pipe.StartRun(ctx, jobs.StartRunInput{VolumeID: vol, Params: `{"eccentricityDeg": 3}`})
	require.NoError(t, err)
	require.Equal(t, db.StatusSucceeded, waitRun(t, e.conn, run.ID, 60*time.Second).Status)
	seg := segmentOf(t, e, run.ID)
	require.Equal(t, "test-cones-confocal 0.0.1", seg["detector"])
	cones := seg["cones"].(map[string]any)
	require.Equal(t, "deployed", cones["choice"])
	require.EqualValues(t, ids["test-cones-confocal"], cones["model_version_id"])
	require.Equal(t, "cpu", cones["device"])
	vessels := seg["vessels"].(map[string]any)
	require.Equal(t, "test-capillaries 0.0.1", vessels["detector"])
	require.EqualValues(t, ids["test-capillaries"], vessels["model_version_id"])
	require.Equal(t, "cpu", vessels["device"])
	require.Greater(t, seg["count"].(float64), 20.0)

	// The marks and the uncertainty are the model's: the same model on the preprocessed
	// image gives the same points, and the grid holds its per-mark disagreement.
	var pre struct {
		ImageKey string `json:"image_key"`
		W, H     int
	}
	require.NoError(t, json.Unmarshal([]byte(*stepsOf(t, e.conn, run.ID)[jobs.StepPreprocess].Output), &pre))
	img := imaging.NewImage(pre.W, pre.H)
	raw := artifactBytes(t, e, run.ID, "image")
	for i := range img.Pix {
		img.Pix[i] = math.Float32frombits(uint32(raw[4*i]) | uint32(raw[4*i+1])<<8 | uint32(raw[4*i+2])<<16 | uint32(raw[4*i+3])<<24)
	}
	ref, err := db.ModelRefByID(ctx, e.conn, ids["test-cones-confocal"])
	require.NoError(t, err)
	card, err := inference.ReadCard([]byte(ref.Card))
	require.NoError(t, err)
	pool := inference.NewPool(t.TempDir(), 1)
	defer pool.Close()
	weights := artifactWeights(t, e, ref.WeightsKey)
	m, err := pool.Model(ctx, card, func(context.Context) ([]byte, error) { return weights, nil })
	require.NoError(t, err)
	want, err := m.Cones(ctx, img, seg["spacing_px"].(float64), true)
	require.NoError(t, err)
	require.Len(t, want.Points, int(seg["count"].(float64)))
	var sum float64
	for _, u := range want.Uncertainty {
		sum += u
	}
	require.InDelta(t, sum/float64(len(want.Uncertainty)), seg["mean_uncertainty"].(float64), 1e-9)
	var grid imaging.ScalarGrid
	require.NoError(t, json.Unmarshal(artifactBytes(t, e, run.ID, "uncertainty"), &grid))
	cellU, cellN := make([]float64, len(grid.Values)), make([]int, len(grid.Values))
	for i, p := range want.Points {
		k := int(p.Y)/grid.CellPx*grid.Cols + int(p.X)/grid.CellPx
		cellU[k] += want.Uncertainty[i]
		cellN[k]++
	}
	classical := imaging.ScalarGrid{}
	_, classical.Cols, classical.Rows, classical.Values = imaging.DetectConesWithUncertainty(img, imaging.ConeDetectOptions{
		Modality: imaging.ConeConfocal, SpacingPx: seg["spacing_px"].(float64)}, grid.CellPx)
	differs := false
	for k, v := range grid.Values {
		if cellN[k] > 0 {
			require.GreaterOrEqual(t, v+0.0005, cellU[k]/float64(cellN[k]), "cell %d holds its marks' mean uncertainty", k)
		}
		differs = differs || math.Abs(v-classical.Values[k]) > 0.01
	}
	require.True(t, differs, "the grid is the model's, not the classical detector's")

	met := metricsByName(t, e, run.ID)
	for _, name := range []string{"cone_count", "cone_density", "capillary_area_density"} {
		require.Contains(t, met, name)
	}
	require.NotNil(t, met["capillary_area_density"].CI95Low)
	var flags []string
	require.NoError(t, e.conn.Select(&flags, `SELECT code FROM qc_flags WHERE run_id = $1`, run.ID))
	t.Logf("model run %d: %v cones, mean uncertainty %.3f, capillary area %.2f%%, QC %v", run.ID, seg["count"],
		seg["mean_uncertainty"], met["capillary_area_density"].Value, flags)

	// detector: classical keeps the classical detectors, whatever is deployed.
	run2, err := e.pipe.StartRun(ctx, jobs.StartRunInput{VolumeID: vol, Params: `{"eccentricityDeg": 3, "detector": "classical"}`})
	require.NoError(t, err)
	require.Equal(t, db.StatusSucceeded, waitRun(t, e.conn, run2.ID, 60*time.Second).Status)
	seg2 := segmentOf(t, e, run2.ID)
	require.Equal(t, "classical-log", seg2["detector"])
	require.Equal(t, "params", seg2["cones"].(map[string]any)["choice"])
	require.NotContains(t, seg2["cones"].(map[string]any), "device")
	require.Equal(t, "classical-hessian", seg2["vessels"].(map[string]any)["detector"])
	require.NotContains(t, seg2, "mean_uncertainty")
	met2 := metricsByName(t, e, run2.ID)
	require.Contains(t, met2, "capillary_area_density")
	require.Contains(t, met2, "cone_density")
}

func artifactWeights(t *testing.T, e *pipelineEnv, key string) []byte {
	t.Helper()
	r, err := e.store.Get(context.Background(), key)
	require.NoError(t, err)
	defer r.Close()
	b, err := io.ReadAll(r)
	require.NoError(t, err)
	return b
}

// TestRunModelChoice: a run names its cone model; one that does not exist, belongs to
// another project or finds capillaries is refused at start, and a named model of the
// run's project is what the segment step runs.
func TestRunModelChoice(t *testing.T) {
	ctx := context.Background()
	e, d, ids := modelEnv(t)
	vol := newVolume(t, e.conn, e.store, 22, 64, 1)

	_, err := e.pipe.StartRun(ctx, jobs.StartRunInput{VolumeID: vol, ModelVersionID: ptr(int64(987654))})
	require.ErrorIs(t, err, jobs.ErrInvalidRun)
	require.ErrorContains(t, err, "model version 987654 does not exist")

	// A model of another project is, to this run, one that does not exist.
	var other int64
	require.NoError(t, e.conn.Get(&other, `WITH m AS (INSERT INTO models (name, task, modality, project) VALUES ('their-cones', 'cones', 'any', 'elsewhere') RETURNING id)
		INSERT INTO model_versions (model_id, version, weights_key, weights_sha256, card)
		SELECT m.id, '1', mv.weights_key, mv.weights_sha256, mv.card FROM m, model_versions mv WHERE mv.id = $1 RETURNING id`, ids["test-cones-confocal"]))
	_, err = e.pipe.StartRun(ctx, jobs.StartRunInput{VolumeID: vol, ModelVersionID: &other})
	require.ErrorIs(t, err, jobs.ErrInvalidRun)
	require.ErrorContains(t, err, "does not exist")

	_, err = e.pipe.StartRun(ctx, jobs.StartRunInput{VolumeID: vol, ModelVersionID: ptr(ids["test-capillaries"])})
	require.ErrorIs(t, err, jobs.ErrInvalidRun)
	require.ErrorContains(t, err, "finds capillaries, not cones")

	_, err = e.pipe.StartRun(ctx, jobs.StartRunInput{VolumeID: vol, Params: `{"detector": "cnn"}`})
	require.ErrorIs(t, err, jobs.ErrInvalidRun)

	// The split-detector model, named by a confocal run, is what runs.
	e.startWorker(t, d, 2)
	run, err := e.pipe.StartRun(ctx, jobs.StartRunInput{VolumeID: vol, ModelVersionID: ptr(ids["test-cones-split"])})
	require.NoError(t, err)
	require.Equal(t, db.StatusSucceeded, waitRun(t, e.conn, run.ID, 60*time.Second).Status)
	cones := segmentOf(t, e, run.ID)["cones"].(map[string]any)
	require.Equal(t, "run", cones["choice"])
	require.EqualValues(t, ids["test-cones-split"], cones["model_version_id"])
}

// TestModelRunOnWorkerWithoutModels: a worker started without ONNX Runtime fails a run
// that needs a model, saying so, rather than running another detector than the one asked.
func TestModelRunOnWorkerWithoutModels(t *testing.T) {
	ctx := context.Background()
	e, _, _ := modelEnv(t)
	vol := newVolume(t, e.conn, e.store, 23, 64, 1)
	e.startWorker(t, e.deps("w-classical"), 1)
	run, err := e.pipe.StartRun(ctx, jobs.StartRunInput{VolumeID: vol})
	require.NoError(t, err)
	require.Equal(t, db.StatusFailed, waitRun(t, e.conn, run.ID, 60*time.Second).Status)
	seg := stepsOf(t, e.conn, run.ID)[jobs.StepSegment]
	require.NotNil(t, seg.Error)
	require.Contains(t, *seg.Error, "this worker runs no models")
	require.Equal(t, 1, seg.Attempts, "a permanent refusal is not retried")
}

func ptr[T any](v T) *T { return &v }

package registry_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sync"
	"testing"

	"github.com/jmoiron/sqlx"
	"github.com/stretchr/testify/require"

	"github.com/aomas/aomas/db"
	"github.com/aomas/aomas/inference"
	"github.com/aomas/aomas/internal/registry"
	"github.com/aomas/aomas/internal/testenv"
	"github.com/aomas/aomas/jobs"
)

// cardFor is a complete card for a one-convolution cone model.
func cardFor(t *testing.T, output string) []byte {
	t.Helper()
	b, err := json.Marshal(map[string]any{
		"opset":         17,
		"input":         map[string]any{"name": "image", "layout": "NCHW", "channels": 1, "multiple": 8},
		"output":        map[string]any{"name": output, "kind": "heatmap"},
		"normalisation": map[string]any{"method": "zscore"},
		"postprocess":   map[string]any{"threshold": 0.5, "min_distance_rel_spacing": 0.5, "min_distance_px": 2.0},
		"training":      map[string]any{"data": "none: a Gaussian filter"},
		"metrics":       map[string]any{"note": "see evaluations"},
		"intended_use":  "tests",
		"limits":        []string{"not a trained model"},
	})
	require.NoError(t, err)
	return b
}

func kernel(centre float32) []float32 { return []float32{0, 0.1, 0, 0.1, centre, 0.1, 0, 0.1, 0} }

type env struct {
	svc   *registry.Service
	conn  *sqlx.DB
	store interface {
		Keys(ctx context.Context, prefix string) ([]string, error)
	}
}

var ortOnce sync.Once

func newEnv(t *testing.T) env {
	t.Helper()
	lib := os.Getenv("AOMAS_ORT_LIB")
	require.NotEmpty(t, lib, "AOMAS_ORT_LIB must name the ONNX Runtime library (make test sets it)")
	ortOnce.Do(func() { _, _ = inference.Init(lib, inference.CPU) })
	conn := testenv.Postgres(t)
	store := testenv.Store(t)
	return env{svc: &registry.Service{DB: conn, Store: store, ORTLib: lib}, conn: conn, store: store}
}

func (e env) register(t *testing.T, project, name, version string, onnx, card []byte) (db.ModelVersion, error) {
	t.Helper()
	return e.svc.Register(context.Background(), registry.Registration{Project: project, Model: name, Task: "cones",
		Modality: "confocal", Version: version, Card: card, Size: int64(len(onnx)), Weights: bytes.NewReader(onnx)})
}

// TestRegisterChecksTheFile: a model that loads and meets the cone contract becomes a
// CANDIDATE with its weights stored by digest; a file that is not ONNX, one whose tensor
// names disagree with the card, a card that is invalid or disagrees with the registration,
// and a second version with the same label are refused with nothing left behind.
func TestRegisterChecksTheFile(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	good := inference.ConvSigmoidGraph(kernel(1), 0, "image", "heatmap")
	v, err := e.register(t, "p1", "net-a", "1.0.0", good, cardFor(t, "heatmap"))
	require.NoError(t, err)
	require.Equal(t, db.StageCandidate, v.Stage)
	keys, err := e.store.Keys(ctx, "models/")
	require.NoError(t, err)
	require.Equal(t, []string{jobs.ModelWeightsKey(v.WeightsSHA256)}, keys)
	var card map[string]any
	require.NoError(t, json.Unmarshal([]byte(v.Card), &card))
	require.Equal(t, "net-a", card["name"])
	require.Equal(t, v.WeightsSHA256, card["sha256"])

	other := inference.ConvSigmoidGraph(kernel(2), 0, "image", "heatmap")
	bad := []struct {
		name       string
		model, ver string
		onnx, card []byte
		want       string
	}{
		{"not onnx", "net-b", "1", []byte("hello, not a model"), cardFor(t, "heatmap"), "not a readable ONNX model"},
		{"names disagree", "net-b", "1", inference.ConvSigmoidGraph(kernel(2), 0, "image", "prob"), cardFor(t, "heatmap"), "the card says"},
		{"card invalid", "net-b", "1", other, []byte(`{"input": {"name": "image"}}`), "invalid model card"},
		{"card not json", "net-b", "1", other, []byte(`[1,2]`), "not a JSON object"},
		{"same label", "net-a", "1.0.0", other, cardFor(t, "heatmap"), "has a version 1.0.0 already"},
	}
	for _, c := range bad {
		t.Run(c.name, func(t *testing.T) {
			_, err := e.register(t, "p1", c.model, c.ver, c.onnx, c.card)
			require.Error(t, err)
			require.Contains(t, err.Error(), c.want)
			if c.name != "same label" {
				var ie *registry.InputError
				require.ErrorAs(t, err, &ie)
			} else {
				require.ErrorIs(t, err, db.ErrConflict)
			}
			keys, err := e.store.Keys(ctx, "models/")
			require.NoError(t, err)
			require.Len(t, keys, 1, "no orphan weights")
		})
	}
	var n int
	require.NoError(t, e.conn.Get(&n, `SELECT count(*) FROM model_versions`))
	require.Equal(t, 1, n)
	// Another project cannot add versions to net-a, nor a project to a shipped model.
	_, err = e.register(t, "p2", "net-a", "2.0.0", other, cardFor(t, "heatmap"))
	require.ErrorIs(t, err, db.ErrConflict)
}

// evaluate records a SUCCEEDED evaluation of version on dataset with overall Dice d ± w.
func evaluate(t *testing.T, conn *sqlx.DB, versionID, datasetID int64, d, w, ms float64) {
	t.Helper()
	scores := fmt.Sprintf(`[{"modality":"all","images":4,"sensitivity":{"value":0.9,"low":0.8,"high":0.95},"fdr":{"value":0.1,"low":0.05,"high":0.2},"dice":{"value":%g,"low":%g,"high":%g}},
		{"modality":"confocal","images":4,"sensitivity":{"value":0.9,"low":0.8,"high":0.95},"fdr":{"value":0.1,"low":0.05,"high":0.2},"dice":{"value":%g,"low":%g,"high":%g}}]`,
		d, d-w, d+w, d, d-w, d+w)
	_, err := conn.Exec(`INSERT INTO evaluations (model_version_id, dataset_id, status, progress, scores, ms_per_mpx, finished_at)
		VALUES ($1, $2, 'SUCCEEDED', 1, $3::jsonb, $4, now())`, versionID, datasetID, scores, ms)
	require.NoError(t, err)
}

// TestPromotionGatesAndRollback: an unevaluated version is refused with every failed gate;
// a version below the minimum Dice fails min_dice and, next to a better production version,
// not_worse_than_production; an admin may override with a reason; PRODUCTION archives the
// version it replaces; rollback restores it; the history shows each interval.
func TestPromotionGatesAndRollback(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	good, err := e.register(t, "p1", "net", "1", inference.ConvSigmoidGraph(kernel(1), 0, "image", "heatmap"), cardFor(t, "heatmap"))
	require.NoError(t, err)
	worse, err := e.register(t, "p1", "net", "2", inference.ConvSigmoidGraph(kernel(2), 0, "image", "heatmap"), cardFor(t, "heatmap"))
	require.NoError(t, err)
	promote := func(id int64, stage string, pct *int, override, admin bool) (db.ModelVersion, error) {
		v, _, err := e.svc.Promote(ctx, registry.Promotion{Project: "p1", VersionID: id, Stage: stage, Reason: "because",
			CanaryPercent: pct, Override: override, Actor: registry.Actor{Admin: admin}})
		return v, err
	}
	_, err = promote(good.ID, db.StageShadow, nil, false, false)
	var ge *registry.GateError
	require.ErrorAs(t, err, &ge)
	require.Equal(t, []string{"min_dice", "not_worse_than_production", "speed"}, failedNames(ge.Gates))

	var ds int64
	require.NoError(t, e.conn.Get(&ds, `INSERT INTO datasets (project, name) VALUES ('p1', 'ds') RETURNING id`))
	evaluate(t, e.conn, good.ID, ds, 0.97, 0.01, 100)
	evaluate(t, e.conn, worse.ID, ds, 0.80, 0.02, 100)
	// No production version of the project's, nor a shared one here: the comparison passes.
	v, err := promote(good.ID, db.StageProduction, nil, false, false)
	require.NoError(t, err)
	require.Equal(t, db.StageProduction, v.Stage)

	_, err = promote(worse.ID, db.StageCanary, ptr(50), false, false)
	require.ErrorAs(t, err, &ge)
	require.Equal(t, []string{"min_dice", "not_worse_than_production"}, failedNames(ge.Gates))
	require.Contains(t, ge.Gates[1].Detail, "upper bound 0.820 < 0.960")
	_, err = promote(worse.ID, db.StageCanary, ptr(50), true, false)
	require.ErrorIs(t, err, registry.ErrForbidden)
	v, err = promote(worse.ID, db.StageProduction, nil, true, true)
	require.NoError(t, err)
	require.Equal(t, db.StageProduction, v.Stage)
	old, err := db.ModelVersionByID(ctx, e.conn, good.ID)
	require.NoError(t, err)
	require.Equal(t, db.StageArchived, old.Stage)

	back, err := e.svc.Rollback(ctx, "p1", "cones", "confocal", "worse in the clinic", registry.Actor{})
	require.NoError(t, err)
	require.Equal(t, good.ID, back.ID)
	require.Equal(t, db.StageProduction, back.Stage)
	cur, err := db.ModelVersionByID(ctx, e.conn, worse.ID)
	require.NoError(t, err)
	require.Equal(t, db.StageArchived, cur.Stage)

	hist, err := registry.History(ctx, e.conn, "p1", "cones", "confocal")
	require.NoError(t, err)
	require.Len(t, hist, 3)
	require.Equal(t, good.ID, hist[0].VersionID)
	require.NotNil(t, hist[0].To)
	require.Equal(t, worse.ID, hist[1].VersionID)
	require.True(t, hist[1].Began.Override)
	require.Equal(t, "rolled back: worse in the clinic", hist[1].Ended.Reason)
	require.Equal(t, good.ID, hist[2].VersionID)
	require.Nil(t, hist[2].To)

	// Rolling back the only production version with no shared default is refused.
	_, err = e.svc.Rollback(ctx, "p1", "cones", "confocal", "again", registry.Actor{})
	require.NoError(t, err, "the worse version was production before: it comes back")
	_, err = e.svc.Rollback(ctx, "p1", "cones", "split-detector", "none", registry.Actor{})
	require.True(t, errors.Is(err, db.ErrConflict), "%v", err)
}

// TestConcurrentPromotionsLeaveOneProduction: promotions racing for PRODUCTION leave one.
func TestConcurrentPromotionsLeaveOneProduction(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	var ds int64
	require.NoError(t, e.conn.Get(&ds, `INSERT INTO datasets (project, name) VALUES ('p1', 'ds') RETURNING id`))
	var ids []int64
	for i := range 4 {
		v, err := e.register(t, "p1", fmt.Sprintf("net-%d", i), "1", inference.ConvSigmoidGraph(kernel(float32(i+1)), 0, "image", "heatmap"), cardFor(t, "heatmap"))
		require.NoError(t, err)
		evaluate(t, e.conn, v.ID, ds, 0.97, 0.01, 100)
		ids = append(ids, v.ID)
	}
	var wg sync.WaitGroup
	for _, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Some may fail not_worse against whichever won first; that is fine.
			_, _, _ = e.svc.Promote(ctx, registry.Promotion{Project: "p1", VersionID: id, Stage: db.StageProduction, Reason: "race"})
		}()
	}
	wg.Wait()
	var n int
	require.NoError(t, e.conn.Get(&n, `SELECT count(*) FROM model_versions WHERE stage = 'PRODUCTION'`))
	require.Equal(t, 1, n)
}

func failedNames(gs []registry.Gate) []string {
	var out []string
	for _, g := range gs {
		if !g.Passed {
			out = append(out, g.Gate)
		}
	}
	return out
}

func ptr[T any](v T) *T { return &v }

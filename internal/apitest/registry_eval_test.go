package apitest

import (
	"context"
	"encoding/json"
	"io"
	"io/fs"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"
	"time"

	"github.com/coder/websocket/wsjson"
	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"

	"github.com/aomas/aomas/db"
	"github.com/aomas/aomas/imaging"
	"github.com/aomas/aomas/inference"
	"github.com/aomas/aomas/internal/auth"
	"github.com/aomas/aomas/internal/evaluation"
	"github.com/aomas/aomas/internal/gid"
	"github.com/aomas/aomas/internal/intake"
	"github.com/aomas/aomas/internal/labels"
	"github.com/aomas/aomas/internal/models"
	"github.com/aomas/aomas/internal/registry"
	"github.com/aomas/aomas/internal/testenv"
	"github.com/aomas/aomas/internal/testenv/shared"
	"github.com/aomas/aomas/jobs"
	"github.com/aomas/aomas/jobs/worker"
	"github.com/aomas/aomas/rbac"
	"github.com/aomas/aomas/resolvers"
	"github.com/aomas/aomas/server"
)

// evalAPI is a server with evaluations and a real worker running ONNX Runtime on the CPU,
// with the shipped models and a deliberately bad cone model (misconfiguredModels) registered.
type evalAPI struct {
	*api
	evals  *evaluation.Service
	intake *intake.Service
	labels *labels.Service
	// versions are the model version ids by model name.
	versions map[string]int64
	// adminTok makes the cases images are imported into (an ML engineer may not).
	adminTok string
	// rt is a runtime over the worker's dependencies (its Detect runs the models).
	rt *worker.Runtime
}

// asUser is e acting with token.
func (e *evalAPI) asUser(token string) *evalAPI {
	c := *e
	c.api = e.as(token)
	return &c
}

// misconfiguredModels is the shipped confocal cone network with a badly configured card:
// marks kept 1.6 cone spacings apart (the shipped card says 0.5), so that it misses most
// cones. The weights are the shipped ones; only the card differs.
func misconfiguredModels(t *testing.T) fstest.MapFS {
	onnx, err := fs.ReadFile(models.Shipped, "cones-confocal.onnx")
	require.NoError(t, err)
	cb, err := fs.ReadFile(models.Shipped, "cones-confocal.card.json")
	require.NoError(t, err)
	var card map[string]any
	require.NoError(t, json.Unmarshal(cb, &card))
	card["name"], card["version"] = "cones-confocal-misconfigured", "0.0.1"
	card["postprocess"] = map[string]any{"threshold": 0.3, "min_distance_rel_spacing": 1.6, "min_distance_px": 2.0}
	card["intended_use"] = "tests only: the shipped network with a deliberately bad post-processing"
	cb, err = json.Marshal(card)
	require.NoError(t, err)
	return fstest.MapFS{"cones-confocal-misconfigured.onnx": {Data: onnx}, "cones-confocal-misconfigured.card.json": {Data: cb}}
}

func newEvalAPI(t *testing.T) *evalAPI {
	t.Helper()
	lib := os.Getenv("AOMAS_ORT_LIB")
	require.NotEmpty(t, lib, "AOMAS_ORT_LIB must name the ONNX Runtime library (make test sets it)")
	ortInit.Do(func() { ortInit.dev, ortInit.err = inference.Init(lib, inference.CPU) })
	require.NoError(t, ortInit.err)
	pool := inference.NewPool(t.TempDir(), 2)
	t.Cleanup(pool.Close)

	conn := testenv.Postgres(t)
	rdb, redisURL := testenv.Redis(t)
	store := testenv.Store(t)
	opt, err := asynq.ParseRedisURI(redisURL)
	require.NoError(t, err)
	client, insp := asynq.NewClient(opt), asynq.NewInspector(opt)
	t.Cleanup(func() { _ = client.Close(); _ = insp.Close() })
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	policy, err := rbac.New(context.Background(), conn, nil)
	require.NoError(t, err)
	accounts, err := auth.NewAccounts(conn, auth.AccountsConfig{})
	require.NoError(t, err)
	guard := &resolvers.Guard{Enforcer: policy, Audit: conn}
	checker := server.NewChecker(conn, rdb, store)
	evals := &evaluation.Service{DB: conn, Store: store, Queue: client, Redis: rdb, Logger: logger}
	in := &intake.Service{DB: conn, Store: store, SubjectKey: []byte("test-subject-key-0123"), MaxBytes: maxUpload, TempDir: t.TempDir()}
	lab := &labels.Service{DB: conn, Store: store}
	res := &resolvers.Resolver{
		Checker: checker, DB: conn, Store: store, Intake: in, Labels: lab, Evaluations: evals,
		Pipeline: jobs.NewPipeline(jobs.Deps{DB: conn, Queue: client, Redis: rdb, Inspector: insp, Logger: logger, MaxRetry: 2}),
		Enforcer: policy, Accounts: accounts, Audit: conn,
		Registry: &registry.Service{DB: conn, Store: store, ORTLib: lib},
	}
	srv := httptest.NewServer(server.New(server.Options{
		Schema: resolvers.Schema(res, guard), Guard: guard, Checker: checker,
		Auth: &server.Auth{Accounts: accounts, Sessions: auth.NewSessions(conn, nil), Tokens: auth.NewTokens(conn, auth.TokensConfig{}),
			Login: auth.NewLimiter(auth.LoginLimit()), Audit: conn},
		MaxDepth: 12, MaxComplexity: 50000, AroundOperations: res.LoaderMiddleware(), MaxUploadBytes: maxUpload,
	}))
	t.Cleanup(srv.Close)
	for _, fsys := range []fs.FS{models.Shipped, misconfiguredModels(t)} {
		_, err = jobs.RegisterShipped(context.Background(), conn, store, fsys, logger)
		require.NoError(t, err)
	}
	w := asynq.NewServer(opt, asynq.Config{Concurrency: 1, Queues: jobs.DefaultQueues(), LogLevel: asynq.FatalLevel,
		TaskCheckInterval: 2 * time.Millisecond, DelayedTaskCheckInterval: 200 * time.Millisecond, RetryDelayFunc: worker.RetryDelay})
	deps := worker.Deps{DB: conn, Objects: store, Queue: client, Redis: rdb, Inspector: insp,
		Logger: logger, WorkerID: "eval-test", Lease: 10 * time.Second, MaxRetry: 2, Evaluations: evals,
		Models: &worker.Models{Pool: pool, Device: string(ortInit.dev)}}
	require.NoError(t, w.Start(worker.NewServeMux(deps)))
	t.Cleanup(w.Shutdown)
	admin, token := testenv.Account(t, conn, policy, rbac.RoleAdmin, rbac.AllProjects)
	a := &api{t: t, url: srv.URL + "/graphql", db: &countingDB{DB: conn}, raw: conn, policy: policy, token: token, admin: admin, store: store}
	versions := map[string]int64{}
	rows, err := conn.Queryx(`SELECT m.name, mv.id FROM model_versions mv JOIN models m ON m.id = mv.model_id`)
	require.NoError(t, err)
	defer rows.Close()
	for rows.Next() {
		var name string
		var id int64
		require.NoError(t, rows.Scan(&name, &id))
		versions[name] = id
	}
	require.NoError(t, rows.Err())
	require.Contains(t, versions, "cones-confocal")
	require.Contains(t, versions, "cones-confocal-misconfigured")
	return &evalAPI{api: a, evals: evals, intake: in, labels: lab, versions: versions, adminTok: token, rt: worker.New(deps)}
}

type gqlEstimate struct{ Value, Low, High float64 }

type gqlEvaluation struct {
	ID       string
	Status   string
	Progress float64
	Message  string
	MsPerMpx *float64
	Scores   []struct {
		Modality               string
		Images                 int
		Sensitivity, Fdr, Dice gqlEstimate
	}
	Items []struct {
		Volume       struct{ ID string }
		Modality     string
		Dice         float64
		Milliseconds float64
	}
}

const evaluationFields = `id status progress message msPerMpx
	scores { modality images sensitivity { value low high } fdr { value low high } dice { value low high } }
	items { volume { id } modality dice milliseconds }`

// evaluate starts an evaluation over GraphQL, follows it over the evaluationProgress
// subscription to its end, and returns every event and the final evaluation.
func (e *evalAPI) evaluate(versionID int64, datasetID string) ([]gqlEvaluation, gqlEvaluation) {
	t := e.t
	t.Helper()
	var started struct{ EvaluateModel gqlEvaluation }
	e.mustQuery(`mutation($v: ID!, $d: ID!) { evaluateModel(versionId: $v, datasetId: $d) { id status } }`,
		map[string]any{"v": gid.Encode("ModelVersion", versionID), "d": datasetID}, &started)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	conn := e.socket(ctx, e.token)
	payload := mustJSON(map[string]any{"query": `subscription($id: ID!) { evaluationProgress(id: $id) { ` + evaluationFields + ` } }`,
		"variables": map[string]any{"id": started.EvaluateModel.ID}})
	require.NoError(t, wsjson.Write(ctx, conn, wsMessage{ID: "1", Type: "subscribe", Payload: payload}))
	var events []gqlEvaluation
	for {
		m := e.readSocket(ctx, conn)
		if m.Type == "complete" {
			break
		}
		require.Equal(t, "next", m.Type, string(m.Payload))
		var p struct {
			Data   struct{ EvaluationProgress gqlEvaluation }
			Errors []gqlError
		}
		require.NoError(t, json.Unmarshal(m.Payload, &p))
		require.Empty(t, p.Errors)
		events = append(events, p.Data.EvaluationProgress)
	}
	require.NotEmpty(t, events)
	return events, events[len(events)-1]
}

// importConfocal imports n confocal images of subject from the shared real data into a
// new case of the default project, as dataset name.
func (e *evalAPI) importConfocal(name, subject string, n int) (db.DatasetRow, []evaluation.Imported) {
	t := e.t
	t.Helper()
	caseGID := e.as(e.adminTok).createCase("S-" + name)
	_, caseID, err := gid.Decode(caseGID)
	require.NoError(t, err)
	d, done, err := e.evals.Import(context.Background(), e.intake, evaluation.ImportOptions{
		Dir: filepath.Join(shared.Dir(t), "data", "ao-cunefare-2017-train"), Project: "default", Dataset: name,
		CaseID: caseID, Modality: "confocal", Subject: subject, Limit: n})
	require.NoError(t, err)
	require.Len(t, done, n)
	return d, done
}

// TestEvaluateModelOnRealData imports confocal images of a validation subject of the shipped
// cone model (one it never trained on) from the shared real AOSLO data, evaluates the shipped
// model and a deliberately bad one over GraphQL on a real worker with ONNX Runtime, and
// follows both over the evaluationProgress subscription.
func TestEvaluateModelOnRealData(t *testing.T) {
	e := newEvalAPI(t)
	_, mlTok := e.accountFor(rbac.RoleMLEngineer)
	ml := e.asUser(mlTok)
	d, imported := ml.importConfocal("cunefare-confocal", "JC_0138", 8)
	dsID := gid.Encode("Dataset", d.ID)

	var listed struct {
		Datasets []struct {
			ID        string
			Name      string
			ItemCount int
			Items     []struct {
				Volume   struct{ ID string }
				Modality string
				Marks    int
				Source   string
			}
		}
	}
	ml.mustQuery(`{ datasets { id name itemCount items { volume { id } modality marks source } } }`, nil, &listed)
	require.Len(t, listed.Datasets, 1)
	require.Equal(t, dsID, listed.Datasets[0].ID)
	require.Equal(t, 8, listed.Datasets[0].ItemCount)
	for i, it := range listed.Datasets[0].Items {
		require.Equal(t, gid.Encode("Volume", imported[i].VolumeID), it.Volume.ID)
		require.Equal(t, "confocal", it.Modality)
		require.Equal(t, "import", it.Source)
		require.Equal(t, imported[i].Marks, it.Marks)
		require.Greater(t, it.Marks, 200)
	}

	events, good := ml.evaluate(e.versions["cones-confocal"], dsID)
	require.Equal(t, "SUCCEEDED", good.Status, good.Message)
	require.GreaterOrEqual(t, len(events), 3, "the subscription streams the evaluation's progress")
	for i := 1; i < len(events); i++ {
		require.GreaterOrEqual(t, events[i].Progress, events[i-1].Progress)
	}
	require.Equal(t, 1.0, good.Progress)
	require.Len(t, good.Scores, 2)
	require.Equal(t, "all", good.Scores[0].Modality)
	require.Equal(t, "confocal", good.Scores[1].Modality)
	all := good.Scores[0]
	require.Equal(t, 8, all.Images)
	for _, est := range []gqlEstimate{all.Dice, all.Sensitivity, all.Fdr} {
		require.LessOrEqual(t, est.Low, est.Value)
		require.LessOrEqual(t, est.Value, est.High)
	}
	require.GreaterOrEqual(t, all.Dice.Value, 0.97, "the shipped model's card reports Dice 0.995 on this subject's set")
	require.Less(t, all.Dice.High-all.Dice.Low, 0.05)
	require.Len(t, good.Items, 8)
	for _, it := range good.Items {
		require.Greater(t, it.Milliseconds, 0.0)
	}
	require.NotNil(t, good.MsPerMpx)
	require.Greater(t, *good.MsPerMpx, 0.0)
	// Each image's features, the drift reference: input features of the image as stored,
	// output features of the marks, a density in cones/mm² (the manifest states µm/px).
	_, goodID, err := gid.Decode(good.ID)
	require.NoError(t, err)
	var feats []json.RawMessage
	require.NoError(t, e.raw.Select(&feats, `SELECT features FROM evaluation_items WHERE evaluation_id = $1`, goodID))
	require.Len(t, feats, 8)
	for _, fb := range feats {
		var f map[string]float64
		require.NoError(t, json.Unmarshal(fb, &f))
		for _, k := range []string{imaging.FeatureMeanIntensity, imaging.FeatureContrast, imaging.FeatureSNR, imaging.FeatureSpacingPx,
			imaging.FeatureCount, imaging.FeatureDensityPerMM2, imaging.FeatureMeanUncertainty} {
			require.Contains(t, f, k)
		}
		require.NotContains(t, f, imaging.FeatureMotionPx, "one frame: no registration, no motion")
		require.Greater(t, f[imaging.FeatureCount], 200.0)
		require.Greater(t, f[imaging.FeatureDensityPerMM2], 20000.0)
	}
	t.Logf("cones-confocal on %d JC_0138 images: Dice %.4f [%.4f, %.4f], sensitivity %.4f [%.4f, %.4f], FDR %.4f [%.4f, %.4f], %.0f ms/Mpx",
		all.Images, all.Dice.Value, all.Dice.Low, all.Dice.High, all.Sensitivity.Value, all.Sensitivity.Low, all.Sensitivity.High,
		all.Fdr.Value, all.Fdr.Low, all.Fdr.High, *good.MsPerMpx)

	_, bad := ml.evaluate(e.versions["cones-confocal-misconfigured"], dsID)
	require.Equal(t, "SUCCEEDED", bad.Status, bad.Message)
	t.Logf("cones-confocal-misconfigured: Dice %.4f [%.4f, %.4f], sensitivity %.4f", bad.Scores[0].Dice.Value, bad.Scores[0].Dice.Low,
		bad.Scores[0].Dice.High, bad.Scores[0].Sensitivity.Value)
	require.Less(t, bad.Scores[0].Dice.High, all.Dice.Low-0.2, "the misconfigured version scores far below the shipped one")

	// The version's evaluations, newest first, and the evaluation by id.
	var mv struct {
		Models []struct {
			Name     string
			Versions []struct{ Evaluations []struct{ ID, Status string } }
		}
	}
	ml.mustQuery(`{ models { name versions { evaluations { id status } } } }`, nil, &mv)
	n := 0
	for _, m := range mv.Models {
		if m.Name == "cones-confocal" {
			require.Len(t, m.Versions, 1)
			require.Len(t, m.Versions[0].Evaluations, 1)
			require.Equal(t, good.ID, m.Versions[0].Evaluations[0].ID)
			n++
		}
	}
	require.Equal(t, 1, n)
	var got struct{ Evaluation gqlEvaluation }
	ml.mustQuery(`query($id: ID!) { evaluation(id: $id) { `+evaluationFields+` } }`, map[string]any{"id": good.ID}, &got)
	require.Equal(t, good.Scores, got.Evaluation.Scores)

	// A retry after a crash half way resumes from the images not scored and ends with the
	// same scores; running a finished evaluation again changes nothing.
	ctx := context.Background()
	_, err = e.raw.Exec(`UPDATE evaluations SET status = 'RUNNING', scores = '[]', progress = 0.5, finished_at = NULL WHERE id = $1`, goodID)
	require.NoError(t, err)
	_, err = e.raw.Exec(`DELETE FROM evaluation_items WHERE evaluation_id = $1 AND volume_id IN
		(SELECT volume_id FROM evaluation_items WHERE evaluation_id = $1 ORDER BY volume_id LIMIT 4)`, goodID)
	require.NoError(t, err)
	require.NoError(t, e.evals.Run(ctx, goodID, e.rt))
	require.NoError(t, e.evals.Run(ctx, goodID, e.rt))
	var again struct{ Evaluation gqlEvaluation }
	ml.mustQuery(`query($id: ID!) { evaluation(id: $id) { `+evaluationFields+` } }`, map[string]any{"id": good.ID}, &again)
	require.Equal(t, "SUCCEEDED", again.Evaluation.Status)
	require.Equal(t, good.Scores, again.Evaluation.Scores)
	require.Len(t, again.Evaluation.Items, 8)
}

// TestRegistryEvalAdversarial: datasets, evaluations and model versions of another project
// are NOT_FOUND; labeler, technician and scanner may not create or fill datasets or
// evaluate; volumes join a dataset only with an approved cone label, whose marks are frozen.
func TestRegistryEvalAdversarial(t *testing.T) {
	e := newEvalAPI(t)
	ctx := context.Background()
	_, mlTok := e.accountFor(rbac.RoleMLEngineer)
	ml := e.asUser(mlTok)
	var created struct {
		CreateDataset struct{ ID, Name, Task string }
	}
	ml.mustQuery(`mutation { createDataset(name: "approved", task: "cones", description: "approved labels") { id name task } }`, nil, &created)
	dsID := created.CreateDataset.ID
	require.Equal(t, "cones", created.CreateDataset.Task)
	res := ml.query(`mutation { createDataset(name: "approved", task: "cones") { id } }`, nil)
	require.Equal(t, []string{"CONFLICT"}, codesAt(res, "createDataset"))
	res = ml.query(`mutation { createDataset(name: "caps", task: "capillaries") { id } }`, nil)
	require.Equal(t, []string{"INVALID_INPUT"}, codesAt(res, "createDataset"))

	// Two volumes of this project, imported with marks into another dataset.
	_, vols := ml.importConfocal("source", "JC_0364", 2)
	v0, v1 := gid.Encode("Volume", vols[0].VolumeID), gid.Encode("Volume", vols[1].VolumeID)
	add := `mutation($d: ID!, $v: [ID!]!) { addToDataset(datasetId: $d, volumeIds: $v) { id itemCount items { volume { id } marks source } } }`
	res = ml.query(add, map[string]any{"d": dsID, "v": []string{v0, v1}})
	require.Equal(t, []string{"INVALID_INPUT"}, codesAt(res, "addToDataset"))
	require.Contains(t, res.Errors[0].Message, v0)
	require.Contains(t, res.Errors[0].Message, v1)

	// v0's cone label approved: it joins with the approved version's marks; v1 still may not.
	v, err := db.VolumeByID(ctx, e.raw, vols[0].VolumeID)
	require.NoError(t, err)
	pts := make([]imaging.Point, 0, 40)
	for i := range 40 {
		pts = append(pts, imaging.Point{X: float64(10 + 3*i), Y: float64(20 + 2*i)})
	}
	l, err := e.labels.ImportMarks(ctx, v, pts, "labeler@example.org")
	require.NoError(t, err)
	l, err = e.labels.Submit(ctx, l.ID, l.Version, "labeler@example.org")
	require.NoError(t, err)
	_, err = e.labels.Review(ctx, l.ID, l.Version, labels.Verdict{Approve: true}, "reviewer@example.org")
	require.NoError(t, err)
	res = ml.query(add, map[string]any{"d": dsID, "v": []string{v0, v1}})
	require.Equal(t, []string{"INVALID_INPUT"}, codesAt(res, "addToDataset"))
	require.Contains(t, res.Errors[0].Message, v1)
	require.NotContains(t, res.Errors[0].Message, v0)
	var added struct {
		AddToDataset struct {
			ItemCount int
			Items     []struct {
				Volume struct{ ID string }
				Marks  int
				Source string
			}
		}
	}
	ml.mustQuery(add, map[string]any{"d": dsID, "v": []string{v0}}, &added)
	require.Equal(t, 1, added.AddToDataset.ItemCount)
	require.Equal(t, v0, added.AddToDataset.Items[0].Volume.ID)
	require.Equal(t, 40, added.AddToDataset.Items[0].Marks)
	require.Equal(t, "label", added.AddToDataset.Items[0].Source)
	res = ml.query(add, map[string]any{"d": dsID, "v": make([]string, evaluation.MaxAddVolumes+1)})
	require.Equal(t, []string{"INVALID_INPUT"}, codesAt(res, "addToDataset"))

	// Another project: its volume, its model version, and its account against ours.
	_, theirVols, err := e.evals.Import(ctx, e.intake, evaluation.ImportOptions{
		Dir: filepath.Join(shared.Dir(t), "data", "ao-cunefare-2017-train"), Project: "eyes", Dataset: "theirs", Eye: "OS",
		Modality: "confocal", Limit: 1})
	require.NoError(t, err)
	theirVol := gid.Encode("Volume", theirVols[0].VolumeID)
	var theirModel, theirVersion int64
	require.NoError(t, e.raw.Get(&theirModel, `INSERT INTO models (name, task, project) VALUES ('theirs', 'cones', 'eyes') RETURNING id`))
	require.NoError(t, e.raw.Get(&theirVersion, `INSERT INTO model_versions (model_id, version, weights_key, weights_sha256)
		SELECT $1, '1.0.0', weights_key, weights_sha256 FROM model_versions WHERE id = $2 RETURNING id`, theirModel, e.versions["cones-confocal"]))
	res = ml.query(add, map[string]any{"d": dsID, "v": []string{theirVol}})
	require.Equal(t, []string{"NOT_FOUND"}, codesAt(res, "addToDataset"))
	res = ml.query(`mutation($v: ID!, $d: ID!) { evaluateModel(versionId: $v, datasetId: $d) { id } }`,
		map[string]any{"v": gid.Encode("ModelVersion", theirVersion), "d": dsID})
	require.Equal(t, []string{"NOT_FOUND"}, codesAt(res, "evaluateModel"))

	_, eyesTok := testenv.Account(t, e.raw, e.policy, rbac.RoleMLEngineer, "eyes")
	eyes := e.as(eyesTok)
	res = eyes.query(add, map[string]any{"d": dsID, "v": []string{theirVol}})
	require.Equal(t, []string{"NOT_FOUND"}, codesAt(res, "addToDataset"))
	res = eyes.query(`mutation($v: ID!, $d: ID!) { evaluateModel(versionId: $v, datasetId: $d) { id } }`,
		map[string]any{"v": gid.Encode("ModelVersion", e.versions["cones-confocal"]), "d": dsID})
	require.Equal(t, []string{"NOT_FOUND"}, codesAt(res, "evaluateModel"))
	var seen struct {
		Dataset  *struct{ ID string }
		Datasets []struct{ Name string }
	}
	eyes.mustQuery(`query($d: ID!) { dataset(id: $d) { id } datasets { name } }`, map[string]any{"d": dsID}, &seen)
	require.Nil(t, seen.Dataset)
	require.Len(t, seen.Datasets, 1)
	require.Equal(t, "theirs", seen.Datasets[0].Name)

	// An evaluation of ours is NOT_FOUND to them, over queries and the subscription.
	var ev struct{ EvaluateModel struct{ ID string } }
	ml.mustQuery(`mutation($v: ID!, $d: ID!) { evaluateModel(versionId: $v, datasetId: $d) { id } }`,
		map[string]any{"v": gid.Encode("ModelVersion", e.versions["cones-confocal"]), "d": dsID}, &ev)
	var theirView struct{ Evaluation *struct{ ID string } }
	eyes.mustQuery(`query($id: ID!) { evaluation(id: $id) { id } }`, map[string]any{"id": ev.EvaluateModel.ID}, &theirView)
	require.Nil(t, theirView.Evaluation)
	sctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	conn := eyes.socket(sctx, eyesTok)
	require.NoError(t, wsjson.Write(sctx, conn, wsMessage{ID: "1", Type: "subscribe", Payload: mustJSON(map[string]any{
		"query": `subscription($id: ID!) { evaluationProgress(id: $id) { id } }`, "variables": map[string]any{"id": ev.EvaluateModel.ID}})}))
	m := eyes.readSocket(sctx, conn)
	require.Contains(t, []string{"next", "error"}, m.Type)
	require.Contains(t, string(m.Payload), "NOT_FOUND")

	// An image that cannot be segmented (its volume was rejected at upload) fails the
	// evaluation with a message, and the subscription ends on FAILED.
	var rejected int64
	require.NoError(t, e.raw.Get(&rejected, `INSERT INTO volumes (case_id, dim_z, dim_y, dim_x, dtype, size_bytes, source_format, filename, status)
		SELECT case_id, 1, 150, 150, 'uint8', 22500, 'tiff', 'broken.tif', 'REJECTED' FROM volumes WHERE id = $1 RETURNING id`, vols[0].VolumeID))
	require.NoError(t, e.evals.AddItem(ctx, datasetNamed(t, e, "broken"), rejected, "confocal", pts, db.DatasetSourceImport, nil))
	_, failed := ml.evaluate(e.versions["cones-confocal"], gid.Encode("Dataset", datasetNamed(t, e, "broken")))
	require.Equal(t, "FAILED", failed.Status)
	require.Contains(t, failed.Message, "not ready")
	require.Empty(t, failed.Scores)

	for _, role := range []string{rbac.RoleLabeler, rbac.RoleTech, rbac.RoleScanner} {
		_, tok := e.accountFor(role)
		who := e.as(tok)
		res = who.query(`mutation { createDataset(name: "x", task: "cones") { id } }`, nil)
		require.Equal(t, []string{"FORBIDDEN"}, codesAt(res, "createDataset"), role)
		res = who.query(add, map[string]any{"d": dsID, "v": []string{v0}})
		require.Equal(t, []string{"FORBIDDEN"}, codesAt(res, "addToDataset"), role)
		res = who.query(`mutation($v: ID!, $d: ID!) { evaluateModel(versionId: $v, datasetId: $d) { id } }`,
			map[string]any{"v": gid.Encode("ModelVersion", e.versions["cones-confocal"]), "d": dsID})
		require.Equal(t, []string{"FORBIDDEN"}, codesAt(res, "evaluateModel"), role)
	}
}

// datasetNamed returns the id of dataset name of the default project, making it when new.
func datasetNamed(t *testing.T, e *evalAPI, name string) int64 {
	t.Helper()
	d, err := db.DatasetByName(context.Background(), e.raw, "default", name)
	if err == nil {
		return d.ID
	}
	d, err = e.evals.CreateDataset(context.Background(), "default", name, "cones", "", nil)
	require.NoError(t, err)
	return d.ID
}

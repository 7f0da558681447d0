package apitest

import (
	"context"
	"github.com/aomas/aomas/internal/testenv/shared"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"

	"github.com/aomas/aomas/imaging"
	"github.com/aomas/aomas/internal/auth"
	"github.com/aomas/aomas/internal/imageio"
	"github.com/aomas/aomas/internal/intake"
	"github.com/aomas/aomas/internal/labels"
	"github.com/aomas/aomas/internal/testenv"
	"github.com/aomas/aomas/jobs"
	"github.com/aomas/aomas/jobs/worker"
	"github.com/aomas/aomas/rbac"
	"github.com/aomas/aomas/resolvers"
	"github.com/aomas/aomas/server"
)

// newPipelineAPI is newAPI with the pipeline wired in and an in-process worker consuming
// its steps, so that uploads are run and measured over HTTP as in production. The api's
// token is a technician's (every project).
func newPipelineAPI(t *testing.T) *api { t.Helper(); return newPipelineAPIWith(t, nil) }

// newPipelineAPIWith is newPipelineAPI whose worker runs models (nil: classical only), with
// the test models (testenv.ConvModels) registered as deployed when it does.
func newPipelineAPIWith(t *testing.T, models *worker.Models) *api {
	t.Helper()
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
	res := &resolvers.Resolver{
		Checker: checker, DB: conn, Store: store,
		Intake:   &intake.Service{DB: conn, Store: store, SubjectKey: []byte("test-subject-key-0123"), MaxBytes: maxUpload, TempDir: t.TempDir()},
		Labels:   &labels.Service{DB: conn, Store: store},
		Pipeline: jobs.NewPipeline(jobs.Deps{DB: conn, Queue: client, Redis: rdb, Inspector: insp, Logger: logger, MaxRetry: 2}),
		Enforcer: policy, Accounts: accounts, Audit: conn,
	}
	srv := httptest.NewServer(server.New(server.Options{
		Schema: resolvers.Schema(res, guard), Guard: guard, Checker: checker,
		Auth: &server.Auth{Accounts: accounts, Sessions: auth.NewSessions(conn, nil), Tokens: auth.NewTokens(conn, auth.TokensConfig{}),
			Login: auth.NewLimiter(auth.LoginLimit()), Audit: conn},
		MaxDepth: 12, MaxComplexity: 50000, AroundOperations: res.LoaderMiddleware(), MaxUploadBytes: maxUpload,
	}))
	t.Cleanup(srv.Close)
	w := asynq.NewServer(opt, asynq.Config{Concurrency: 2, Queues: jobs.DefaultQueues(), LogLevel: asynq.FatalLevel,
		TaskCheckInterval: 2 * time.Millisecond, DelayedTaskCheckInterval: 200 * time.Millisecond, RetryDelayFunc: worker.RetryDelay})
	require.NoError(t, w.Start(worker.NewServeMux(worker.Deps{DB: conn, Objects: store, Queue: client, Redis: rdb, Inspector: insp,
		Logger: logger, WorkerID: "calibration-test", Lease: 10 * time.Second, MaxRetry: 2, Models: models})))
	t.Cleanup(w.Shutdown)
	if models != nil {
		_, err := jobs.RegisterShipped(context.Background(), conn, store, testenv.ConvModels(), logger)
		require.NoError(t, err)
	}
	admin, _ := testenv.Account(t, conn, policy, rbac.RoleAdmin, rbac.AllProjects)
	_, tech := testenv.Account(t, conn, policy, rbac.RoleTech, rbac.AllProjects)
	return &api{t: t, url: srv.URL + "/graphql", db: &countingDB{DB: conn}, raw: conn, policy: policy, token: tech, admin: admin}
}

type calibratedVolume struct {
	ID                string
	Status            string
	UmPerPx           *float64
	PixelSizeSource   string
	DeviceCalibration *struct {
		AxialLengthMm, FieldOfViewDeg float64
		FieldOfViewPx                 int
	}
}

type measuredRun struct {
	ID      string
	Status  string
	Metrics []struct {
		Name  string
		Value float64
		Unit  string
	}
	QcFlags []struct{ Code, Message string }
	Steps   []struct {
		Name     string
		Status   string
		Attempts int
	}
}

func (r measuredRun) metric(name string) (float64, bool) {
	for _, m := range r.Metrics {
		if m.Name == name {
			return m.Value, true
		}
	}
	return 0, false
}

func (r measuredRun) flagged(code string) bool {
	for _, f := range r.QcFlags {
		if f.Code == code {
			return true
		}
	}
	return false
}

func (r measuredRun) attempts(step string) int {
	for _, s := range r.Steps {
		if s.Name == step {
			return s.Attempts
		}
	}
	return -1
}

const calibratedVolumeFields = `id status umPerPx pixelSizeSource deviceCalibration { axialLengthMm fieldOfViewDeg fieldOfViewPx }`

// uploadVolume uploads a file into caseID and returns the volume as the API reports it.
func (a *api) uploadCalibrated(caseID, name string, content []byte, input map[string]any) calibratedVolume {
	a.t.Helper()
	in := map[string]any{"caseId": caseID}
	for k, v := range input {
		in[k] = v
	}
	res := a.uploadQuery(`mutation($file: Upload!, $input: UploadVolumeInput!) { uploadVolume(file: $file, input: $input) { volume { `+
		calibratedVolumeFields+` } } }`, name, content, in)
	require.Empty(a.t, res.Errors, name)
	var d struct {
		UploadVolume struct{ Volume calibratedVolume }
	}
	require.NoError(a.t, decode(res, &d))
	return d.UploadVolume.Volume
}

// runToEnd starts a run on volumeID and waits for it to end.
func (a *api) runToEnd(volumeID, params string) measuredRun {
	a.t.Helper()
	var started struct{ StartRun struct{ ID string } }
	a.mustQuery(`mutation($v: ID!, $p: String) { startRun(input: {volumeId: $v, params: $p}) { id } }`,
		map[string]any{"v": volumeID, "p": params}, &started)
	return a.waitRunEnd(started.StartRun.ID)
}

// waitRunEnd polls run id until it is SUCCEEDED or FAILED.
func (a *api) waitRunEnd(id string) measuredRun {
	a.t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		var d struct{ Run measuredRun }
		a.mustQuery(`query($id: ID!) { run(id: $id) { id status metrics { name value unit } qcFlags { code message } steps { name status attempts } } }`,
			map[string]any{"id": id}, &d)
		if d.Run.Status == "SUCCEEDED" || d.Run.Status == "FAILED" || d.Run.Status == "CANCELED" {
			return d.Run
		}
		require.True(a.t, time.Now().Before(deadline), "run %s still %s", id, d.Run.Status)
		time.Sleep(100 * time.Millisecond)
	}
}

// sharedConfocal returns a real confocal AOSLO image of the shared set (Cunefare et al. 2017)
// as uploaded bytes, with its scale (µm/px) and the density of its experts' marks measured
// by the same estimator the pipeline uses.
func sharedConfocal(t *testing.T, stem string, umPerPx float64) ([]byte, float64) {
	t.Helper()
	root := shared.Dir(t)
	dir := filepath.Join(root, "data", "ao-cunefare-2017-train", "confocal")
	b, err := os.ReadFile(filepath.Join(dir, "images", stem+".tif"))
	require.NoError(t, err)
	img, err := imageio.ReadImage(filepath.Join(dir, "images", stem+".tif"))
	require.NoError(t, err)
	marks, err := imageio.ReadPoints(filepath.Join(dir, "manual_coords", stem+"_manualcoord.txt"), true)
	require.NoError(t, err)
	m := imaging.ConeMetrics(marks, img.W, img.H, umPerPx, imaging.ConeMetricsOptions{})
	return b, m.DensityPerMM2.Value
}

// TestCalibrationOnRealImages is the must-show of calibration, on real AOSLO images over
// the API: an upload with umPerPx measures within 10% of the experts' density; a TIFF that
// carries only the 72-dpi default has no pixel size (no µm metric, UNCALIBRATED), and
// setting the pixel size afterwards re-runs metrics and QC only and gives the right density;
// a device calibration converts with the Bennett 1994 formula; a technician of another
// project cannot calibrate the volume.
func TestCalibrationOnRealImages(t *testing.T) {
	a := newPipelineAPI(t)
	const um = 0.4746 // JC_0007's scale in the data set's scale file
	const params = `{"eccentricityDeg": 0.65, "modality": "confocal"}`
	caseID := a.createCase("S-CALIB")

	// 1. Stated with the upload: used by the pipeline, whatever the TIFF's 72-dpi tag says.
	stated, want := sharedConfocal(t, "JC_0007_BL_0.08_aligned_CenterCropped", um)
	v := a.uploadCalibrated(caseID, "JC_0007_BL_0.08.tif", stated, map[string]any{"umPerPx": um})
	require.Equal(t, "UPLOADER", v.PixelSizeSource)
	require.NotNil(t, v.UmPerPx)
	require.InDelta(t, um, *v.UmPerPx, 1e-9)
	run := a.runToEnd(v.ID, params)
	require.Equal(t, "SUCCEEDED", run.Status)
	got, ok := run.metric("cone_density")
	require.True(t, ok, "a calibrated run reports cone_density: %+v", run.Metrics)
	t.Logf("stated umPerPx: density %.0f cells/mm², experts' marks %.0f (%.1f%%)", got, want, 100*(got/want-1))
	require.InEpsilon(t, want, got, 0.10, "density within 10%% of the experts' marks")
	require.False(t, run.flagged("UNCALIBRATED"))
	require.Empty(t, run.QcFlags, "a normal subject's real AO image raises no flag (density in range, a cone ring, spacings agree)")

	// 2. No physical pixel size: the TIFF's resolution is the 72-dpi default, which is none.
	bare, want2 := sharedConfocal(t, "JC_0007_TR_0.38_aligned_CenterCropped", um)
	v2 := a.uploadCalibrated(caseID, "JC_0007_TR_0.38.tif", bare, nil)
	require.Equal(t, "NONE", v2.PixelSizeSource)
	require.Nil(t, v2.UmPerPx, "no pixel size is guessed from a 72-dpi tag")
	run2 := a.runToEnd(v2.ID, params)
	require.Equal(t, "SUCCEEDED", run2.Status)
	require.True(t, run2.flagged("UNCALIBRATED"), "%+v", run2.QcFlags)
	for _, m := range run2.Metrics {
		require.NotContains(t, []string{"µm", "cells/mm²"}, m.Unit, "no µm-based metric without a pixel size: %s", m.Name)
	}
	_, ok = run2.metric("cone_count")
	require.True(t, ok, "pixel-unit metrics are still produced")
	_, ok = run2.metric("icd_px")
	require.True(t, ok)

	// 3. Set afterwards: the latest run's metrics and QC run again, segmentation does not.
	var set struct {
		SetVolumeCalibration struct {
			Volume calibratedVolume
			Run    *struct{ ID string }
		}
	}
	a.mustQuery(`mutation($v: ID!, $um: Float) { setVolumeCalibration(input: {volumeId: $v, umPerPx: $um}) { volume { `+
		calibratedVolumeFields+` } run { id } } }`, map[string]any{"v": v2.ID, "um": um}, &set)
	require.Equal(t, "UPLOADER", set.SetVolumeCalibration.Volume.PixelSizeSource)
	require.NotNil(t, set.SetVolumeCalibration.Run)
	require.Equal(t, run2.ID, set.SetVolumeCalibration.Run.ID)
	rerun := a.waitRunEnd(run2.ID)
	require.Equal(t, "SUCCEEDED", rerun.Status)
	require.Equal(t, 1, rerun.attempts("segment"), "segmentation is not run again")
	require.Equal(t, 2, rerun.attempts("metrics"), "metrics run again")
	require.Equal(t, 2, rerun.attempts("qc"))
	got2, ok := rerun.metric("cone_density")
	require.True(t, ok)
	t.Logf("calibrated afterwards: density %.0f cells/mm², experts' marks %.0f (%.1f%%)", got2, want2, 100*(got2/want2-1))
	require.InEpsilon(t, want2, got2, 0.10)
	require.False(t, rerun.flagged("UNCALIBRATED"))
	_, ok = rerun.metric("icd_px")
	require.False(t, ok, "the pixel-unit stand-ins are replaced")

	// 4. A device calibration: field of view and axial length, Bennett et al. 1994.
	fovDeg := um * 150 / (0.01306 * (24 - 1.82) * 1000)
	a.mustQuery(`mutation($v: ID!, $d: DeviceCalibrationInput) { setVolumeCalibration(input: {volumeId: $v, device: $d}) { volume { `+
		calibratedVolumeFields+` } run { id } } }`,
		map[string]any{"v": v2.ID, "d": map[string]any{"axialLengthMm": 24, "fieldOfViewDeg": fovDeg, "fieldOfViewPx": 150}}, &set)
	dv := set.SetVolumeCalibration.Volume
	require.Equal(t, "DEVICE", dv.PixelSizeSource)
	require.InDelta(t, um, *dv.UmPerPx, 1e-9)
	require.NotNil(t, dv.DeviceCalibration)
	require.Equal(t, 150, dv.DeviceCalibration.FieldOfViewPx)
	rerun = a.waitRunEnd(run2.ID)
	got3, _ := rerun.metric("cone_density")
	require.InEpsilon(t, got2, got3, 1e-6, "the same pixel size from the device gives the same density")

	// Refused inputs.
	for _, in := range []map[string]any{
		{"volumeId": v2.ID},
		{"volumeId": v2.ID, "umPerPx": -1},
		{"volumeId": v2.ID, "umPerPx": 0.5, "device": map[string]any{"axialLengthMm": 24, "fieldOfViewDeg": 1, "fieldOfViewPx": 100}},
		{"volumeId": v2.ID, "device": map[string]any{"axialLengthMm": 3, "fieldOfViewDeg": 1, "fieldOfViewPx": 100}},
	} {
		res := a.query(`mutation($in: SetVolumeCalibrationInput!) { setVolumeCalibration(input: $in) { volume { id } } }`, map[string]any{"in": in})
		require.Len(t, res.Errors, 1, "%v", in)
		require.Equal(t, "INVALID_INPUT", res.Errors[0].Extensions["code"], "%v", in)
	}

	// Another project's technician neither calibrates the volume nor learns it exists.
	_, tok := testenv.Account(t, a.raw, a.policy, rbac.RoleTech, "eyes")
	res := a.as(tok).query(`mutation($v: ID!) { setVolumeCalibration(input: {volumeId: $v, umPerPx: 9}) { volume { id } } }`,
		map[string]any{"v": v2.ID})
	require.Len(t, res.Errors, 1)
	require.Equal(t, "NOT_FOUND", res.Errors[0].Extensions["code"])
	// A labeler of the same project may not calibrate.
	_, ltok := testenv.Account(t, a.raw, a.policy, rbac.RoleLabeler, rbac.AllProjects)
	res = a.as(ltok).query(`mutation($v: ID!) { setVolumeCalibration(input: {volumeId: $v, umPerPx: 9}) { volume { id } } }`,
		map[string]any{"v": v2.ID})
	require.Equal(t, "FORBIDDEN", res.Errors[0].Extensions["code"])
	var after struct{ Volume calibratedVolume }
	a.mustQuery(`query($id: ID!) { volume(id: $id) { `+calibratedVolumeFields+` } }`, map[string]any{"id": v2.ID}, &after)
	require.InDelta(t, um, *after.Volume.UmPerPx, 1e-9, "the refused calls changed nothing")
}

// TestNonRetinalDICOMIsNeverMeasured: an MR slice and a CT image uploaded into an AO case
// are kept, but a run on them measures nothing and says why (NOT_AO_IMAGE).
func TestNonRetinalDICOMIsNeverMeasured(t *testing.T) {
	a := newPipelineAPI(t)
	caseID := a.createCase("S-NOT-AO")
	for _, tc := range []struct{ name, file string }{
		{"MR", "3.dcm"},
		{"CT", "5.dcm"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := a.uploadCalibrated(caseID, tc.file, readFile(t, "dicom", tc.file), nil)
			require.Equal(t, "READY", v.Status)
			run := a.runToEnd(v.ID, "")
			require.Equal(t, "SUCCEEDED", run.Status)
			require.True(t, run.flagged("NOT_AO_IMAGE"), "%+v", run.QcFlags)
			require.Empty(t, run.Metrics, "nothing is measured on a %s image", tc.name)
			for _, f := range run.QcFlags {
				if f.Code == "NOT_AO_IMAGE" {
					require.Contains(t, f.Message, tc.name)
				}
			}
		})
	}
}

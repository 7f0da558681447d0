package apitest

import (
	"encoding/json"
	"os"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aomas/aomas/inference"
	"github.com/aomas/aomas/internal/gid"
	"github.com/aomas/aomas/internal/testenv"
	"github.com/aomas/aomas/jobs/worker"
	"github.com/aomas/aomas/rbac"
)

var ortInit struct {
	sync.Once
	dev inference.Device
	err error
}

// newModelAPI is newPipelineAPI whose worker runs the test models (testenv.ConvModels),
// registered as shared, deployed model versions; it returns their ids by name.
func newModelAPI(t *testing.T) (*api, map[string]int64) {
	t.Helper()
	lib := os.Getenv("AOMAS_ORT_LIB")
	require.NotEmpty(t, lib, "AOMAS_ORT_LIB must name the ONNX Runtime library (make test sets it)")
	ortInit.Do(func() { ortInit.dev, ortInit.err = inference.Init(lib, inference.CPU) })
	require.NoError(t, ortInit.err)
	pool := inference.NewPool(t.TempDir(), 2)
	t.Cleanup(pool.Close)
	a := newPipelineAPIWith(t, &worker.Models{Pool: pool, Device: string(ortInit.dev)})
	ids := map[string]int64{}
	rows, err := a.raw.Queryx(`SELECT m.name, mv.id FROM model_versions mv JOIN models m ON m.id = mv.model_id`)
	require.NoError(t, err)
	defer rows.Close()
	for rows.Next() {
		var name string
		var id int64
		require.NoError(t, rows.Scan(&name, &id))
		ids[name] = id
	}
	return a, ids
}

type detectorUse struct {
	Detector, Choice string
	Device           *string
	ModelVersion     *struct {
		ID, Version, Card string
		Model             struct{ Name, Modality string }
	}
}

type segmentedRun struct {
	Segmentation *struct {
		Cones, Capillaries *detectorUse
		MeanUncertainty    *float64
	}
	Uncertainty *struct {
		CellPx, Cols, Rows int
		Values             []float64
	}
	Metrics []struct {
		Name              string
		Value             float64
		Unit              string
		Ci95Low, Ci95High *float64
	}
}

const segmentedRunQuery = `query($id: ID!) { run(id: $id) {
	segmentation { meanUncertainty
		cones { detector choice device modelVersion { id version card model { name modality } } }
		capillaries { detector choice device modelVersion { id version model { name modality } } } }
	uncertainty { cellPx cols rows values }
	metrics { name value unit ci95Low ci95High } } }`

// TestSegmentationOverTheAPI: a run on a real confocal image with the deployed models reports
// over GraphQL which models found its cones and capillaries, on which device, with their
// cards; its capillary metrics carry intervals and µm where the pixel size is known; a run
// with detector: classical reports the classical detectors.
func TestSegmentationOverTheAPI(t *testing.T) {
	a, ids := newModelAPI(t)
	const um = 0.4746
	img, _ := sharedConfocal(t, "JC_0007_BL_0.08_aligned_CenterCropped", um)
	v := a.uploadCalibrated(a.createCase("S-SEG"), "JC_0007.tif", img, map[string]any{"umPerPx": um})
	run := a.runToEnd(v.ID, `{"eccentricityDeg": 0.65}`)
	require.Equal(t, "SUCCEEDED", run.Status)
	// The registry is the ML engineer's (and researcher's) to read, not the technician's.
	_, ml := a.accountFor(rbac.RoleMLEngineer)
	var d struct{ Run segmentedRun }
	a.as(ml).mustQuery(segmentedRunQuery, map[string]any{"id": run.ID}, &d)
	seg := d.Run.Segmentation
	require.NotNil(t, seg)
	require.Equal(t, "test-cones-confocal 0.0.1", seg.Cones.Detector)
	require.Equal(t, "deployed", seg.Cones.Choice)
	require.Equal(t, "cpu", *seg.Cones.Device)
	require.Equal(t, gid.Encode("ModelVersion", ids["test-cones-confocal"]), seg.Cones.ModelVersion.ID)
	require.Equal(t, "confocal", seg.Cones.ModelVersion.Model.Modality)
	var card map[string]any
	require.NoError(t, json.Unmarshal([]byte(seg.Cones.ModelVersion.Card), &card))
	require.Equal(t, "test-cones-confocal", card["name"])
	require.Equal(t, "test-capillaries 0.0.1", seg.Capillaries.Detector)
	require.Equal(t, "any", seg.Capillaries.ModelVersion.Model.Modality)
	require.NotNil(t, seg.MeanUncertainty)
	require.NotNil(t, d.Run.Uncertainty)
	require.Len(t, d.Run.Uncertainty.Values, d.Run.Uncertainty.Cols*d.Run.Uncertainty.Rows)
	units := map[string]string{}
	for _, m := range d.Run.Metrics {
		units[m.Name] = m.Unit
		if m.Name == "capillary_area_density" {
			require.NotNil(t, m.Ci95Low)
			require.LessOrEqual(t, *m.Ci95Low, m.Value)
		}
	}
	require.Equal(t, "%", units["capillary_area_density"])
	require.Equal(t, "µm", units["capillary_diameter"], "a calibrated run measures capillaries in µm")
	require.Equal(t, "mm/mm²", units["capillary_length_density"])

	classical := a.runToEnd(v.ID, `{"eccentricityDeg": 0.65, "detector": "classical"}`)
	require.Equal(t, "SUCCEEDED", classical.Status)
	a.as(ml).mustQuery(segmentedRunQuery, map[string]any{"id": classical.ID}, &d)
	require.Equal(t, "classical-log", d.Run.Segmentation.Cones.Detector)
	require.Equal(t, "params", d.Run.Segmentation.Cones.Choice)
	require.Nil(t, d.Run.Segmentation.Cones.ModelVersion)
	require.Nil(t, d.Run.Segmentation.Cones.Device)
	require.Equal(t, "classical-hessian", d.Run.Segmentation.Capillaries.Detector)
	require.Nil(t, d.Run.Segmentation.MeanUncertainty)
}

// TestRunModelStaysInsideTheProject: startRun naming a model version of another project, or
// one that does not exist, is NOT_FOUND and makes no run; one that finds capillaries is
// INVALID_INPUT. A labeler reads which detector ran but not the model version behind it.
func TestRunModelStaysInsideTheProject(t *testing.T) {
	a, ids := newModelAPI(t)
	caseID := a.createCase("S-SEG-ADV")
	up, res := a.upload("1.dcm", readFile(t, "dicom", "1.dcm"), map[string]any{"caseId": caseID})
	require.Empty(t, res.Errors)
	vol := up.UploadVolume.Volume.ID
	var theirs int64
	require.NoError(t, a.raw.Get(&theirs, `WITH m AS (INSERT INTO models (name, task, modality, project) VALUES ('eyes-cones', 'cones', 'any', 'eyes') RETURNING id)
		INSERT INTO model_versions (model_id, version, weights_key, weights_sha256, card)
		SELECT m.id, '1', mv.weights_key, mv.weights_sha256, mv.card FROM m, model_versions mv WHERE mv.id = $1 RETURNING id`, ids["test-cones-confocal"]))
	const q = `mutation($v: ID!, $m: ID) { startRun(input: {volumeId: $v, modelVersionId: $m}) { id } }`
	for _, m := range []int64{theirs, 987654} {
		res := a.query(q, map[string]any{"v": vol, "m": gid.Encode("ModelVersion", m)})
		require.Equal(t, []string{"NOT_FOUND"}, codesAt(res, "startRun"), m)
	}
	res = a.query(q, map[string]any{"v": vol, "m": gid.Encode("ModelVersion", ids["test-capillaries"])})
	require.Equal(t, []string{"INVALID_INPUT"}, codesAt(res, "startRun"))
	require.Contains(t, res.Errors[0].Message, "finds capillaries, not cones")
	var runs int
	require.NoError(t, a.raw.Get(&runs, `SELECT count(*) FROM runs`))
	require.Zero(t, runs)
	// Its own project's model is the project's to run.
	_, eyes := testenv.Account(t, a.raw, a.policy, rbac.RoleAdmin, "eyes")
	eyesCase := a.as(eyes).createCase("S-EYES")
	up, res = a.as(eyes).upload("1.dcm", readFile(t, "dicom", "1.dcm"), map[string]any{"caseId": eyesCase})
	require.Empty(t, res.Errors)
	res = a.as(eyes).query(q, map[string]any{"v": up.UploadVolume.Volume.ID, "m": gid.Encode("ModelVersion", theirs)})
	require.Empty(t, res.Errors)
	// The registry lists the shared models and the caller's project's, and node() agrees.
	_, ml := a.accountFor(rbac.RoleMLEngineer)
	_, eyesML := testenv.Account(t, a.raw, a.policy, rbac.RoleMLEngineer, "eyes")
	listed := func(tok string) string {
		res := a.as(tok).query(`{ models { name } }`, nil)
		require.Empty(t, res.Errors)
		return string(res.Data)
	}
	require.NotContains(t, listed(ml), "eyes-cones")
	require.Contains(t, listed(ml), "test-cones-confocal")
	require.Contains(t, listed(eyesML), "eyes-cones")
	res = a.as(ml).query(`query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": gid.Encode("ModelVersion", theirs)})
	require.JSONEq(t, `{"node": null}`, string(res.Data))

	// A labeler sees which detector ran, not the model version (the registry is not theirs).
	v := a.uploadCalibrated(caseID, "JC_0007.tif", mustShared(t), map[string]any{"umPerPx": 0.4746})
	run := a.runToEnd(v.ID, "")
	require.Equal(t, "SUCCEEDED", run.Status)
	_, labeler := a.accountFor(rbac.RoleLabeler)
	res = a.as(labeler).query(`query($id: ID!) { run(id: $id) { segmentation { cones { detector modelVersion { card } } } } }`, map[string]any{"id": run.ID})
	require.Equal(t, []string{"FORBIDDEN"}, codesAt(res, "run", "segmentation", "cones", "modelVersion"))
	var d struct {
		Run struct {
			Segmentation struct{ Cones struct{ Detector string } }
		}
	}
	require.NoError(t, decode(res, &d))
	require.Equal(t, "test-cones-confocal 0.0.1", d.Run.Segmentation.Cones.Detector)
	// A scanner reads no run at all.
	_, scanner := a.accountFor(rbac.RoleScanner)
	res = a.as(scanner).query(`query($id: ID!) { run(id: $id) { segmentation { cones { detector } } } }`, map[string]any{"id": run.ID})
	require.Equal(t, []string{"FORBIDDEN"}, codesAt(res, "run"))
}

func mustShared(t *testing.T) []byte {
	b, _ := sharedConfocal(t, "JC_0007_BL_0.08_aligned_CenterCropped", 0.4746)
	return b
}

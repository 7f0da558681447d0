package apitest

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aomas/aomas/imaging"
	"github.com/aomas/aomas/internal/imageio"
)

// octPhantomTIFF writes a volume phantom as a TIFF scaled to [0, 1] by its peak: one page
// per depth (what aomas phantom --kind volume writes), or with bscans one per B-scan (how
// an OCT TIFF stated as OCT_VOLUME is read).
func octPhantomTIFF(t *testing.T, opts imaging.VolumePhantomOptions, bscans bool) []byte {
	t.Helper()
	v, _ := imaging.PhantomVolume(opts)
	var peak float32
	for _, p := range v.Vox {
		peak = max(peak, p)
	}
	var pages []*imaging.Image
	if bscans {
		for b := range v.Y {
			pages = append(pages, imaging.BScan(v, b))
		}
	} else {
		for z := range v.Z {
			pages = append(pages, &imaging.Image{W: v.X, H: v.Y, Pix: v.Vox[z*v.X*v.Y : (z+1)*v.X*v.Y]})
		}
	}
	for i, pg := range pages {
		img := imaging.NewImage(pg.W, pg.H)
		for j, p := range pg.Pix {
			img.Pix[j] = max(p, 0) / peak
		}
		pages[i] = img
	}
	var buf bytes.Buffer
	require.NoError(t, imageio.EncodeTIFF16(&buf, pages))
	return buf.Bytes()
}

// TestOCTRunMeasuresEveryLayer: a run on an OCT phantom volume, through the API and a real
// worker, takes the OCT branch of the DAG (layers instead of preprocess), records its slab
// definitions, and ends with cone, capillary (per plexus), nerve-fibre and thickness metrics.
func TestOCTRunMeasuresEveryLayer(t *testing.T) {
	a := newPipelineAPI(t)
	caseID := a.createCase("S-OCT")
	opts := imaging.VolumePhantomOptions{X: 128, Y: 32, Z: 128, Seed: 2, SNR: 10}

	// A TIFF of B-scans stated OCT_VOLUME at upload: the run takes the OCT branch by itself.
	stated := a.uploadCalibrated(caseID, "bscans.tif", octPhantomTIFF(t, opts, true), map[string]any{"umPerPx": 1.0, "volumeKind": "OCT_VOLUME"})
	require.Equal(t, "READY", stated.Status)
	r := a.octRunToEnd(stated.ID, `{"eccentricityDeg": 1.5}`)
	require.Equal(t, "SUCCEEDED", r.Status, "%+v", r)
	_, ok := r.metric("capillary_area_density_svp")
	require.True(t, ok, "%+v", r.Metrics)

	// A TIFF of depth planes (the phantom command's file) says nothing of its kind; the run
	// states it.
	vol := a.uploadCalibrated(caseID, "oct.tif", octPhantomTIFF(t, opts, false), map[string]any{"umPerPx": 1.0})
	require.Equal(t, "READY", vol.Status)
	run := a.octRunToEnd(vol.ID, `{"volumeKind": "OCT_VOLUME", "eccentricityDeg": 1.5}`)
	require.Equal(t, "SUCCEEDED", run.Status, "%+v", run)
	// Stating the other kind than the volume recorded is refused.
	res := a.query(`mutation($v: ID!) { startRun(input: {volumeId: $v, params: "{\"volumeKind\": \"FRAME_STACK\"}"}) { id } }`,
		map[string]any{"v": stated.ID})
	require.Len(t, res.Errors, 1)
	require.Equal(t, "INVALID_INPUT", res.Errors[0].Extensions["code"])
	names := map[string]float64{}
	for _, m := range run.Metrics {
		names[m.Name] = m.Value
	}
	for _, want := range []string{"cone_count", "cone_density", "nnd", "nfl_orientation", "nfl_bundle_width",
		"capillary_area_density_svp", "capillary_area_density_icp", "capillary_area_density_dcp",
		"capillary_diameter_svp", "capillary_tortuosity_dcp", "capillary_length_density_icp"} {
		require.Contains(t, names, want, "metrics %v", names)
	}
	// The TIFF states no depth sampling: thicknesses are in voxels.
	for _, l := range imaging.RetinalLayers {
		require.Contains(t, names, "thickness_"+l.Name+"_px")
	}
	require.Greater(t, names["cone_density"], 0.0)
	require.Greater(t, names["thickness_TOTAL_px"], 60.0)
	require.Less(t, names["thickness_TOTAL_px"], 110.0)

	var d struct {
		Run struct {
			Params string
			Steps  []struct{ Name, Status string }
		}
	}
	a.mustQuery(`query($id: ID!) { run(id: $id) { params steps { name status } } }`, map[string]any{"id": run.ID}, &d)
	var steps []string
	for _, s := range d.Run.Steps {
		steps = append(steps, s.Name)
	}
	require.ElementsMatch(t, []string{"validate", "layers", "segment", "metrics", "qc"}, steps)
	require.True(t, strings.Contains(d.Run.Params, `"slabs"`) && strings.Contains(d.Run.Params, `"photoreceptor"`),
		"the run records its slab definitions: %s", d.Run.Params)
}

// octRunToEnd is runToEnd with room for a loaded machine (an OCT run does more than a frame
// stack's), reporting the steps when it does not end.
func (a *api) octRunToEnd(volumeID, params string) measuredRun {
	a.t.Helper()
	var started struct{ StartRun struct{ ID string } }
	a.mustQuery(`mutation($v: ID!, $p: String) { startRun(input: {volumeId: $v, params: $p}) { id } }`,
		map[string]any{"v": volumeID, "p": params}, &started)
	deadline := time.Now().Add(5 * time.Minute)
	for {
		var d struct {
			Run measuredRun
		}
		a.mustQuery(`query($id: ID!) { run(id: $id) { id status metrics { name value unit } qcFlags { code message } steps { name status attempts } } }`,
			map[string]any{"id": started.StartRun.ID}, &d)
		if d.Run.Status == "SUCCEEDED" || d.Run.Status == "FAILED" || d.Run.Status == "CANCELED" {
			return d.Run
		}
		require.True(a.t, time.Now().Before(deadline), "run %s still %s: %+v", started.StartRun.ID, d.Run.Status, d.Run.Steps)
		time.Sleep(200 * time.Millisecond)
	}
}

package apitest

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aomas/aomas/imaging"
	"github.com/aomas/aomas/internal/imageio"
)

// octPhantomTIFF writes a volume phantom as a TIFF of depth pages (what aomas phantom
// --kind volume writes), scaled to [0, 1] by its peak.
func octPhantomTIFF(t *testing.T, opts imaging.VolumePhantomOptions) []byte {
	t.Helper()
	v, _ := imaging.PhantomVolume(opts)
	var peak float32
	for _, p := range v.Vox {
		peak = max(peak, p)
	}
	pages := make([]*imaging.Image, v.Z)
	for z := range pages {
		img := imaging.NewImage(v.X, v.Y)
		for i := range img.Pix {
			img.Pix[i] = max(v.Vox[z*v.X*v.Y+i], 0) / peak
		}
		pages[z] = img
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
	b := octPhantomTIFF(t, imaging.VolumePhantomOptions{X: 128, Y: 32, Z: 128, Seed: 2, SNR: 10})
	vol := a.uploadCalibrated(caseID, "oct.tif", b, map[string]any{"umPerPx": 1.0})
	require.Equal(t, "READY", vol.Status)

	run := a.runToEnd(vol.ID, `{"volumeKind": "OCT_VOLUME", "eccentricityDeg": 1.5}`)
	require.Equal(t, "SUCCEEDED", run.Status, "%+v", run)
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

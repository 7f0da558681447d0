package apitest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aomas/aomas/db"
	"github.com/aomas/aomas/imaging"
	"github.com/aomas/aomas/internal/gid"
	"github.com/aomas/aomas/internal/testenv"
	"github.com/aomas/aomas/jobs"
	"github.com/aomas/aomas/rbac"
	"github.com/aomas/aomas/resolvers"
)

var layerNames = []string{"ILM", "NFL_GCL", "IPL_INL", "OPL_ONL", "ELM", "ISOS", "COST", "RPE_BM"}

// truthZ is the synthetic depth of boundary l at (b, x) the stored layers say.
func truthZ(b, x, l int) float64 { return float64(4+5*l) + 0.25*float64(x%4) + 0.5*float64(b) }

// putArtifact stores b as the pipeline's worker does: under the step's output prefix,
// recorded with its size and SHA-256 against the run.
func (a *api) putArtifact(run int64, step, name, contentType, kind string, b []byte) {
	a.t.Helper()
	sum := sha256.Sum256(b)
	digest := hex.EncodeToString(sum[:])
	key := jobs.OutputPrefix(run, step, digest) + name
	obj, err := a.store.Put(context.Background(), key, bytes.NewReader(b), int64(len(b)), contentType)
	require.NoError(a.t, err)
	_, err = db.RecordArtifact(context.Background(), a.raw, db.Artifact{ObjectKey: key, SizeBytes: obj.Size, SHA256: obj.SHA256,
		ContentType: contentType, RunID: &run, Step: &step, Kind: kind})
	require.NoError(a.t, err)
}

// storedLayersRun makes a SUCCEEDED run of an nx×ny (B-scans) volume whose layers step stored
// its boundaries (CSV bscan,x,layer,z; ISOS left out on B-scan 1), the thickness map of the
// retina in depth pixels, a photoreceptor slab image, and slab definitions in its parameters.
func (a *api) storedLayersRun(volumeID string, nx, ny int) string {
	a.t.Helper()
	_, vol, err := gid.Decode(volumeID)
	require.NoError(a.t, err)
	params := `{"slabs": [{"name": "photoreceptor", "top": "ISOS", "bottom": "COST", "topOffsetPx": -2, "bottomOffsetPx": 2, "mode": "mean"},
		{"name": "svp", "top": "ILM", "bottom": "IPL_INL", "mode": "max"}]}`
	var run int64
	require.NoError(a.t, a.raw.Get(&run, `INSERT INTO runs (volume_id, status, params) VALUES ($1, 'SUCCEEDED', $2) RETURNING id`, vol, params))
	var csv bytes.Buffer
	csv.WriteString("bscan,x,layer,z\n")
	for b := range ny {
		for x := range nx {
			for l, name := range layerNames {
				if name == "ISOS" && b == 1 {
					continue
				}
				fmt.Fprintf(&csv, "%d,%d,%s,%.2f\n", b, x, name, truthZ(b, x, l))
			}
		}
	}
	a.putArtifact(run, "layers", "layers.csv", "text/csv", "layers", csv.Bytes())
	g := imaging.ScalarGrid{CellPx: 8, Cols: (nx + 7) / 8, Rows: (ny + 7) / 8}
	for i := range g.Cols * g.Rows {
		g.Values = append(g.Values, 35+float64(i))
	}
	grid, err := json.Marshal(g)
	require.NoError(a.t, err)
	a.putArtifact(run, "layers", "thickness-TOTAL.json", "application/json", "thickness:TOTAL", grid)
	a.putArtifact(run, "layers", "slab-photoreceptor.f32", "application/octet-stream", "slab:photoreceptor", make([]byte, 4*nx*ny))
	a.putArtifact(run, "layers", "slab-photoreceptor.png", "image/png", "slab-preview:photoreceptor", []byte("\x89PNG\r\n\x1a\n"))
	a.putArtifact(run, "layers", "slab-nfl.f32", "application/octet-stream", "slab:nfl", make([]byte, 4*nx*ny))
	return gid.Encode("Run", run)
}

// octVolume uploads a raw z×y×x volume (depth 48, 6 B-scans of 32 A-scans) with the stated spacing.
func (a *api) octVolume(caseID string, spacing []float64) string {
	a.t.Helper()
	sidecar := map[string]any{"dims": []int{48, 6, 32}, "dtype": "uint16"}
	if spacing != nil {
		sidecar["spacingUm"] = spacing
	}
	sc, _ := json.Marshal(sidecar)
	up, res := a.upload("oct.raw", rawVolume(48, 6, 32), map[string]any{"caseId": caseID, "sidecar": string(sc)})
	require.Empty(a.t, res.Errors)
	require.Equal(a.t, "READY", up.UploadVolume.Volume.Status)
	return up.UploadVolume.Volume.ID
}

const layersQuery = `query($id: ID!, $b: Int!) { run(id: $id) { layers(bscan: $b) { layer z }
	volume { dims { x y z } layerCorrections(bscan: $b) { bscan layer points { x z } z } } } }`

type layersData struct {
	Run struct {
		Layers []struct {
			Layer string
			Z     []*float64
		}
		Volume struct {
			Dims             struct{ X, Y, Z int }
			LayerCorrections []struct {
				Bscan  int
				Layer  string
				Points []struct{ X, Z float64 }
				Z      []float64
			}
		}
	}
}

const saveBoundary = `mutation($in: SaveLayerBoundaryInput!) { saveLayerBoundary(input: $in) { id kind version state history { changes } } }`

// TestRunLayersAndCorrections: an analyst reads a B-scan's boundaries as the layers step
// stored them, thickness maps in µm only through a recorded depth spacing, and the slabs; a
// labeler corrects a boundary (a new version of the volume's layers label, history saying
// which), the correction reads back; the analyst may read but not correct; bounds hold.
func TestRunLayersAndCorrections(t *testing.T) {
	a := newAPI(t)
	caseID := a.createCase("S-OCT")
	volumeID := a.octVolume(caseID, []float64{5.7, 11.5, 3.9})
	runID := a.storedLayersRun(volumeID, 32, 6)
	_, resTok := a.accountFor(rbac.RoleResearcher)
	analyst := a.as(resTok)
	_, labTok := a.accountFor(rbac.RoleLabeler)
	labeler := a.as(labTok)

	var d layersData
	analyst.mustQuery(layersQuery, map[string]any{"id": runID, "b": 2}, &d)
	require.Len(t, d.Run.Layers, 8)
	for l, bd := range d.Run.Layers {
		require.Equal(t, layerNames[l], bd.Layer, "inner to outer")
		require.Len(t, bd.Z, 32)
		for x, z := range bd.Z {
			require.NotNil(t, z)
			require.InDelta(t, truthZ(2, x, l), *z, 1e-4)
		}
	}
	require.Empty(t, d.Run.Volume.LayerCorrections)
	analyst.mustQuery(layersQuery, map[string]any{"id": runID, "b": 1}, &d)
	require.Len(t, d.Run.Layers, 7, "ISOS was found nowhere on B-scan 1")
	require.NotContains(t, fmt.Sprint(d.Run.Layers), "ISOS")

	// Out of the volume, or too many B-scans in one request.
	for _, b := range []int{-1, 6} {
		res := analyst.query(layersQuery, map[string]any{"id": runID, "b": b})
		require.Contains(t, codesAt(res, "run", "layers"), "INVALID_INPUT", "B-scan %d", b)
	}
	var many strings.Builder
	many.WriteString(`query($id: ID!) { run(id: $id) {`)
	for i := 0; i <= resolvers.MaxBScanFieldsPerOperation; i++ {
		fmt.Fprintf(&many, ` b%d: layers(bscan: %d) { layer }`, i, i)
	}
	many.WriteString(` } }`)
	res := analyst.query(many.String(), map[string]any{"id": runID})
	refused := 0
	for i := 0; i <= resolvers.MaxBScanFieldsPerOperation; i++ {
		if contains(codesAt(res, "run", fmt.Sprintf("b%d", i)), "INVALID_INPUT") {
			refused++
		}
	}
	require.Equal(t, 1, refused, "one field over the bound is refused: %s", res.Errors)

	// Thickness: depth pixels × the recorded depth spacing (3.9 µm).
	const thick = `query($id: ID!, $l: String!) { run(id: $id) { thicknessLayers thicknessMap(layer: $l) { layer unit grid { cellPx cols rows values } }
		slabs { name top bottom topOffsetPx bottomOffsetPx projection image { kind contentType } } } }`
	var th struct {
		Run struct {
			ThicknessLayers []string
			ThicknessMap    *struct {
				Layer, Unit string
				Grid        struct {
					CellPx, Cols, Rows int
					Values             []float64
				}
			}
			Slabs []struct {
				Name, Top, Bottom           *string
				TopOffsetPx, BottomOffsetPx *float64
				Projection                  *string
				Image                       *struct{ Kind, ContentType string }
			}
		}
	}
	analyst.mustQuery(thick, map[string]any{"id": runID, "l": "TOTAL"}, &th)
	require.Equal(t, []string{"TOTAL"}, th.Run.ThicknessLayers)
	require.NotNil(t, th.Run.ThicknessMap)
	require.Equal(t, "µm", th.Run.ThicknessMap.Unit)
	require.Equal(t, 4, th.Run.ThicknessMap.Grid.Cols)
	require.InDelta(t, 35*3.9, th.Run.ThicknessMap.Grid.Values[0], 1e-9)
	require.Len(t, th.Run.Slabs, 3, "the two defined, and one projected without a definition")
	require.Equal(t, "photoreceptor", *th.Run.Slabs[0].Name)
	require.Equal(t, "ISOS", *th.Run.Slabs[0].Top)
	require.Equal(t, -2.0, *th.Run.Slabs[0].TopOffsetPx)
	require.Equal(t, "slab-preview:photoreceptor", th.Run.Slabs[0].Image.Kind)
	require.Equal(t, "image/png", th.Run.Slabs[0].Image.ContentType)
	require.Nil(t, th.Run.Slabs[1].Image, "the svp slab was defined, not projected")
	require.Equal(t, "nfl", *th.Run.Slabs[2].Name)
	require.Nil(t, th.Run.Slabs[2].Top)
	require.Nil(t, th.Run.Slabs[2].Image, "its float32 projection is no image for the browser")
	analyst.mustQuery(thick, map[string]any{"id": runID, "l": "ILM"}, &th)
	require.Nil(t, th.Run.ThicknessMap, "no map stored for ILM")
	res = analyst.query(thick, map[string]any{"id": runID, "l": "../x"})
	require.Contains(t, codesAt(res, "run", "thicknessMap"), "INVALID_INPUT")

	// Without a depth spacing the map stays in px: never a guessed µm.
	pxRun := a.storedLayersRun(a.octVolume(caseID, nil), 32, 6)
	analyst.mustQuery(thick, map[string]any{"id": pxRun, "l": "TOTAL"}, &th)
	require.Equal(t, "px", th.Run.ThicknessMap.Unit)
	require.InDelta(t, 35, th.Run.ThicknessMap.Grid.Values[0], 1e-9)

	// A labeler corrects ILM on B-scan 2.
	points := []map[string]any{{"x": 0, "z": 6}, {"x": 15, "z": 10}, {"x": 31, "z": 6}}
	in := map[string]any{"volumeId": volumeID, "bscan": 2, "layer": "ILM", "baseVersion": 0, "points": points}
	var saved struct {
		SaveLayerBoundary struct {
			ID, Kind, State string
			Version         int
			History         []struct{ Changes string }
		}
	}
	labeler.mustQuery(saveBoundary, map[string]any{"in": in}, &saved)
	require.Equal(t, "layers", saved.SaveLayerBoundary.Kind)
	require.Equal(t, 1, saved.SaveLayerBoundary.Version)
	require.Equal(t, "DRAFT", saved.SaveLayerBoundary.State)
	require.Equal(t, "ILM on B-scan 2 corrected", saved.SaveLayerBoundary.History[0].Changes)

	// It reads back (for the analyst too), and only on its B-scan.
	analyst.mustQuery(layersQuery, map[string]any{"id": runID, "b": 2}, &d)
	require.Len(t, d.Run.Volume.LayerCorrections, 1)
	c := d.Run.Volume.LayerCorrections[0]
	require.Equal(t, "ILM", c.Layer)
	require.Equal(t, 2, c.Bscan)
	require.Equal(t, []struct{ X, Z float64 }{{0, 6}, {15, 10}, {31, 6}}, c.Points)
	require.Len(t, c.Z, 32)
	require.InDelta(t, 6+4*7.0/15, c.Z[7], 1e-9) // between (0, 6) and (15, 10)
	require.InDelta(t, 8, c.Z[23], 1e-9)         // halfway from (15, 10) to (31, 6)
	require.InDelta(t, truthZ(2, 5, 0), *d.Run.Layers[0].Z[5], 1e-4, "the model's boundary is kept beside it")
	analyst.mustQuery(layersQuery, map[string]any{"id": runID, "b": 3}, &d)
	require.Empty(t, d.Run.Volume.LayerCorrections)

	// A second correction from a stale base is a conflict: nothing is overwritten.
	res = labeler.query(saveBoundary, map[string]any{"in": in})
	require.Equal(t, []string{"CONFLICT"}, codesAt(res, "saveLayerBoundary"))
	in["baseVersion"] = 1
	in["layer"] = "RPE_BM"
	in["points"] = []map[string]any{{"x": 0, "z": 40}, {"x": 31, "z": 44}}
	labeler.mustQuery(saveBoundary, map[string]any{"in": in}, &saved)
	require.Equal(t, 2, saved.SaveLayerBoundary.Version)

	// Control points outside the B-scan, out of order, or on a B-scan past the end.
	for name, change := range map[string]map[string]any{
		"deeper than the volume": {"points": []map[string]any{{"x": 0, "z": 48}, {"x": 31, "z": 44}}},
		"wider than the volume":  {"points": []map[string]any{{"x": 0, "z": 4}, {"x": 32, "z": 44}}},
		"right to left":          {"points": []map[string]any{{"x": 9, "z": 4}, {"x": 3, "z": 44}}},
		"past the last B-scan":   {"bscan": 6},
	} {
		bad := map[string]any{"volumeId": volumeID, "bscan": 2, "layer": "ILM", "baseVersion": 2, "points": points}
		for k, v := range change {
			bad[k] = v
		}
		res := labeler.query(saveBoundary, map[string]any{"in": bad})
		require.Equal(t, []string{"INVALID_INPUT"}, codesAt(res, "saveLayerBoundary"), name)
	}
	// The layers label is written only through checked boundaries.
	res = labeler.query(`mutation($v: ID!) { saveLabel(input: {volumeId: $v, kind: "layers", baseVersion: 2, document: "{}"}) { id } }`,
		map[string]any{"v": volumeID})
	require.Equal(t, []string{"INVALID_INPUT"}, codesAt(res, "saveLabel"))

	// The analyst reads, but does not correct.
	in["baseVersion"] = 2
	res = analyst.query(saveBoundary, map[string]any{"in": in})
	require.Equal(t, []string{"FORBIDDEN"}, codesAt(res, "saveLayerBoundary"))
	var lv struct {
		Volume struct {
			Labels []struct {
				Kind    string
				Version int
			}
		}
	}
	a.mustQuery(`query($v: ID!) { volume(id: $v) { labels { kind version } } }`, map[string]any{"v": volumeID}, &lv)
	require.Equal(t, 2, lv.Volume.Labels[0].Version)
}

// TestLayersStayInTheirProject: an admin of another project reaches neither the run's
// boundaries, its thickness maps, the volume's corrections, nor saves a correction there.
func TestLayersStayInTheirProject(t *testing.T) {
	a := newAPI(t)
	caseID := a.createCase("S-OCT-HOME")
	volumeID := a.octVolume(caseID, []float64{5.7, 11.5, 3.9})
	runID := a.storedLayersRun(volumeID, 32, 6)
	points := []map[string]any{{"x": 0, "z": 6}, {"x": 31, "z": 6}}
	a.mustQuery(saveBoundary, map[string]any{"in": map[string]any{"volumeId": volumeID, "bscan": 2, "layer": "ILM", "baseVersion": 0, "points": points}}, &struct{}{})

	_, tok := testenv.Account(t, a.raw, a.policy, rbac.RoleAdmin, "eyes")
	eyes := a.as(tok)
	for _, probe := range []struct{ root, q string }{
		{"run", `query($r: ID!) { run(id: $r) { layers(bscan: 2) { layer z } thicknessMap(layer: "TOTAL") { unit } slabs { name } } }`},
		{"volume", `query($v: ID!) { volume(id: $v) { layerCorrections(bscan: 2) { points { x z } } } }`},
		{"saveLayerBoundary", `mutation($v: ID!) { saveLayerBoundary(input: {volumeId: $v, bscan: 2, layer: ILM, baseVersion: 1,
			points: [{x: 0, z: 40}, {x: 31, z: 40}]}) { id } }`},
		{"saveLayerBoundary", `mutation($v: ID!) { saveLayerBoundary(input: {volumeId: $v, bscan: 3, layer: ELM, baseVersion: 0,
			points: [{x: 0, z: 40}, {x: 31, z: 40}]}) { id } }`},
	} {
		vars := map[string]any{}
		if strings.Contains(probe.q, "$r:") {
			vars["r"] = runID
		} else {
			vars["v"] = volumeID
		}
		res := eyes.query(probe.q, vars)
		require.Equal(t, []string{"NOT_FOUND"}, codesAt(res, probe.root), "%s: %s", probe.q, res.Data)
		require.NotContains(t, string(res.Data), `"z"`)
	}
	res := eyes.query(`query($id: ID!) { node(id: $id) { ... on Run { layers(bscan: 2) { z } } } }`, map[string]any{"id": runID})
	require.Empty(t, res.Errors)
	require.JSONEq(t, `{"node": null}`, string(res.Data))

	var d layersData
	a.mustQuery(layersQuery, map[string]any{"id": runID, "b": 2}, &d)
	require.Len(t, d.Run.Volume.LayerCorrections, 1)
	require.Equal(t, []struct{ X, Z float64 }{{0, 6}, {31, 6}}, d.Run.Volume.LayerCorrections[0].Points, "unchanged by the other project")
	var n int
	require.NoError(t, a.raw.Get(&n, `SELECT count(*) FROM label_versions lv JOIN labels l ON l.id = lv.label_id WHERE l.kind = 'layers'`))
	require.Equal(t, 1, n)
}

package apitest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aomas/aomas/db"
	"github.com/aomas/aomas/imaging"
	"github.com/aomas/aomas/internal/gid"
	"github.com/aomas/aomas/rbac"
	"github.com/aomas/aomas/resolvers"
)

// storedRun makes a SUCCEEDED run of volumeID whose preprocess step said umPerPx (0: not
// known) and whose segment step stored pts, as the pipeline stores them.
func (a *api) storedRun(volumeID string, w, h int, umPerPx float64, pts []imaging.Point) string {
	a.t.Helper()
	ctx := context.Background()
	_, vol, err := gid.Decode(volumeID)
	require.NoError(a.t, err)
	var run int64
	require.NoError(a.t, a.raw.Get(&run, `INSERT INTO runs (volume_id, status) VALUES ($1, 'SUCCEEDED') RETURNING id`, vol))
	_, err = a.raw.Exec(`INSERT INTO run_steps (run_id, name, status) VALUES ($1, 'preprocess', 'SUCCEEDED'), ($1, 'segment', 'SUCCEEDED')`, run)
	require.NoError(a.t, err)
	out := fmt.Sprintf(`{"w": %d, "h": %d, "um_per_px": %g}`, w, h, umPerPx)
	_, err = a.raw.Exec(`INSERT INTO run_step_tasks (run_id, name, output) VALUES ($1, 'preprocess', $2::jsonb), ($1, 'segment', '{}')`, run, out)
	require.NoError(a.t, err)
	var csv bytes.Buffer
	csv.WriteString("x,y\n")
	for _, p := range pts {
		fmt.Fprintf(&csv, "%.3f,%.3f\n", p.X, p.Y)
	}
	key := fmt.Sprintf("runs/%d/segment/points.csv", run)
	_, err = a.store.Put(ctx, key, bytes.NewReader(csv.Bytes()), int64(csv.Len()), "text/csv")
	require.NoError(a.t, err)
	sum := sha256.Sum256(csv.Bytes())
	step := "segment"
	_, err = db.RecordArtifact(ctx, a.raw, db.Artifact{ObjectKey: key, SizeBytes: int64(csv.Len()), SHA256: hex.EncodeToString(sum[:]),
		ContentType: "text/csv", RunID: &run, Step: &step, Kind: "points"})
	require.NoError(a.t, err)
	return gid.Encode("Run", run)
}

// hexLattice is a jittered hexagonal mosaic of pitch px filling a size×size image.
func hexLattice(size int, pitch float64) []imaging.Point {
	var pts []imaging.Point
	for r := 0; float64(r)*pitch*math.Sqrt(3)/2 < float64(size); r++ {
		for c := 0; float64(c)*pitch < float64(size); c++ {
			x := float64(c)*pitch + float64(r%2)*pitch/2 + 0.2*math.Sin(float64(3*r+c))
			y := float64(r)*pitch*math.Sqrt(3)/2 + 0.2*math.Cos(float64(r+7*c))
			if x < float64(size) && y < float64(size) {
				pts = append(pts, imaging.Point{X: x, Y: y})
			}
		}
	}
	return pts
}

// TestRunCellDistributions: a run's per-cell NND, ICD and area histograms come from its
// stored cone marks in the pixel size its metrics used (px when that is unknown, never a
// guessed µm), for the roles that read metrics and not for labelers or scanners; bins are bounded.
func TestRunCellDistributions(t *testing.T) {
	a := newAPI(t)
	fx := a.fixtures()
	const size, pitch, um = 200, 8.0, 0.75
	pts := hexLattice(size, pitch)
	runID := a.storedRun(fx.volumeID, size, size, um, pts)
	cells := imaging.ConeCells(pts, size, size)
	require.Greater(t, len(cells), 300)

	type hist struct {
		Unit     string
		Min      float64
		BinWidth float64
		Counts   []int
		Total    int
		Mean     float64
	}
	var d struct {
		Run struct {
			CellDistributions *struct{ Nnd, Icd, Area hist }
		}
	}
	q := `query($id: ID!, $bins: Int) { run(id: $id) { cellDistributions(bins: $bins) {
		nnd { unit min binWidth counts total mean } icd { unit min binWidth counts total mean } area { unit min binWidth counts total mean } } } }`
	_, resTok := a.accountFor(rbac.RoleResearcher)
	researcher := a.as(resTok)
	researcher.mustQuery(q, map[string]any{"id": runID, "bins": 12}, &d)
	cd := d.Run.CellDistributions
	require.NotNil(t, cd)
	require.Equal(t, "µm", cd.Nnd.Unit)
	require.Equal(t, "µm", cd.Icd.Unit)
	require.Equal(t, "µm²", cd.Area.Unit)
	for _, h := range []hist{cd.Nnd, cd.Icd, cd.Area} {
		require.Len(t, h.Counts, 12)
		require.Equal(t, len(cells), h.Total)
		n := 0
		for _, c := range h.Counts {
			n += c
		}
		require.Equal(t, h.Total, n, "every cell is in a bin")
	}
	// A hexagonal mosaic of pitch 8 px at 0.75 µm/px: ICD ≈ 6 µm, cell area ≈ (√3/2)·6² µm², and
	// NND a little under the pitch (the nearest of six jittered neighbours).
	require.InEpsilon(t, pitch*um, cd.Icd.Mean, 0.02)
	require.InEpsilon(t, math.Sqrt(3)/2*(pitch*um)*(pitch*um), cd.Area.Mean, 0.02)
	require.InEpsilon(t, pitch*um, cd.Nnd.Mean, 0.05)
	require.Less(t, cd.Nnd.Mean, cd.Icd.Mean)

	// Bounded.
	for _, bins := range []int{4, 101} {
		res := researcher.query(q, map[string]any{"id": runID, "bins": bins})
		require.Equal(t, []string{"INVALID_INPUT"}, codesAt(res, "run", "cellDistributions"), "bins %d", bins)
	}

	// No pixel size known: pixels, not a guessed micrometre.
	pxRun := a.storedRun(fx.volumeID, size, size, 0, pts)
	researcher.mustQuery(q, map[string]any{"id": pxRun, "bins": 12}, &d)
	require.Equal(t, "px", d.Run.CellDistributions.Nnd.Unit)
	require.Equal(t, "px", d.Run.CellDistributions.Icd.Unit)
	require.Equal(t, "px²", d.Run.CellDistributions.Area.Unit)
	require.InEpsilon(t, pitch, d.Run.CellDistributions.Icd.Mean, 0.02)

	// Calibrated after the run (setVolumeCalibration re-runs metrics only): the metrics step's
	// pixel size wins over the one preprocessing had (none here).
	_, pxRunID, err := gid.Decode(pxRun)
	require.NoError(t, err)
	_, err = a.raw.Exec(`INSERT INTO run_steps (run_id, name, status) VALUES ($1, 'metrics', 'SUCCEEDED')`, pxRunID)
	require.NoError(t, err)
	_, err = a.raw.Exec(`INSERT INTO run_step_tasks (run_id, name, output) VALUES ($1, 'metrics', '{"um_per_px": 0.5}'::jsonb)`, pxRunID)
	require.NoError(t, err)
	researcher.mustQuery(q, map[string]any{"id": pxRun, "bins": 12}, &d)
	require.Equal(t, "µm", d.Run.CellDistributions.Icd.Unit)
	require.InEpsilon(t, pitch*0.5, d.Run.CellDistributions.Icd.Mean, 0.02)

	// One request may not multiply the work: at most MaxCellDistributionsPerOperation.
	var many strings.Builder
	many.WriteString(`query($id: ID!) { run(id: $id) {`)
	for i := 0; i <= resolvers.MaxCellDistributionsPerOperation; i++ {
		fmt.Fprintf(&many, ` c%d: cellDistributions(bins: %d) { nnd { total } }`, i, 10+i)
	}
	many.WriteString(` } }`)
	res := researcher.query(many.String(), map[string]any{"id": runID})
	refused := 0
	for i := 0; i <= resolvers.MaxCellDistributionsPerOperation; i++ {
		if slices.Contains(codesAt(res, "run", fmt.Sprintf("c%d", i)), "INVALID_INPUT") {
			refused++
		}
	}
	require.Equal(t, 1, refused, "one field over the bound is refused: %s", res.Errors)

	// Labelers do not read metrics, nor these; scanners not even the run.
	_, labTok := a.accountFor(rbac.RoleLabeler)
	res = a.as(labTok).query(q, map[string]any{"id": runID})
	require.Contains(t, codesAt(res, "run", "cellDistributions", "nnd"), "FORBIDDEN")
	require.NotContains(t, string(res.Data), `"mean"`)
	_, scanTok := a.accountFor(rbac.RoleScanner)
	require.Equal(t, []string{"FORBIDDEN"}, codesAt(a.as(scanTok).query(q, map[string]any{"id": runID}), "run"))
}

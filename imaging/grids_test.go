package imaging

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestOrientationGridFollowsTheFibres: the grid of a curved-fibre phantom points along the
// truth at each cell centre, and its JSON round-trips.
func TestOrientationGridFollowsTheFibres(t *testing.T) {
	img, truth := PhantomNerveFibres(NervePhantomOptions{Size: 256, Seed: 5, OrientationDeg: 150, CurvatureRadiusPx: 400})
	r := NerveFibreOrientation(img, NerveOptions{})
	g := OrientationGrid(r)
	require.Equal(t, 8, g.CellPx, "256 px: the 8 px floor")
	require.Equal(t, 32, g.Cols)
	require.Equal(t, 32, g.Rows)
	require.Len(t, g.AngleDeg, 32*32)
	worst := 0.0
	for row := 1; row < g.Rows-1; row++ {
		for col := 1; col < g.Cols-1; col++ {
			k := row*g.Cols + col
			want := truth.OrientationAt(float64(col*g.CellPx)+3.5, float64(row*g.CellPx)+3.5)
			worst = math.Max(worst, AxialDiffDeg(g.AngleDeg[k], want))
			require.Greater(t, g.Coherence[k], 0.3, "striated everywhere")
			require.GreaterOrEqual(t, g.AngleDeg[k], 0.0)
			require.Less(t, g.AngleDeg[k], 180.0)
		}
	}
	t.Logf("worst inner cell off the truth by %.1f°", worst)
	require.Less(t, worst, 6.0)

	b, err := json.Marshal(g)
	require.NoError(t, err)
	var back FibreOrientation
	require.NoError(t, json.Unmarshal(b, &back))
	require.Equal(t, g, back)
}

// TestOrientationGridAveragesAcrossZero: 1° and 179° are 2° apart; their mean is 0°, not 90°.
func TestOrientationGridAveragesAcrossZero(t *testing.T) {
	r := NerveResult{W: 8, H: 8, OrientationDeg: make([]float32, 64), Coherence: make([]float32, 64)}
	for i := range 64 {
		r.OrientationDeg[i] = 1
		if i%2 == 1 {
			r.OrientationDeg[i] = 179
		}
		r.Coherence[i] = 0.8
	}
	g := OrientationGrid(r)
	require.Equal(t, 1, g.Cols*g.Rows)
	require.Less(t, AxialDiffDeg(g.AngleDeg[0], 0), 0.2)
	require.InDelta(t, 0.8, g.Coherence[0], 1e-6)
}

package imaging

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestConeCellsAgreeWithConeMetrics: the cells ConeCells returns are the ones ConeMetrics
// measures, so a histogram of them has the metrics' cell count and mean NND.
func TestConeCellsAgreeWithConeMetrics(t *testing.T) {
	var pts []Point
	const pitch = 6.0
	for r := 0; r < 30; r++ {
		for c := 0; c < 30; c++ {
			x := float64(c)*pitch + float64(r%2)*pitch/2 + 3
			y := float64(r)*pitch*math.Sqrt(3)/2 + 3
			pts = append(pts, Point{X: x + 0.3*math.Sin(float64(7*r+c)), Y: y + 0.3*math.Cos(float64(r+5*c))})
		}
	}
	const w, h = 190, 165
	cells := ConeCells(pts, w, h)
	m := ConeMetrics(pts, w, h, 1, ConeMetricsOptions{})
	require.Len(t, cells, m.BoundCells)
	nnd := 0.0
	for _, c := range cells {
		require.Greater(t, c.AreaPx2, 0.0)
		require.LessOrEqual(t, c.NNDPx, c.ICDPx)
		nnd += c.NNDPx
	}
	// ConeMetrics weights cells (Lantuéjoul); on a near-regular lattice the weights are all but equal.
	require.InDelta(t, m.NNDUm.Value, nnd/float64(len(cells)), 0.05)
	require.Nil(t, ConeCells(pts[:2], w, h))
}

func TestNewHistogram(t *testing.T) {
	h := NewHistogram([]float64{1, 2, 2, 3, 4, math.NaN(), math.Inf(1)}, 3)
	require.Equal(t, 1.0, h.Min)
	require.InDelta(t, 1.0, h.BinWidth, 1e-12)
	require.Equal(t, []int{1, 2, 2}, h.Counts, "the largest value lands in the last bin")
	require.Equal(t, 5, h.Total)
	require.InDelta(t, 2.4, h.Mean, 1e-12)

	one := NewHistogram([]float64{5, 5}, 4)
	require.Equal(t, []int{2}, one.Counts)
	require.Zero(t, one.BinWidth)
	require.Equal(t, Histogram{Counts: []int{}}, NewHistogram(nil, 4))
}

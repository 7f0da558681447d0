package imaging

import "math"

// FibreOrientation is the nerve-fibre orientation of a run's preprocessed image on a coarse
// grid (what a viewer draws as short strokes), stored as orientation.json and served as
// Run.fibreOrientation. Angles are degrees in [0, 180), counter-clockwise from +x on screen.
type FibreOrientation struct {
	CellPx    int       `json:"cellPx"`
	Cols      int       `json:"cols"`
	Rows      int       `json:"rows"`
	AngleDeg  []float64 `json:"angleDeg"`
	Coherence []float64 `json:"coherence"`
}

// orientationCells is about how many grid cells the long side of an image gets.
const orientationCells = 64

// OrientationGrid averages the per-pixel field over cells of about max(W,H)/64 px (at least
// 8): the angle as the coherence-weighted mean of doubled angles (so 1° and 179° average to
// 0°, not 90°), the coherence as the plain mean.
func OrientationGrid(r NerveResult) FibreOrientation {
	cell := max(8, int(math.Ceil(float64(max(r.W, r.H))/orientationCells)))
	g := FibreOrientation{CellPx: cell, Cols: (r.W + cell - 1) / cell, Rows: (r.H + cell - 1) / cell}
	n := g.Cols * g.Rows
	c2, s2, coh, cnt := make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
	for y := range r.H {
		for x := range r.W {
			i := y*r.W + x
			k := (y/cell)*g.Cols + x/cell
			c, a := float64(r.Coherence[i]), float64(r.OrientationDeg[i])*math.Pi/90
			c2[k] += c * math.Cos(a)
			s2[k] += c * math.Sin(a)
			coh[k] += c
			cnt[k]++
		}
	}
	g.AngleDeg, g.Coherence = make([]float64, n), make([]float64, n)
	for k := range n {
		a := math.Atan2(s2[k], c2[k]) * 90 / math.Pi
		if a < 0 {
			a += 180
		}
		g.AngleDeg[k] = math.Round(a*10) / 10
		if cnt[k] > 0 {
			g.Coherence[k] = math.Round(coh[k]/cnt[k]*1000) / 1000
		}
	}
	return g
}

// ScalarGrid is a scalar per square cell of an image (row-major), stored as JSON and served
// as e.g. Run.uncertainty.
type ScalarGrid struct {
	CellPx int       `json:"cellPx"`
	Cols   int       `json:"cols"`
	Rows   int       `json:"rows"`
	Values []float64 `json:"values"`
}

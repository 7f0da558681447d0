package imaging_test

import (
	"math"
	"testing"

	"github.com/aomas/aomas/imaging"
	"github.com/stretchr/testify/require"
)

func TestScoreDetections(t *testing.T) {
	// Manual marks on a 10-px grid inside a 60×60 image: NN distance 10, radius 7.5.
	var grid []imaging.Point
	for y := 10.0; y <= 50; y += 10 {
		for x := 10.0; x <= 50; x += 10 {
			grid = append(grid, imaging.Point{X: x, Y: y})
		}
	}
	shift := func(pts []imaging.Point, dx, dy float64) []imaging.Point {
		out := make([]imaging.Point, len(pts))
		for i, p := range pts {
			out[i] = imaging.Point{X: p.X + dx, Y: p.Y + dy}
		}
		return out
	}
	tests := []struct {
		name       string
		det, man   []imaging.Point
		tp, fp, fn int
	}{
		{"perfect", grid, grid, 25, 0, 0},
		{"within radius", shift(grid, 2, 1), grid, 25, 0, 0},
		// Pairs whose detection lies in the band (x or y = 53 > 52.5) are dropped.
		{"pairs in band", shift(grid, 3, 3), grid, 16, 0, 0},
		{"no detections", nil, grid, 0, 0, 25},
		{"extra detection", append(append([]imaging.Point{}, grid...), imaging.Point{X: 15, Y: 15}), grid, 25, 1, 0},
		// Two marks claim one detection: only the closer pair counts, the other mark is a FN.
		{"shared claim", []imaging.Point{{X: 20, Y: 20}, {X: 41, Y: 40}}, []imaging.Point{{X: 20, Y: 20}, {X: 23, Y: 20}, {X: 40, Y: 40}}, 2, 0, 1},
		// Border: points with x <= 6.5 (0-based) are ignored, matched or not; the pair at
		// x=6 is dropped although only the mark is in the band.
		{"border band", []imaging.Point{{X: 7, Y: 30}, {X: 3, Y: 40}, {X: 30, Y: 30}}, []imaging.Point{{X: 6, Y: 30}, {X: 30, Y: 30}, {X: 30, Y: 52.6}}, 1, 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := imaging.ScoreDetections(tc.det, tc.man, 60, 60)
			require.Equal(t, []int{tc.tp, tc.fp, tc.fn}, []int{s.TP, s.FP, s.FN})
			if tc.tp+tc.fp+tc.fn > 0 {
				require.InDelta(t, 2*float64(tc.tp)/float64(2*tc.tp+tc.fp+tc.fn), s.Dice, 1e-12)
			}
		})
	}
	s := imaging.ScoreDetections(shift(grid, 2, 1), grid, 60, 60)
	require.InDelta(t, 7.5, s.MatchRadius, 1e-12)
	require.Equal(t, 1.0, s.Sensitivity)
	require.Equal(t, 0.0, s.FDR)
	// Beyond an explicit radius nothing matches; unmatched detections in the band (55) drop.
	s = imaging.ScoreDetectionsWith(shift(grid, 5, 5), grid, 60, 60, imaging.ScoreOptions{Radius: 5, Border: 7})
	require.Equal(t, []int{0, 16, 25}, []int{s.TP, s.FP, s.FN})
}

func TestMedianNNDistance(t *testing.T) {
	pts := []imaging.Point{{X: 0, Y: 0}, {X: 3, Y: 0}, {X: 3, Y: 4}, {X: 100, Y: 100}}
	// NN distances 3, 3, 4 and ~134.4: MATLAB-style median of an even count is (3+4)/2.
	require.InDelta(t, 3.5, imaging.MedianNNDistance(pts), 1e-12)
	d := imaging.NearestNeighbourDistances(pts)
	require.InDelta(t, math.Hypot(97, 96), d[3], 1e-9)
}

// TestScoreDetectionsDetailedAgreesWithTheCounts checks the per-detection outcomes against
// the protocol's counts on a jittered mosaic with misses, extras and border points.
func TestScoreDetectionsDetailedAgreesWithTheCounts(t *testing.T) {
	var manual, det []imaging.Point
	for y := 2.0; y < 60; y += 6 {
		for x := 1.0; x < 60; x += 6 {
			manual = append(manual, imaging.Point{X: x, Y: y})
			if int(x+y)%5 != 0 { // some marks missed
				det = append(det, imaging.Point{X: x + 0.7, Y: y - 0.4})
			}
		}
	}
	det = append(det, imaging.Point{X: 30, Y: 33}, imaging.Point{X: 3, Y: 3}, imaging.Point{X: 45, Y: 20.5}) // extras, one in the border
	s, outcome := imaging.ScoreDetectionsDetailed(det, manual, 60, 60)
	require.Equal(t, imaging.ScoreDetections(det, manual, 60, 60), s)
	require.Len(t, outcome, len(det))
	tp, fp := 0, 0
	for _, o := range outcome {
		switch o {
		case imaging.DetectionTP:
			tp++
		case imaging.DetectionFP:
			fp++
		}
	}
	require.Equal(t, s.TP, tp)
	require.Equal(t, s.FP, fp)
	require.Positive(t, s.FP)
	require.Positive(t, s.FN)
	require.Equal(t, imaging.DetectionIgnored, outcome[len(det)-2], "a detection in the border band is not counted")
}

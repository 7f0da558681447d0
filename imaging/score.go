package imaging

import (
	"math"
	"sort"
)

// Score is the per-image result of scoring detected points against reference (manual) marks.
type Score struct {
	// TP, FP and FN are counted after the border band has been removed.
	TP int `json:"tp"`
	FP int `json:"fp"`
	FN int `json:"fn"`
	// Sensitivity is TP/(TP+FN), FDR is FP/(TP+FP) and Dice is 2TP/(2TP+FP+FN); each is 0
	// when its denominator is 0.
	Sensitivity float64 `json:"sensitivity"`
	FDR         float64 `json:"fdr"`
	Dice        float64 `json:"dice"`
	// F1 equals Dice; it is kept under its detection-literature name for phantom reports.
	F1 float64 `json:"f1"`
	// MatchRadius is the largest distance, in px, at which a pair counted as a match.
	MatchRadius float64 `json:"matchRadius"`
}

// ScoreOptions configures ScoreDetectionsWith.
type ScoreOptions struct {
	// Radius is the match radius in px; 0 means 0.75 × the median nearest-neighbour
	// distance of the reference marks (the Cunefare et al. 2017 protocol).
	Radius float64
	// Border is the width in px of the band along the image edge that is ignored after
	// matching; a point is in the band if x < Border-0.5 or x > W-Border-0.5 (0-based),
	// and likewise for y. Negative means no band; 0 is taken literally.
	Border float64
}

// ProtocolBorderPx is the border band of the Cunefare et al. 2017 evaluation protocol.
const ProtocolBorderPx = 7

// ScoreDetections scores detected cone centres against manual marks with exactly the
// protocol of Cunefare et al. 2017 (Sci. Rep. 7:6620) as documented in the data README:
// match radius 0.75 × median nearest-neighbour distance of the manual marks, one-to-one
// nearest matching (each manual mark claims its nearest detection within the radius; when
// several claim one detection only the closest pair is kept), then removal of everything
// within 7 px of the border (a pair is dropped if either point is there). Points are 0-based.
func ScoreDetections(detected, manual []Point, w, h int) Score {
	return ScoreDetectionsWith(detected, manual, w, h, ScoreOptions{Border: ProtocolBorderPx})
}

// ScoreDetectionsWith is ScoreDetections with a chosen radius and border.
func ScoreDetectionsWith(detected, manual []Point, w, h int, opts ScoreOptions) Score {
	s, _ := scoreDetections(detected, manual, w, h, opts)
	return s
}

// Per-detection outcomes of ScoreDetectionsDetailed.
const (
	DetectionIgnored = iota // in the border band, or matched to a mark there: not counted
	DetectionTP             // a counted true positive
	DetectionFP             // a counted false positive
)

// ScoreDetectionsDetailed is ScoreDetections that also says, per detection, whether it
// counted as a true positive, a false positive or not at all (the border rule), so per-mark
// quantities such as uncertainty can be checked against the protocol's own matching.
func ScoreDetectionsDetailed(detected, manual []Point, w, h int) (Score, []int) {
	return scoreDetections(detected, manual, w, h, ScoreOptions{Border: ProtocolBorderPx})
}

func scoreDetections(detected, manual []Point, w, h int, opts ScoreOptions) (Score, []int) {
	radius := opts.Radius
	if radius <= 0 {
		radius = 0.75 * MedianNNDistance(manual)
	}
	// For each manual mark, its nearest detection (within radius), if any.
	claim := make([]int, len(manual))
	claimD := make([]float64, len(manual))
	for i, m := range manual {
		claim[i] = -1
		best := math.Inf(1)
		for j, d := range detected {
			dd := math.Hypot(m.X-d.X, m.Y-d.Y)
			if dd < best {
				best, claim[i] = dd, j
			}
		}
		claimD[i] = best
		if best > radius {
			claim[i] = -1
		}
	}
	// Resolve detections claimed by several marks: the closest pair wins (lowest index on ties).
	owner := make([]int, len(detected))
	for j := range owner {
		owner[j] = -1
	}
	for i, j := range claim {
		if j < 0 {
			continue
		}
		if o := owner[j]; o < 0 || claimD[i] < claimD[o] {
			owner[j] = i
		}
	}
	inside := func(p Point) bool {
		if opts.Border < 0 {
			return true
		}
		b := opts.Border - 0.5
		return p.X > b && p.X < float64(w)-opts.Border-0.5 && p.Y > b && p.Y < float64(h)-opts.Border-0.5
	}
	var s Score
	s.MatchRadius = radius
	matchedManual := make([]bool, len(manual))
	outcome := make([]int, len(detected))
	for j, i := range owner {
		if i < 0 {
			if inside(detected[j]) {
				s.FP++
				outcome[j] = DetectionFP
			}
			continue
		}
		matchedManual[i] = true
		if inside(detected[j]) && inside(manual[i]) {
			s.TP++
			outcome[j] = DetectionTP
		}
	}
	for i, m := range manual {
		if !matchedManual[i] && inside(m) {
			s.FN++
		}
	}
	s.Sensitivity = ratio(s.TP, s.TP+s.FN)
	s.FDR = ratio(s.FP, s.TP+s.FP)
	s.Dice = ratio(2*s.TP, 2*s.TP+s.FP+s.FN)
	s.F1 = s.Dice
	return s, outcome
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// MedianNNDistance returns the median over points of the distance to the nearest other
// point (mean of the two middle values for an even count, as MATLAB's median); 0 for fewer
// than two points.
func MedianNNDistance(pts []Point) float64 {
	if len(pts) < 2 {
		return 0
	}
	d := NearestNeighbourDistances(pts)
	sort.Float64s(d)
	n := len(d)
	if n%2 == 1 {
		return d[n/2]
	}
	return (d[n/2-1] + d[n/2]) / 2
}

// NearestNeighbourDistances returns, for each point, the distance to its nearest other point
// (+Inf for a single point). It uses a uniform grid, so it is near-linear for mosaics.
func NearestNeighbourDistances(pts []Point) []float64 {
	out := make([]float64, len(pts))
	if len(pts) == 0 {
		return out
	}
	minX, minY, maxX, maxY := pts[0].X, pts[0].Y, pts[0].X, pts[0].Y
	for _, p := range pts {
		minX, maxX = math.Min(minX, p.X), math.Max(maxX, p.X)
		minY, maxY = math.Min(minY, p.Y), math.Max(maxY, p.Y)
	}
	area := math.Max((maxX-minX)*(maxY-minY), 1)
	cell := math.Max(math.Sqrt(area/float64(len(pts)))*1.5, 1e-9)
	gw := int((maxX-minX)/cell) + 1
	gh := int((maxY-minY)/cell) + 1
	grid := make([][]int, gw*gh)
	cellOf := func(p Point) (int, int) { return int((p.X - minX) / cell), int((p.Y - minY) / cell) }
	for i, p := range pts {
		cx, cy := cellOf(p)
		grid[cy*gw+cx] = append(grid[cy*gw+cx], i)
	}
	for i, p := range pts {
		cx, cy := cellOf(p)
		best := math.Inf(1)
		for r := 1; ; r++ {
			for y := cy - r; y <= cy+r; y++ {
				if y < 0 || y >= gh {
					continue
				}
				for x := cx - r; x <= cx+r; x++ {
					if x < 0 || x >= gw {
						continue
					}
					for _, j := range grid[y*gw+x] {
						if j != i {
							if d := math.Hypot(p.X-pts[j].X, p.Y-pts[j].Y); d < best {
								best = d
							}
						}
					}
				}
			}
			// Every point outside the searched ring is at least r*cell away.
			if best <= float64(r)*cell || (r > gw && r > gh) {
				break
			}
		}
		out[i] = best
	}
	return out
}

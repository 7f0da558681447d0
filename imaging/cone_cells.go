package imaging

import (
	"math"
	"slices"
)

// ConeCell is one bound Voronoi cell of a cone mosaic (see ConeMetricsResult.BoundCells), in
// image pixels.
type ConeCell struct {
	// NNDPx is the distance to the nearest Voronoi neighbour.
	NNDPx float64
	// ICDPx is the mean distance to the Voronoi (Delaunay) neighbours.
	ICDPx float64
	// AreaPx2 is the area of the cell.
	AreaPx2 float64
}

// ConeCells returns the bound cells of the cone centres points (px) in a w×h image — the
// cells ConeMetrics measures: closed, and certainly unaffected by cones beyond the border —
// in the canonical (y, x) order of the points. If w or h is not positive the bounding box of
// the points stands in for the image.
func ConeCells(points []Point, w, h int) []ConeCell {
	pts := canonicalPoints(points)
	minX, minY, maxX, maxY := imageBox(pts, w, h)
	var out []ConeCell
	for _, c := range boundCells(pts, minX, minY, maxX, maxY) {
		out = append(out, ConeCell{NNDPx: c.nnd, ICDPx: c.icd, AreaPx2: polygonArea(c.Vertices)})
	}
	return out
}

// imageBox returns the pixel-edge bounds of a w×h image, or the bounding box of pts if w or
// h is not positive.
func imageBox(pts []Point, w, h int) (minX, minY, maxX, maxY float64) {
	if w > 0 && h > 0 {
		return -0.5, -0.5, float64(w) - 0.5, float64(h) - 0.5
	}
	minX, minY, maxX, maxY = math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, p := range pts {
		minX, maxX = math.Min(minX, p.X), math.Max(maxX, p.X)
		minY, maxY = math.Min(minY, p.Y), math.Max(maxY, p.Y)
	}
	return minX, minY, maxX, maxY
}

// boundCell is a closed Voronoi cell whose flower box (see flowerBox) lies inside the image.
type boundCell struct {
	VoronoiCell
	// p is the cell's site and flower its flower box.
	p      Point
	flower [4]float64
	// nnd is the distance to the nearest Voronoi neighbour and icd the mean distance to the
	// Voronoi neighbours, in pixels.
	nnd, icd float64
}

// boundCells returns the bound cells of the canonical points pts in the image
// [minX, maxX]×[minY, maxY], in the order of pts; fewer than three points have none.
func boundCells(pts []Point, minX, minY, maxX, maxY float64) []boundCell {
	if len(pts) < 3 {
		return nil
	}
	var out []boundCell
	for i, c := range Delaunay(pts).VoronoiCells() {
		if !c.Closed {
			continue
		}
		p := pts[i]
		flower := flowerBox(p, c.Vertices)
		if flower[0] < minX || flower[1] < minY || flower[2] > maxX || flower[3] > maxY {
			continue
		}
		nnd, icd := math.Inf(1), 0.0
		for _, j := range c.Neighbors {
			d := math.Hypot(pts[j].X-p.X, pts[j].Y-p.Y)
			nnd = math.Min(nnd, d)
			icd += d
		}
		out = append(out, boundCell{VoronoiCell: c, p: p, flower: flower, nnd: nnd, icd: icd / float64(len(c.Neighbors))})
	}
	return out
}

// Histogram counts values in equal bins from Min to Min + len(Counts)·BinWidth.
type Histogram struct {
	Min      float64
	BinWidth float64
	Counts   []int
	Total    int
	Mean     float64
}

// NewHistogram bins the finite values into bins equal bins spanning their range (the
// largest value falls in the last bin); equal values make one bin of width zero.
func NewHistogram(values []float64, bins int) Histogram {
	vs := slices.DeleteFunc(slices.Clone(values), func(v float64) bool { return math.IsNaN(v) || math.IsInf(v, 0) })
	if len(vs) == 0 || bins < 1 {
		return Histogram{Counts: []int{}}
	}
	lo, hi := slices.Min(vs), slices.Max(vs)
	sum := 0.0
	for _, v := range vs {
		sum += v
	}
	h := Histogram{Min: lo, Total: len(vs), Mean: sum / float64(len(vs))}
	if hi == lo {
		h.Counts = []int{len(vs)}
		return h
	}
	h.BinWidth = (hi - lo) / float64(bins)
	h.Counts = make([]int, bins)
	for _, v := range vs {
		k := min(int((v-lo)/h.BinWidth), bins-1)
		h.Counts[k]++
	}
	return h
}

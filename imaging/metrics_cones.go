package imaging

import (
	"math"
	"slices"
)

// MaxRegularityIndex caps the regularity index: a perfect lattice has NND spread zero and an
// infinite index, which JSON cannot carry.
const MaxRegularityIndex = 1000

// ConeMetricsOptions configures ConeMetrics.
type ConeMetricsOptions struct {
	Bootstrap BootstrapOptions `json:"bootstrap"`
}

// ConeMetricsResult holds the mosaic metrics of a set of cone centres, each with a 95%
// confidence interval from a bootstrap over sub-regions.
type ConeMetricsResult struct {
	// Count is the number of distinct cone centres given.
	Count int `json:"count"`
	// BoundCells is the number of cones whose Voronoi cell is closed and certainly unaffected
	// by cones beyond the image border (the circumcircles of its Delaunay triangles lie inside
	// the image, see flowerBox); every other metric is measured over these cells only, so edge cones (whose cells
	// are cut or unbounded) do not bias them. Each bound cell is weighted by Lantuéjoul's
	// minus-sampling correction (see lantuejoulWeight), which undoes the preference of the
	// bound-cell rule for small cells; on regular mosaics the weights are all but equal.
	BoundCells int `json:"boundCells"`
	// BoundAreaMM2 is the summed area of the bound cells.
	BoundAreaMM2 float64 `json:"boundAreaMm2"`
	// DensityPerMM2 is the (weighted) number of bound cells over their (weighted) area.
	DensityPerMM2 Estimate `json:"densityPerMm2"`
	// NNDUm is the mean nearest-neighbour distance of the bound cells.
	NNDUm Estimate `json:"nndUm"`
	// ICDUm is the mean inter-cell distance: each bound cell's mean distance to its Voronoi
	// (Delaunay) neighbours, averaged over the bound cells.
	ICDUm Estimate `json:"icdUm"`
	// PercentHex is the percentage of bound cells with six Voronoi sides.
	PercentHex Estimate `json:"percentHex"`
	// RegularityIndex is mean NND over its standard deviation (capped at MaxRegularityIndex).
	RegularityIndex Estimate `json:"regularityIndex"`
	// Tiles is the number of sub-regions (per side) of the bootstrap.
	Tiles int `json:"tiles"`
	// Resamples is the number of bootstrap resamples.
	Resamples int `json:"resamples"`
}

// cone tile statistics, summed per tile.
const (
	csN = iota
	csArea
	csNND
	csNND2
	csICD
	csHex
	csLen
)

// ConeMetrics measures a cone mosaic from its centres (px) in a w×h image at umPerPx µm per
// pixel. If w or h is not positive the bounding box of the points stands in for the image.
// The result depends only on the set of points, not on their order.
func ConeMetrics(points []Point, w, h int, umPerPx float64, opts ConeMetricsOptions) ConeMetricsResult {
	pts := canonicalPoints(points)
	res := ConeMetricsResult{Count: len(pts), Resamples: opts.Bootstrap.resamples()}
	minX, minY, maxX, maxY := imageBox(pts, w, h)
	if umPerPx <= 0 {
		umPerPx = 1
	}

	type cellStat struct {
		x, y, w, nnd, icd float64
		hex               bool
		poly              []Point
	}
	fw, fh := maxX-minX, maxY-minY
	var bound []cellStat
	for _, c := range boundCells(pts, minX, minY, maxX, maxY) {
		// Edges shorter than 1e-6 of the NND come from rounding at cocircular sites.
		sides := polygonSides(c.Vertices, 1e-6*c.nnd)
		bound = append(bound, cellStat{
			x: c.p.X, y: c.p.Y, w: lantuejoulWeight(c.flower, fw, fh),
			nnd: c.nnd * umPerPx, icd: c.icd * umPerPx, hex: sides == 6, poly: c.Vertices,
		})
	}
	res.BoundCells = len(bound)

	k := opts.Bootstrap.tilesPerSide(len(bound))
	res.Tiles = k
	tiles := make([][]float64, k*k)
	for i := range tiles {
		tiles[i] = make([]float64, csLen)
	}
	um2 := umPerPx * umPerPx
	for _, c := range bound {
		t := tiles[tileIndex(c.x, c.y, minX, minY, fw, fh, k)]
		t[csN] += c.w
		t[csNND] += c.w * c.nnd
		t[csNND2] += c.w * c.nnd * c.nnd
		t[csICD] += c.w * c.icd
		if c.hex {
			t[csHex] += c.w
		}
		// The cell's area goes to the tiles it overlaps, so a tile's area is (nearly) fixed
		// by geometry rather than growing with its own cells: Voronoi cells trade area with
		// their neighbours, which would make adjacent tiles' ratios anti-correlated and the
		// bootstrap interval too narrow.
		forTileOverlaps(c.poly, minX, minY, fw, fh, k, func(tile int, area float64) {
			tiles[tile][csArea] += c.w * area * um2
		})
		res.BoundAreaMM2 += polygonArea(c.poly) * um2 / 1e6
	}
	tiles = slices.DeleteFunc(tiles, func(t []float64) bool { return t[csN] == 0 && t[csArea] == 0 })

	ratio := func(num, den int, scale float64) tileStatistic {
		return func(s []float64) float64 {
			if s[den] <= 0 {
				return math.NaN()
			}
			return scale * s[num] / s[den]
		}
	}
	ri := func(s []float64) float64 {
		n := s[csN]
		if n < 2 {
			return math.NaN()
		}
		mean := s[csNND] / n
		v := (s[csNND2] - n*mean*mean) / n
		if v <= 0 || mean/math.Sqrt(v) > MaxRegularityIndex {
			return MaxRegularityIndex
		}
		return mean / math.Sqrt(v)
	}
	est := tileBootstrap(tiles, csLen, []tileStatistic{
		ratio(csN, csArea, 1e6), // cells/µm² → cells/mm²
		ratio(csNND, csN, 1),
		ratio(csICD, csN, 1),
		ratio(csHex, csN, 100),
		ri,
	}, opts.Bootstrap)
	units := []string{"cells/mm²", "µm", "µm", "%", ""}
	for i := range est {
		est[i].Unit = units[i]
		if math.IsNaN(est[i].Value) {
			est[i] = Estimate{Unit: units[i]}
		}
	}
	res.DensityPerMM2, res.NNDUm, res.ICDUm, res.PercentHex, res.RegularityIndex =
		est[0], est[1], est[2], est[3], est[4]
	return res
}

// canonicalPoints returns the finite points sorted by (y, x) without exact duplicates, so
// everything computed from them is independent of the input order.
func canonicalPoints(points []Point) []Point {
	pts := make([]Point, 0, len(points))
	for _, p := range points {
		if !math.IsNaN(p.X) && !math.IsNaN(p.Y) && !math.IsInf(p.X, 0) && !math.IsInf(p.Y, 0) {
			pts = append(pts, p)
		}
	}
	slices.SortFunc(pts, func(a, b Point) int {
		switch {
		case a.Y < b.Y:
			return -1
		case a.Y > b.Y:
			return 1
		case a.X < b.X:
			return -1
		case a.X > b.X:
			return 1
		}
		return 0
	})
	return slices.Compact(pts)
}

// flowerBox returns the bounding box (x0, y0, x1, y1) of the union of the circumcircles of
// the Delaunay triangles around site p, whose centres are its Voronoi vertices. While that
// union lies inside the image no unseen cone beyond the border can change the cell, so such a
// cell is exactly what it would be in the unbounded mosaic.
func flowerBox(p Point, verts []Point) [4]float64 {
	b := [4]float64{math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)}
	for _, v := range verts {
		r := math.Hypot(v.X-p.X, v.Y-p.Y)
		b[0], b[1] = math.Min(b[0], v.X-r), math.Min(b[1], v.Y-r)
		b[2], b[3] = math.Max(b[2], v.X+r), math.Max(b[3], v.Y+r)
	}
	return b
}

// lantuejoulWeight is the minus-sampling correction of Lantuéjoul (1978) for a cell kept only
// when its flower box (x0, y0, x1, y1) lies wholly inside a fw×fh field: the field area over
// the area of positions at which a box of that extent would still fit. Keeping only bound
// cells favours small cells near the edges; weighting each by this inverse inclusion
// probability removes that bias from densities and per-cell means.
func lantuejoulWeight(box [4]float64, fw, fh float64) float64 {
	ew, eh := fw-(box[2]-box[0]), fh-(box[3]-box[1])
	if ew <= 0 || eh <= 0 {
		return 1
	}
	return fw * fh / (ew * eh)
}

// forTileOverlaps calls fn with each tile of the k×k grid over the field at (x0, y0) of size
// fw×fh that a convex polygon overlaps, and the area of the overlap.
func forTileOverlaps(poly []Point, x0, y0, fw, fh float64, k int, fn func(tile int, area float64)) {
	bx0, by0, bx1, by1 := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, p := range poly {
		bx0, bx1 = math.Min(bx0, p.X), math.Max(bx1, p.X)
		by0, by1 = math.Min(by0, p.Y), math.Max(by1, p.Y)
	}
	tw, th := fw/float64(k), fh/float64(k)
	clampT := func(v float64) int { return min(max(int(math.Floor(v)), 0), k-1) }
	tx0, tx1 := clampT((bx0-x0)/tw), clampT((bx1-x0)/tw)
	ty0, ty1 := clampT((by0-y0)/th), clampT((by1-y0)/th)
	if tx0 == tx1 && ty0 == ty1 {
		fn(ty0*k+tx0, polygonArea(poly))
		return
	}
	for ty := ty0; ty <= ty1; ty++ {
		for tx := tx0; tx <= tx1; tx++ {
			// Outer tiles extend to infinity so nothing is lost at the field's border.
			rx0, rx1 := x0+float64(tx)*tw, x0+float64(tx+1)*tw
			ry0, ry1 := y0+float64(ty)*th, y0+float64(ty+1)*th
			if tx == 0 {
				rx0 = math.Inf(-1)
			}
			if tx == k-1 {
				rx1 = math.Inf(1)
			}
			if ty == 0 {
				ry0 = math.Inf(-1)
			}
			if ty == k-1 {
				ry1 = math.Inf(1)
			}
			if a := polygonArea(clipRect(poly, rx0, ry0, rx1, ry1)); a > 0 {
				fn(ty*k+tx, a)
			}
		}
	}
}

// clipRect clips a convex polygon to an axis-aligned rectangle (Sutherland–Hodgman).
func clipRect(poly []Point, x0, y0, x1, y1 float64) []Point {
	type edge struct {
		inside func(Point) bool
		cross  func(a, b Point) Point
	}
	atX := func(a, b Point, x float64) Point {
		return Point{x, a.Y + (b.Y-a.Y)*(x-a.X)/(b.X-a.X)}
	}
	atY := func(a, b Point, y float64) Point {
		return Point{a.X + (b.X-a.X)*(y-a.Y)/(b.Y-a.Y), y}
	}
	edges := []edge{
		{func(p Point) bool { return p.X >= x0 }, func(a, b Point) Point { return atX(a, b, x0) }},
		{func(p Point) bool { return p.X <= x1 }, func(a, b Point) Point { return atX(a, b, x1) }},
		{func(p Point) bool { return p.Y >= y0 }, func(a, b Point) Point { return atY(a, b, y0) }},
		{func(p Point) bool { return p.Y <= y1 }, func(a, b Point) Point { return atY(a, b, y1) }},
	}
	out := poly
	for _, e := range edges {
		if len(out) == 0 {
			break
		}
		in := out
		out = nil
		for i, cur := range in {
			prev := in[(i+len(in)-1)%len(in)]
			switch ci, pi := e.inside(cur), e.inside(prev); {
			case ci && pi:
				out = append(out, cur)
			case ci:
				out = append(out, e.cross(prev, cur), cur)
			case pi:
				out = append(out, e.cross(prev, cur))
			}
		}
	}
	return out
}

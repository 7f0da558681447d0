package imaging

import (
	"math"
	"slices"
)

// CapillaryMetricsOptions configures CapillaryMetrics.
type CapillaryMetricsOptions struct {
	Bootstrap BootstrapOptions `json:"bootstrap"`
	// MinChordPx is the shortest branch (end to end) whose tortuosity counts (default 15).
	MinChordPx float64 `json:"minChordPx"`
}

// CapillaryMetricsResult holds capillary network metrics, each with a 95% confidence
// interval from a bootstrap over sub-regions.
type CapillaryMetricsResult struct {
	// AreaDensity is the percentage of the field covered by vessels.
	AreaDensity Estimate `json:"areaDensity"`
	// LengthDensityPerMM is the skeleton length per field area, mm/mm².
	LengthDensityPerMM Estimate `json:"lengthDensityPerMm"`
	// MeanDiameterUm is the mean vessel diameter over skeleton pixels.
	MeanDiameterUm Estimate `json:"meanDiameterUm"`
	// Tortuosity is the mean ratio of path length to end-to-end distance of the branches
	// between skeleton junctions and ends (1 for straight vessels).
	Tortuosity Estimate `json:"tortuosity"`
	Branches   int      `json:"branches"`
	Tiles      int      `json:"tiles"`
}

const (
	vsArea = iota
	vsVessel
	vsLength
	vsDiam
	vsDiamN
	vsTort
	vsBranch
	vsLen
)

// CapillaryMetrics measures a detected capillary network at umPerPx µm per pixel.
func CapillaryMetrics(res VesselResult, umPerPx float64, opts CapillaryMetricsOptions) CapillaryMetricsResult {
	if umPerPx <= 0 {
		umPerPx = 1
	}
	minChord := opts.MinChordPx
	if minChord <= 0 {
		minChord = 15
	}
	w, h := res.W, res.H
	skelN := 0
	for _, s := range res.Skeleton {
		if s {
			skelN++
		}
	}
	k := opts.Bootstrap.tilesPerSide(skelN / 4)
	tiles := make([][]float64, k*k)
	for i := range tiles {
		tiles[i] = make([]float64, vsLen)
	}
	fw, fh := float64(w), float64(h)
	tileOf := func(x, y float64) []float64 { return tiles[tileIndex(x, y, -0.5, -0.5, fw, fh, k)] }
	for y := range h {
		for x := range w {
			t := tileOf(float64(x), float64(y))
			t[vsArea]++
			if res.Mask[y*w+x] {
				t[vsVessel]++
			}
			if !res.Skeleton[y*w+x] {
				continue
			}
			// Each link to a later neighbour counted once: 1 px straight, √2 diagonal; a
			// diagonal beside an L-shaped pair of straight links would count a corner twice.
			on := func(xx, yy int) bool { return xx >= 0 && yy >= 0 && xx < w && yy < h && res.Skeleton[yy*w+xx] }
			for _, d := range [][2]int{{1, 0}, {0, 1}, {1, 1}, {-1, 1}} {
				xx, yy := x+d[0], y+d[1]
				if !on(xx, yy) {
					continue
				}
				if d[0] != 0 && d[1] != 0 {
					if !on(xx, y) && !on(x, yy) {
						t[vsLength] += math.Sqrt2
					}
					continue
				}
				t[vsLength]++
			}
		}
	}
	for _, s := range res.Samples {
		t := tileOf(float64(s.X), float64(s.Y))
		t[vsDiam] += s.DiameterPx
		t[vsDiamN]++
	}
	branches := 0
	for _, b := range skeletonBranches(res.Skeleton, w, h) {
		a, z := b[0], b[len(b)-1]
		chord := math.Hypot(float64(a%w-z%w), float64(a/w-z/w))
		if chord < minChord {
			continue
		}
		arc := 0.0
		for i := 1; i < len(b); i++ {
			arc += math.Hypot(float64(b[i]%w-b[i-1]%w), float64(b[i]/w-b[i-1]/w))
		}
		mid := b[len(b)/2]
		t := tileOf(float64(mid%w), float64(mid/w))
		t[vsTort] += arc / chord
		t[vsBranch]++
		branches++
	}
	ratio := func(num, den int, scale float64) tileStatistic {
		return func(s []float64) float64 {
			if s[den] <= 0 {
				return math.NaN()
			}
			return scale * s[num] / s[den]
		}
	}
	est := tileBootstrap(tiles, vsLen, []tileStatistic{
		ratio(vsVessel, vsArea, 100),
		ratio(vsLength, vsArea, 1/(umPerPx*1e-3)), // px/px² → mm/mm²
		ratio(vsDiam, vsDiamN, umPerPx),
		ratio(vsTort, vsBranch, 1),
	}, opts.Bootstrap)
	units := []string{"%", "mm/mm²", "µm", ""}
	for i := range est {
		est[i].Unit = units[i]
		if math.IsNaN(est[i].Value) {
			est[i] = Estimate{Unit: units[i]}
		}
	}
	return CapillaryMetricsResult{AreaDensity: est[0], LengthDensityPerMM: est[1], MeanDiameterUm: est[2],
		Tortuosity: est[3], Branches: branches, Tiles: k}
}

// skeletonBranches traces the pixel paths (as indices) between skeleton nodes: ends and
// junctions, i.e. pixels with other than two 8-neighbours. Closed loops without nodes are
// left out.
func skeletonBranches(skel []bool, w, h int) [][]int {
	neighbours := func(i int) []int {
		x, y := i%w, i/w
		var n []int
		for dy := -1; dy <= 1; dy++ {
			for dx := -1; dx <= 1; dx++ {
				xx, yy := x+dx, y+dy
				if (dx != 0 || dy != 0) && xx >= 0 && yy >= 0 && xx < w && yy < h && skel[yy*w+xx] {
					n = append(n, yy*w+xx)
				}
			}
		}
		return n
	}
	isNode := func(i int) bool { return len(neighbours(i)) != 2 }
	visited := make([]bool, len(skel))
	var out [][]int
	for i, s := range skel {
		if !s || !isNode(i) {
			continue
		}
		for _, n := range neighbours(i) {
			if visited[n] || isNode(n) {
				continue
			}
			path := []int{i}
			prev, cur := i, n
			for {
				path = append(path, cur)
				if isNode(cur) {
					break
				}
				visited[cur] = true
				nb := neighbours(cur)
				next := nb[0]
				if next == prev {
					next = nb[1]
				}
				prev, cur = cur, next
				if visited[cur] {
					break
				}
			}
			out = append(out, path)
		}
	}
	slices.SortFunc(out, func(a, b []int) int { return a[0] - b[0] })
	return out
}

package imaging

import (
	"errors"
	"math"
	"runtime"
	"slices"
)

// LayerOptions tunes SegmentLayers; zero fields take the defaults.
type LayerOptions struct {
	// AxialUm is the depth sampling the search windows are scaled by (default: the
	// volume's z spacing, else 3.5 µm). It only places the windows (the retina's layers
	// keep their thickness in µm across devices); the boundaries are in voxels.
	AxialUm float64
	// SmoothXPx and SmoothZPx are the Gaussian σ across and along depth applied to each
	// B-scan before the gradients (defaults: across, 8 µm by the stated lateral spacing, at
	// least 4 px; along depth 0.5 px): the speckle averages out along the layers while the
	// edges stay sharp in depth. In µm because the speckle's grain is the PSF's, about 2 µm
	// in AO-OCT, several pixels at 1 µm/px; coarse clinical sampling keeps the px floor.
	// (On the phantom, 8 µm is what keeps every boundary within 1 px under AO-OCT speckle;
	// it cuts the corners of pit walls steeper than a real fovea's, such as a 128 px
	// phantom's, where 4 px does better.)
	SmoothXPx, SmoothZPx float64
	// MaxStepPx is the largest depth change of a boundary from one A-scan to the next
	// (default 2): the GTDP graph's edges between neighbouring columns.
	MaxStepPx int
	// SmoothYPx is the Gaussian σ across B-scans of the image the boundaries are searched
	// in (default 4 µm by the stated B-scan spacing, at least 1 B-scan; negative: each
	// B-scan alone): on a motion-corrected volume the neighbouring B-scans show the same
	// layers under other speckle. In µm because the speckle's grain is the PSF's, about
	// 2 µm in AO-OCT (several B-scans at 1 µm spacing), while coarse clinical rasters
	// leave it within one B-scan.
	SmoothYPx float64
	// SmoothPx is the Gaussian σ (columns and B-scans) of the final smoothing of each
	// boundary surface (default 2 µm by the lateral spacing, at least 1 px; negative: none).
	SmoothPx float64
	// Workers is the number of B-scans segmented in parallel (0: GOMAXPROCS).
	Workers int
}

func (o LayerOptions) withDefaults(v *Volume) LayerOptions {
	if o.AxialUm <= 0 {
		o.AxialUm = v.SpacingUm[2]
	}
	if !(o.AxialUm > 0) || o.AxialUm > 50 {
		o.AxialUm = 3.5
	}
	// µm → px by a stated spacing; the px floor where none is stated (or it is coarse).
	byUm := func(um, spacing, floor float64) float64 {
		if spacing > 0 && spacing < 1e3 {
			return math.Max(um/spacing, floor)
		}
		return floor
	}
	if o.SmoothXPx <= 0 {
		o.SmoothXPx = byUm(8, v.SpacingUm[0], 4)
	}
	if o.SmoothZPx <= 0 {
		o.SmoothZPx = 0.5
	}
	if o.MaxStepPx <= 0 {
		o.MaxStepPx = 2
	}
	if o.SmoothYPx == 0 {
		o.SmoothYPx = byUm(4, v.SpacingUm[1], 1)
	}
	if o.SmoothPx == 0 {
		o.SmoothPx = byUm(2, v.SpacingUm[0], 1)
	}
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	return o
}

// LayerBoundaries are the retinal layer boundaries of an OCT volume: Z[k][y*X+x] is the
// depth (voxels, voxel centres at integers) of boundary k (LayerBoundaryNames) in column x
// of B-scan y.
type LayerBoundaries struct {
	X, Y int
	Z    [NumBoundaries][]float32
}

// At returns the depth of boundary k at column x of B-scan y.
func (l *LayerBoundaries) At(k, x, y int) float32 { return l.Z[k][y*l.X+x] }

// SegmentLayers finds the eight boundaries of LayerBoundaryNames in every B-scan by graph
// search on gradient images after Chiu et al. (2010), "Automatic segmentation of seven
// retinal layers in SDOCT images congruent with expert manual segmentation", Opt. Express
// 18(18):19413: each boundary is the shortest path across the B-scan through a graph
// whose weights fall with the vertical gradient of the right sign (dark-to-light or
// light-to-dark), searched layer by layer in regions bounded by the boundaries found
// before. Restricted to edges between neighbouring columns with a bounded depth step,
// the graph's shortest path is a column-wise dynamic program, solved exactly here. The
// order (after Chiu's): the ILM and the outer band are the two most prominent
// dark-to-light edges at least 60 µm apart; the IS/OS is the upper of the two strongest
// dark-to-light edges within 45 µm of the outer one; RPE/Bruch's membrane the light-to-dark
// edge 20–90 µm below the IS/OS; the COST the dark-to-light edge 17–36 µm above that; the ELM the dark-to-light edge 12–45 µm
// above the IS/OS; the three
// strongest light-to-dark edges between ILM and ELM (NFL/GCL, IPL/INL, OPL/ONL). Each
// boundary is refined to sub-voxel depth on its gradient peak and the surfaces smoothed
// across columns and B-scans. B-scans are segmented in parallel.
func SegmentLayers(v *Volume, opts LayerOptions) (*LayerBoundaries, error) {
	if v == nil || v.X*v.Y*v.Z != len(v.Vox) || v.X < 8 || v.Y < 1 || v.Z < 32 {
		return nil, errors.New("segment layers: volume missing, inconsistent or too small (at least 8 A-scans × 32 depth samples)")
	}
	o := opts.withDefaults(v)
	out := &LayerBoundaries{X: v.X, Y: v.Y}
	for k := range out.Z {
		out.Z[k] = make([]float32, v.X*v.Y)
	}
	parallelFrames(v.Y, o.Workers, func(get func() (int, bool)) {
		w := newLayerWork(v.X, v.Z, o)
		var ky []float32
		if o.SmoothYPx > 0 {
			ky = gaussKernel(o.SmoothYPx)
		}
		for y, ok := get(); ok; y, ok = get() {
			bscanInto(w.raw, v, y)
			if ky != nil {
				for i := range w.raw.Pix {
					w.raw.Pix[i] *= ky[0]
				}
				for j := 1; j < len(ky); j++ {
					for _, yy := range [2]int{reflectIdx(y-j, v.Y), reflectIdx(y+j, v.Y)} {
						for z := range v.Z {
							src := v.Vox[(z*v.Y+yy)*v.X:][:v.X]
							dst := w.raw.Pix[z*v.X:][:v.X]
							for x, p := range src {
								dst[x] += ky[j] * p
							}
						}
					}
				}
			}
			w.segment()
			for k := range out.Z {
				copy(out.Z[k][y*v.X:(y+1)*v.X], w.result[k])
			}
		}
	})
	if o.SmoothPx > 0 {
		for k := range out.Z {
			img := GaussianBlur(&Image{W: v.X, H: v.Y, Pix: out.Z[k]}, o.SmoothPx)
			out.Z[k] = img.Pix
		}
	}
	// Smoothing keeps the order only approximately; enforce it.
	for i := range v.X * v.Y {
		for k := 1; k < NumBoundaries; k++ {
			out.Z[k][i] = max(out.Z[k][i], out.Z[k-1][i])
		}
	}
	return out, nil
}

// layerWork holds one worker's buffers for segmenting W×H B-scans.
type layerWork struct {
	w, h int
	o    LayerOptions
	raw  *Image
	tmp  *Image
	s    *Image // smoothed, normalised B-scan
	dark *Image // s smoothed further along depth: the cost of a dark-band path
	grad []float32
	cpos []float32 // 1 − normalised dark-to-light gradient
	cneg []float32 // 1 − normalised light-to-dark gradient
	// darkCost and brightCost are the band image (dark) scaled to [0, 1] and its complement;
	// wideCost is the same after 15 µm of depth smoothing, whose minimum sits in the middle
	// of the thick, flat-bottomed ONL.
	darkCost, brightCost, wideCost []float32
	biased                         []float32
	wide                           *Image
	kw                             []float32
	d                              []float32 // dynamic-programming costs of the current column
	dp                             []float32 // … and of the previous one
	back                           []int16
	kx                             []float32
	kz                             []float32
	kd                             []float32
	bands                          [][]int
	// result holds the refined boundaries of the last B-scan.
	result [NumBoundaries][]float32
}

func newLayerWork(w, h int, o LayerOptions) *layerWork {
	lw := &layerWork{w: w, h: h, o: o, raw: NewImage(w, h), tmp: NewImage(w, h), s: NewImage(w, h), dark: NewImage(w, h),
		grad: make([]float32, w*h), cpos: make([]float32, w*h), cneg: make([]float32, w*h),
		darkCost: make([]float32, w*h), brightCost: make([]float32, w*h), wideCost: make([]float32, w*h), wide: NewImage(w, h), biased: make([]float32, w*h),
		d: make([]float32, h), dp: make([]float32, h), back: make([]int16, w*h),
		kx: gaussKernel(o.SmoothXPx), kz: gaussKernel(o.SmoothZPx), kd: gaussKernel(3 * o.SmoothZPx)}
	lw.kw = gaussKernel(15 / o.AxialUm)
	for k := range lw.result {
		lw.result[k] = make([]float32, w)
	}
	return lw
}

// px converts a distance in µm to whole voxels (at least 1).
func (lw *layerWork) px(um float64) int { return max(1, int(math.Round(um/lw.o.AxialUm))) }

func (lw *layerWork) segment() {
	w, h := lw.w, lw.h
	blurRows(lw.tmp, lw.raw, lw.kx)
	blurCols(lw.s, lw.tmp, lw.kz)
	blurCols(lw.dark, lw.tmp, lw.kd)
	blurCols(lw.wide, lw.tmp, lw.kw)
	// Scale-free costs: normalise the gradients by a high percentile of their magnitude.
	for z := range h {
		for x := range w {
			i := z*w + x
			lw.grad[i] = lw.s.Pix[min(z+1, h-1)*w+x] - lw.s.Pix[max(z-1, 0)*w+x]
		}
	}
	gp := percentileAbs(lw.grad, 0.995, true)
	gn := percentileAbs(lw.grad, 0.995, false)
	for i, g := range lw.grad {
		lw.cpos[i] = 1 - min(max(g, 0)/gp, 1)
		lw.cneg[i] = 1 - min(max(-g, 0)/gn, 1)
	}
	top := percentileAbs(lw.dark.Pix, 0.995, true)
	for i, v := range lw.dark.Pix {
		c := min(max(v/top, 0), 1)
		lw.darkCost[i], lw.brightCost[i] = c, 1-c
		lw.wideCost[i] = min(max(lw.wide.Pix[i]/top, 0), 1)
	}
	full := func(v int) []int {
		s := make([]int, w)
		for i := range s {
			s[i] = v
		}
		return s
	}
	shift := func(p []int, d int) []int {
		s := make([]int, w)
		for i, v := range p {
			s[i] = v + d
		}
		return s
	}
	// The ILM and the IS/OS-or-COST are the two most prominent dark-to-light edges, far
	// apart; the IS/OS and COST are then the two strongest near the lower one.
	anchors := lw.strongest(lw.cpos, full(1), full(h-2), 2, lw.px(60))
	ilm, anchor := anchors[0], anchors[1]
	// The two are found on edges followed by a bright band: the IS/OS and COST bands are
	// bright, the ELM line is not, and between cones, where the mosaic dims the IS/OS and
	// COST edges, the ELM's edge would otherwise take the IS/OS's place for a stretch.
	below := lw.px(6)
	for z := range h {
		for x := range w {
			i := z*w + x
			lw.biased[i] = (lw.cpos[i] + lw.brightCost[min(z+below, h-1)*w+x]) / 2
		}
	}
	outer := lw.strongest(lw.biased, shift(anchor, -lw.px(45)), shift(anchor, lw.px(45)), 2, lw.px(9))
	isos := outer[0]
	// Below the IS/OS: the RPE's outer edge, then the COST's edge above the RPE band (not
	// the COST-to-RPE step, which is strong where the cones leave gaps).
	rpe, _ := lw.path(lw.cneg, shift(isos, lw.px(20)), shift(isos, lw.px(90)))
	costLo, costHi := shift(rpe, -lw.px(36)), shift(rpe, -lw.px(17))
	for x := range w {
		costLo[x] = max(costLo[x], isos[x]+lw.px(12))
	}
	cost, _ := lw.path(lw.cpos, costLo, costHi)
	elm, _ := lw.path(lw.cpos, shift(isos, -lw.px(45)), shift(isos, -lw.px(12)))
	// Inner retina: the bands first (dark ONL, INL, GCL; bright OPL, IPL, RNFL), which are
	// thick and so stand out of the speckle better than their edges, then each
	// light-to-dark edge between a bright band and the dark band below it.
	onl, _ := lw.path(lw.wideCost, shift(ilm, lw.px(30)), shift(elm, -lw.px(9)))
	// The OPL/ONL is the first light-to-dark edge above the ONL: a slight preference for
	// depth keeps the IPL/INL, further up, from taking its place.
	oplonl0 := lw.deepestEdge(shift(onl, -lw.px(75)), shift(onl, -lw.px(3)))
	inl, _ := lw.path(lw.darkCost, shift(ilm, lw.px(20)), shift(oplonl0, -lw.px(6)))
	opl, _ := lw.path(lw.brightCost, shift(inl, lw.px(6)), shift(oplonl0, -1))
	gcl, _ := lw.path(lw.darkCost, shift(ilm, lw.px(9)), shift(inl, -lw.px(21)))
	ipl, _ := lw.path(lw.brightCost, shift(gcl, lw.px(6)), shift(inl, -lw.px(6)))
	rnfl, _ := lw.path(lw.brightCost, shift(ilm, 1), shift(gcl, -lw.px(6)))
	nflgcl, _ := lw.path(lw.cneg, rnfl, gcl)
	iplinl, _ := lw.path(lw.cneg, ipl, inl)
	oplonl, _ := lw.path(lw.cneg, opl, onl)
	paths := [NumBoundaries][]int{ilm, nflgcl, iplinl, oplonl, elm, isos, cost, rpe}
	lw.bands = [][]int{rnfl, gcl, ipl, inl, opl, onl}
	// The ELM, IS/OS and COST are thin bright lines: their boundary is the line's centre,
	// the intensity ridge just below the dark-to-light edge found.
	// The COST band lies right on the brighter RPE: its ridge is sought only a voxel deep.
	lw.ridge(lw.result[BoundaryELM], paths[BoundaryELM], lw.px(9))
	lw.ridge(lw.result[BoundaryISOS], paths[BoundaryISOS], lw.px(9))
	lw.ridge(lw.result[BoundaryCOST], paths[BoundaryCOST], 1)
	for k, p := range paths {
		if k == BoundaryELM || k == BoundaryISOS || k == BoundaryCOST {
			continue
		}
		sign := float32(1)
		if k == BoundaryNFLGCL || k == BoundaryIPLINL || k == BoundaryOPLONL || k == BoundaryRPEBM {
			sign = -1
		}
		lw.refine(lw.result[k], p, sign)
	}
}

// deepestEdgePreference is the extra cost, per window height, of a light-to-dark edge at
// the top of deepestEdge's window over one at its bottom.
const deepestEdgePreference = 0.25

// deepestEdge is the light-to-dark path between lo and hi with a cost rising linearly
// towards the top of the window.
func (lw *layerWork) deepestEdge(lo, hi []int) []int {
	w, h := lw.w, lw.h
	c := lw.biased
	for x := range w {
		a, b := min(max(lo[x], 1), h-2), min(max(hi[x], 1), h-2)
		span := float32(max(b-a, 1))
		for z := a; z <= b; z++ {
			c[z*w+x] = lw.cneg[z*w+x] + deepestEdgePreference*float32(b-z)/span
		}
	}
	p, _ := lw.path(c, lo, hi)
	return p
}

// ridge places each column's boundary at the sub-voxel intensity maximum of the smoothed
// B-scan within reach voxels below the edge path p.
func (lw *layerWork) ridge(dst []float32, p []int, reach int) {
	w, h := lw.w, lw.h
	for x, z0 := range p {
		best := min(max(z0, 1), h-2)
		for z := best; z <= min(z0+reach, h-2); z++ {
			if lw.s.Pix[z*w+x] > lw.s.Pix[best*w+x] {
				best = z
			}
		}
		a, b, c := lw.s.Pix[(best-1)*w+x], lw.s.Pix[best*w+x], lw.s.Pix[(best+1)*w+x]
		off := float32(0)
		if den := a - 2*b + c; den < 0 {
			off = min(max(0.5*(a-c)/den, -0.5), 0.5)
		}
		dst[x] = float32(best) + off
	}
}

// refine places each column's boundary at the parabolic peak of the signed gradient
// around the path's voxel (central differences peak at the edge between two voxels).
func (lw *layerWork) refine(dst []float32, p []int, sign float32) {
	w, h := lw.w, lw.h
	for x, z := range p {
		z = min(max(z, 1), h-2)
		a := sign * lw.grad[(z-1)*w+x]
		b := sign * lw.grad[z*w+x]
		c := sign * lw.grad[(z+1)*w+x]
		off := float32(0)
		if den := a - 2*b + c; den < 0 {
			off = min(max(0.5*(a-c)/den, -0.5), 0.5)
		}
		dst[x] = float32(z) + off
	}
}

// strongest finds up to k non-crossing boundaries in the region between lo and hi, at
// least gap voxels apart, strongest first (the region is split above and below each one
// found), and returns them sorted from top to bottom. Missing ones repeat the nearest.
func (lw *layerWork) strongest(cost []float32, lo, hi []int, k, gap int) [][]int {
	type region struct {
		lo, hi []int
		path   []int
		cost   float64
	}
	var open []*region
	add := func(lo, hi []int) {
		bad := 0
		for x := range lo {
			if lo[x] > hi[x] {
				bad++
			}
		}
		if bad*10 > len(lo) {
			return
		}
		p, c := lw.path(cost, lo, hi)
		open = append(open, &region{lo, hi, p, c})
	}
	add(lo, hi)
	var found [][]int
	for len(found) < k && len(open) > 0 {
		bi := 0
		for i, r := range open {
			if r.cost < open[bi].cost {
				bi = i
			}
		}
		r := open[bi]
		open = slices.Delete(open, bi, bi+1)
		found = append(found, r.path)
		above, below := make([]int, len(lo)), make([]int, len(lo))
		for x, z := range r.path {
			above[x], below[x] = z-gap, z+gap
		}
		add(r.lo, above)
		add(below, r.hi)
	}
	if len(found) == 0 {
		found = append(found, clampPath(lo, hi))
	}
	mean := func(p []int) float64 {
		s := 0
		for _, z := range p {
			s += z
		}
		return float64(s) / float64(len(p))
	}
	slices.SortFunc(found, func(a, b []int) int {
		if mean(a) < mean(b) {
			return -1
		}
		return 1
	})
	for len(found) < k {
		found = append(found, found[len(found)-1])
	}
	return found
}

func clampPath(lo, hi []int) []int {
	p := make([]int, len(lo))
	for i := range p {
		p[i] = (lo[i] + hi[i]) / 2
	}
	return p
}

// stepPenalty is the cost of each voxel of depth change between neighbouring columns.
const stepPenalty = 0.12

// path returns the minimum-cost path across the columns with lo[x] ≤ z ≤ hi[x] (clamped to
// the image) and a depth step of at most MaxStepPx, and its mean cost per column.
func (lw *layerWork) path(cost []float32, lo, hi []int) ([]int, float64) {
	w, h := lw.w, lw.h
	step := lw.o.MaxStepPx
	inf := float32(math.Inf(1))
	window := func(x int) (int, int) {
		a, b := min(max(lo[x], 1), h-2), min(max(hi[x], 1), h-2)
		if a > b {
			a = (a + b) / 2
			b = a
		}
		return a, b
	}
	d, dp := lw.d, lw.dp
	a0, b0 := window(0)
	for z := range h {
		dp[z] = inf
	}
	for z := a0; z <= b0; z++ {
		dp[z] = cost[z*w]
	}
	pa, pb := a0, b0
	for x := 1; x < w; x++ {
		a, b := window(x)
		for z := range h {
			d[z] = inf
		}
		for z := a; z <= b; z++ {
			best, bz := inf, -1
			for zz := max(pa, z-step); zz <= min(pb, z+step); zz++ {
				c := dp[zz] + stepPenalty*float32(absInt(z-zz))
				if c < best {
					best, bz = c, zz
				}
			}
			if bz < 0 {
				// The windows do not meet within a step: join the nearest end.
				bz = pa
				if z > pb {
					bz = pb
				}
				best = dp[bz] + stepPenalty*float32(absInt(z-bz))
			}
			d[z] = best + cost[z*w+x]
			lw.back[x*h+z] = int16(bz)
		}
		d, dp = dp, d
		pa, pb = a, b
	}
	bz := pa
	for z := pa; z <= pb; z++ {
		if dp[z] < dp[bz] {
			bz = z
		}
	}
	total := float64(dp[bz])
	p := make([]int, w)
	p[w-1] = bz
	for x := w - 1; x > 0; x-- {
		p[x-1] = int(lw.back[x*h+p[x]])
	}
	return p, total / float64(w)
}

func absInt(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// percentileAbs returns the q-quantile of the positive (pos) or negative values' magnitudes
// (at least a tiny positive number), from a 4096-bin histogram: it only scales costs, and a
// sort per B-scan would cost more than the graph search.
func percentileAbs(g []float32, q float64, pos bool) float32 {
	var top float32
	n := 0
	for _, v := range g {
		if !pos {
			v = -v
		}
		if v > 0 {
			top = max(top, v)
			n++
		}
	}
	if n == 0 || !(top > 0) {
		return 1e-12
	}
	const bins = 4096
	var hist [bins]int32
	scale := float32(bins) / top
	for _, v := range g {
		if !pos {
			v = -v
		}
		if v > 0 {
			hist[min(int(v*scale), bins-1)]++
		}
	}
	want := int(q * float64(n))
	c := 0
	for i, h := range &hist {
		c += int(h)
		if c > want {
			return max(float32(i+1)/scale, 1e-12)
		}
	}
	return top
}

// WithMotion maps boundaries found on a motion-corrected volume (CorrectBScanMotion) back
// into the coordinates of the volume as acquired: column x of B-scan y there shows column
// x − DX[y] of the corrected one, DZ[y] deeper.
func (l *LayerBoundaries) WithMotion(m BScanMotion) *LayerBoundaries {
	out := &LayerBoundaries{X: l.X, Y: l.Y}
	for k := range out.Z {
		out.Z[k] = make([]float32, len(l.Z[k]))
		for y := range l.Y {
			row := l.Z[k][y*l.X : (y+1)*l.X]
			for x := range l.X {
				p := math.Min(math.Max(float64(x)-m.DX[y], 0), float64(l.X-1))
				x0 := min(int(p), l.X-2)
				f := float32(p - float64(x0))
				out.Z[k][y*l.X+x] = row[x0] + f*(row[x0+1]-row[x0]) + float32(m.DZ[y])
			}
		}
	}
	return out
}

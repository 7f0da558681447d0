package imaging

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"sync"
)

// FrameMotion is the motion of one frame relative to the reference frame of a stack:
// frame(x, y) ≈ ref(x − DX − RowDX[y], y − DY − RowDY[y]), with y the frame's own row.
type FrameMotion struct {
	// DX, DY is the whole-frame translation in pixels.
	DX float64 `json:"dx"`
	DY float64 `json:"dy"`
	// RowDX, RowDY are per-row residuals on top of DX, DY from strip-wise registration
	// (within-frame motion of a raster scan); nil when not estimated.
	RowDX []float64 `json:"rowDx,omitempty"`
	RowDY []float64 `json:"rowDy,omitempty"`
	// Peak is the normalised phase-correlation peak in [0, 1]; low values mean an
	// unreliable match.
	Peak float64 `json:"peak"`
}

// RegisterOptions tunes RegisterStack. The zero value registers every frame to the
// first one with whole-frame shifts only.
type RegisterOptions struct {
	// Reference is the index of the reference frame, unless AutoReference is set.
	Reference int
	// AutoReference picks as reference the frame best correlated with a few probe
	// frames spread through the stack (costs about 3 extra correlations per frame).
	AutoReference bool
	// StripRows > 0 enables strip-wise registration with strips of that many rows
	// (rounded up to a power of two), giving RowDX/RowDY.
	StripRows int
	// StripStep is the row step between strips; 0 means StripRows/2.
	StripStep int
	// MinStripPeak is the correlation peak below which a strip is discarded and its
	// rows interpolated from neighbours; 0 means 0.05.
	MinStripPeak float64
	// FineSize caps the side of the full-resolution patch used for the sub-pixel
	// estimate; 0 means 256. Larger is slower and slightly more precise.
	FineSize int
	// Workers is the number of frames registered in parallel; 0 means GOMAXPROCS.
	Workers int
}

const (
	defaultFineSize = 256
	// coarseSize is the side the coarse stage bins frames to: 64 (a power of 4, for
	// gonum's radix-4 kernels) costs a quarter of 128, and on cone-mosaic phantom stacks
	// (0.3–7°, SNR 1–10, jitter up to 40 px) and the textures of the tests it gave the same
	// fine-stage results, since the fine stage searches the whole patch anyway.
	coarseSize          = 64
	defaultMinStripPeak = 0.05
	weakPeak            = 0.05
	// noiseFloorFactor scales the outer-band median |A·B| into the cross-power
	// regulariser λ; tests on textures with additive noise found a broad plateau of
	// best accuracy from about 30 to 300, with clean-image accuracy unchanged.
	noiseFloorFactor = 30
)

// PhaseCorrelate returns the translation of mov relative to ref, defined so that
// mov(x, y) ≈ ref(x − dx, y − dy), and the normalised correlation peak in [0, 1].
// It uses Hann-windowed FFT phase correlation, coarse-to-fine for frames larger than
// 256 px, with the sub-pixel peak found by Newton's method on the continuous
// (Fourier-interpolated) correlation surface. It panics if the sizes differ.
func PhaseCorrelate(ref, mov *Image) (dx, dy, peak float64) {
	return NewRegisterer(RegisterOptions{}).Shift(ref, mov)
}

// Registerer estimates translations between frames, reusing its FFT plans and buffers
// across calls. It is not safe for concurrent use; use one per goroutine.
type Registerer struct {
	fineSize int
	plans    map[planKey]*pcPlan
	bin      []float64
}

type planKey struct{ nx, ny, ex, ey int }

// NewRegisterer returns a Registerer configured by opts (FineSize only).
func NewRegisterer(opts RegisterOptions) *Registerer {
	fs := opts.FineSize
	if fs <= 0 {
		fs = defaultFineSize
	}
	return &Registerer{fineSize: prevPow2(max(fs, 16)), plans: map[planKey]*pcPlan{}}
}

// plan returns the correlation plan for an nx×ny transform holding ex×ey pixels of data.
func (r *Registerer) plan(nx, ny, ex, ey int) *pcPlan {
	k := planKey{nx, ny, ex, ey}
	p, ok := r.plans[k]
	if !ok {
		p = newPCPlan(nx, ny, ex, ey)
		r.plans[k] = p
	}
	return p
}

// Shift is PhaseCorrelate with the Registerer's buffers.
func (r *Registerer) Shift(ref, mov *Image) (dx, dy, peak float64) {
	if ref.W != mov.W || ref.H != mov.H {
		panic(fmt.Sprintf("imaging: phase correlation of %dx%d and %dx%d images", ref.W, ref.H, mov.W, mov.H))
	}
	w, h := ref.W, ref.H
	if w == 0 || h == 0 {
		return 0, 0, 0
	}
	if max(w, h) <= r.fineSize {
		p := r.plan(nextPow2(w), nextPow2(h), w, h)
		loadPatch(p, p.specA, ref.Pix, w, 0, 0, true)
		loadPatch(p, p.specB, mov.Pix, w, 0, 0, false)
		return p.correlate(p.nx/2, p.ny/2)
	}
	return r.coarseFine(ref, mov, nil)
}

// coarseFine runs the coarse then the fine stage. Block averaging can wash out very
// fine textures; when the fine match is then weak, the unshifted pairing is tried too.
func (r *Registerer) coarseFine(ref, mov *Image, cache *refCache) (dx, dy, peak float64) {
	ox, oy := r.coarse(ref, mov)
	dx, dy, peak = r.fine(ref, mov, ox, oy, cache)
	if peak < weakPeak && (ox != 0 || oy != 0) {
		if x, y, p := r.fine(ref, mov, 0, 0, cache); p > peak {
			return x, y, p
		}
	}
	return dx, dy, peak
}

// coarse estimates the integer shift on block-averaged frames, so the fine patch pair
// can be cut where the frames overlap.
func (r *Registerer) coarse(ref, mov *Image) (ox, oy int) {
	b := (max(ref.W, ref.H) + coarseSize - 1) / coarseSize
	bw, bh := ref.W/b, ref.H/b
	p := r.plan(nextPow2(bw), nextPow2(bh), bw, bh)
	if cap(r.bin) < bw*bh {
		r.bin = make([]float64, bw*bh)
	}
	buf := r.bin[:bw*bh]
	binInto(buf, ref, b, bw, bh)
	loadPatch(p, p.specA, buf, bw, 0, 0, true)
	binInto(buf, mov, b, bw, bh)
	loadPatch(p, p.specB, buf, bw, 0, 0, true)
	// The fine stage refines this to sub-pixel precision; the parabolic peak is enough.
	cdx, cdy := p.correlatePeak(p.nx/2, p.ny/2)
	return int(math.Round(cdx * float64(b))), int(math.Round(cdy * float64(b)))
}

// fine correlates full-resolution patches of ref and mov whose origins differ by about
// (ox, oy). A non-nil cache holds the reference patch spectrum for the default origin.
func (r *Registerer) fine(ref, mov *Image, ox, oy int, cache *refCache) (dx, dy, peak float64) {
	w, h := ref.W, ref.H
	fw, fh := min(r.fineSize, prevPow2(w)), min(r.fineSize, prevPow2(h))
	p := r.plan(fw, fh, fw, fh)
	rx, ry := (w-fw)/2, (h-fh)/2
	mx, my := clampInt(rx+ox, 0, w-fw), clampInt(ry+oy, 0, h-fh)
	rx, ry = clampInt(mx-ox, 0, w-fw), clampInt(my-oy, 0, h-fh)
	if cache != nil && cache.ok && cache.x == rx && cache.y == ry && len(cache.spec) == len(p.specA) {
		copy(p.specA, cache.spec)
	} else {
		loadPatch(p, p.specA, ref.Pix, w, rx, ry, true)
		if cache != nil && rx == (w-fw)/2 && ry == (h-fh)/2 {
			cache.spec = append(cache.spec[:0], p.specA...)
			cache.x, cache.y, cache.ok = rx, ry, true
		}
	}
	loadPatch(p, p.specB, mov.Pix, w, mx, my, false)
	fdx, fdy, pk := p.correlate(fw/2, fh/2)
	return float64(mx-rx) + fdx, float64(my-ry) + fdy, pk
}

type refCache struct {
	spec []complex128
	x, y int
	ok   bool
}

// binInto writes the b×b block means of img (bw×bh blocks) to dst.
func binInto(dst []float64, img *Image, b, bw, bh int) {
	inv := 1 / float64(b*b)
	for by := range bh {
		d := dst[by*bw : (by+1)*bw]
		clear(d)
		for yy := by * b; yy < (by+1)*b; yy++ {
			src := img.Pix[yy*img.W:][:bw*b]
			if b == 8 { // 512-px frames
				for bx := range d {
					q := src[8*bx : 8*bx+8 : 8*bx+8]
					d[bx] += float64((q[0] + q[1]) + (q[2] + q[3]) + (q[4] + q[5]) + (q[6] + q[7]))
				}
				continue
			}
			for bx := range d {
				var s float32
				for _, v := range src[bx*b : bx*b+b] {
					s += v
				}
				d[bx] += float64(s)
			}
		}
		for i := range d {
			d[i] *= inv
		}
	}
}

func clampInt(v, lo, hi int) int {
	if v < lo {
		return lo
	}
	if v > hi {
		return hi
	}
	return v
}

// pcPlan holds the transforms and buffers for correlating ex×ey patches zero-padded to nx×ny.
type pcPlan struct {
	nx, ny, ex, ey int
	t              *fft2
	wx, wy         []float64
	real           []float64
	specA, specB   []complex128
	cross, work    []complex128
	ey1            []complex128
	bv             []float64
	mag, sample    []float64
	outerV         []bool  // vertical frequency v is in the outer band
	norm           float64 // Σ|R| over the full spectrum, the peak of a perfect match
}

func newPCPlan(nx, ny, ex, ey int) *pcPlan {
	t := newFFT2(nx, ny)
	n := t.specLen()
	outerV := make([]bool, ny)
	for v := range outerV {
		outerV[v] = math.Abs(float64(signedIdx(v, ny)))/float64(ny) >= 0.4
	}
	return &pcPlan{
		nx: nx, ny: ny, ex: ex, ey: ey, t: t, outerV: outerV,
		wx: hann(ex), wy: hann(ey),
		real:  make([]float64, nx*ny),
		specA: make([]complex128, n), specB: make([]complex128, n),
		cross: make([]complex128, n), work: make([]complex128, n),
		ey1: make([]complex128, ny), bv: make([]float64, ny), mag: make([]float64, n),
	}
}

// hann is a Hann window sampled at pixel centres, so no sample is exactly zero.
func hann(n int) []float64 {
	w := make([]float64, n)
	for i := range w {
		w[i] = 0.5 - 0.5*math.Cos(2*math.Pi*(float64(i)+0.5)/float64(n))
	}
	return w
}

// loadPatch cuts the ex×ey patch at (x0, y0) out of a row-major image with the given
// stride, removes its mean, applies the window if asked and writes its half spectrum
// to spec. Windowing only the reference keeps the correlation unbiased: with both
// windowed, the product of the two windows' overlap pulls the peak towards zero.
func loadPatch[T float32 | float64](p *pcPlan, spec []complex128, pix []T, stride, x0, y0 int, window bool) {
	buf := p.real
	if p.ex < p.nx || p.ey < p.ny {
		clear(buf) // zero padding
	}
	var sum float64
	for y := range p.ey {
		off := (y0+y)*stride + x0
		for _, v := range pix[off : off+p.ex] {
			sum += float64(v)
		}
	}
	mean := sum / float64(p.ex*p.ey)
	for y := range p.ey {
		d := buf[y*p.nx : y*p.nx+p.ex]
		off := (y0+y)*stride + x0
		src := pix[off : off+p.ex]
		if !window {
			for x, v := range src {
				d[x] = float64(v) - mean
			}
			continue
		}
		wy := p.wy[y]
		wx := p.wx[:len(d)]
		for x, v := range src {
			d[x] = (float64(v) - mean) * wy * wx[x]
		}
	}
	p.t.forwardReal(spec, buf)
}

// correlate finds the shift of specB relative to specA: the integer peak of the
// phase-correlation surface, then a Newton search for the maximum of its Fourier
// interpolation. The peak search is limited to |dx| < rx, |dy| < ry.
func (p *pcPlan) correlate(rx, ry int) (dx, dy, peak float64) {
	x0, y0 := p.correlatePeak(rx, ry)
	return p.newton(x0, y0)
}

// correlatePeak builds the weighted cross-power spectrum and returns the integer peak of
// its inverse transform refined by parabolas.
func (p *pcPlan) correlatePeak(rx, ry int) (x0, y0 float64) {
	nx, ny, hx := p.nx, p.ny, p.t.hx
	// Cross-power spectrum weighted as R = conj(A)·B/(|A·B| + λ): pure phase
	// correlation (sharp peak, exact on clean data) where the signal is well above
	// the noise, plain cross-correlation (the matched filter) where it is not. λ is a
	// multiple of the median |A·B| in the outer band (beyond 0.4 cycles/px), which is
	// mostly noise in AO images.
	// Nyquist terms are dropped because their shift phase is ambiguous.
	var total float64
	var nOuter int
	p.sample = p.sample[:0]
	outerV := p.outerV
	for u := range hx {
		outerU := float64(u)/float64(nx) >= 0.4
		col := p.cross[u*ny : (u+1)*ny]
		mag := p.mag[u*ny : (u+1)*ny][:len(col)]
		sa := p.specA[u*ny : (u+1)*ny][:len(col)]
		sb := p.specB[u*ny : (u+1)*ny][:len(col)]
		for v := range col {
			a, b := sa[v], sb[v]
			re := real(a)*real(b) + imag(a)*imag(b)
			im := real(a)*imag(b) - imag(a)*real(b)
			col[v] = complex(re, im)
			m := math.Sqrt(re*re + im*im)
			mag[v] = m
			total += m
			if outerU || outerV[v] {
				// Every 7th outer-band value (7 is coprime to the power-of-two
				// sizes) is plenty for the median.
				if nOuter%7 == 0 {
					p.sample = append(p.sample, m)
				}
				nOuter++
			}
		}
	}
	var lambda float64
	if len(p.sample) > 0 {
		k := len(p.sample) / 2
		lambda = noiseFloorFactor * coneSelect(p.sample, k)
	}
	lambda = math.Max(lambda, 1e-12*total/float64(len(p.cross))+math.SmallestNonzeroFloat64)
	var norm float64
	for u := range hx {
		col := p.cross[u*ny : (u+1)*ny]
		work := p.work[u*ny : (u+1)*ny][:len(col)]
		mag := p.mag[u*ny : (u+1)*ny][:len(col)]
		if nx%2 == 0 && u == nx/2 {
			clear(col)
			clear(work)
			continue
		}
		var cn float64
		for v, c := range col {
			k := 1 / (mag[v] + lambda)
			c = complex(real(c)*k, imag(c)*k)
			col[v] = c
			work[v] = c
			cn += mag[v] * k
		}
		if ny%2 == 0 {
			cn -= mag[ny/2] / (mag[ny/2] + lambda)
			col[ny/2], work[ny/2] = 0, 0
		}
		if u == 0 {
			norm += cn
		} else {
			norm += 2 * cn
		}
	}
	p.norm = norm
	p.t.inverseReal(p.real, p.work)
	best, bx, by := math.Inf(-1), 0, 0
	for y := 0; y < ny && rx > 0; y++ {
		sy := signedIdx(y, ny)
		if sy <= -ry || sy >= ry {
			continue
		}
		row := p.real[y*nx : (y+1)*nx]
		// Shifts 0…rx−1 then −rx+1…−1, each a contiguous run of the row.
		for i, v := range row[:rx] {
			if v > best {
				best, bx, by = v, i, sy
			}
		}
		for i, v := range row[nx-rx+1:] {
			if v > best {
				best, bx, by = v, i-rx+1, sy
			}
		}
	}
	// Parabolic start, then Newton on the continuous surface.
	at := func(x, y int) float64 { return p.real[((y+ny)%ny)*nx+(x+nx)%nx] }
	return float64(bx) + parabolic(at(bx-1, by), best, at(bx+1, by)), float64(by) + parabolic(at(bx, by-1), best, at(bx, by+1))
}

func signedIdx(i, n int) int {
	if i > n/2 {
		return i - n
	}
	return i
}

func parabolic(l, c, r float64) float64 {
	d := l - 2*c + r
	if d >= 0 {
		return 0
	}
	o := 0.5 * (l - r) / d
	return math.Max(-0.5, math.Min(0.5, o))
}

// newton maximises f(x, y) = Re Σ R(k)·exp(2πi(u·x/nx + v·y/ny)) over the full
// spectrum (the half spectrum counted twice), starting at (x, y).
func (p *pcPlan) newton(x, y float64) (dx, dy, peak float64) {
	nx, ny, hx := p.nx, p.ny, p.t.hx
	for v := range ny {
		p.bv[v] = 2 * math.Pi * float64(signedIdx(v, ny)) / float64(ny)
	}
	norm := p.norm
	f := 0.0
	for iter := 0; iter < 8; iter++ {
		for v := range ny {
			s, c := math.Sincos(p.bv[v] * y)
			p.ey1[v] = complex(c, s)
		}
		var s0, sa, saa, sb, sab, sbb complex128
		for u := range hx {
			col := p.cross[u*ny : (u+1)*ny]
			var q0r, q0i, q1r, q1i, q2r, q2i float64
			for v, r := range col {
				e := p.ey1[v]
				tr := real(r)*real(e) - imag(r)*imag(e)
				ti := real(r)*imag(e) + imag(r)*real(e)
				b := p.bv[v]
				q0r += tr
				q0i += ti
				q1r += b * tr
				q1i += b * ti
				q2r += b * b * tr
				q2i += b * b * ti
			}
			c := 2.0
			if u == 0 {
				c = 1
			}
			a := 2 * math.Pi * float64(u) / float64(nx)
			sn, cs := math.Sincos(a * x)
			e := complex(c*cs, c*sn)
			q0 := e * complex(q0r, q0i)
			q1 := e * complex(q1r, q1i)
			q2 := e * complex(q2r, q2i)
			s0 += q0
			sa += complex(a, 0) * q0
			saa += complex(a*a, 0) * q0
			sb += q1
			sab += complex(a, 0) * q1
			sbb += q2
		}
		f = real(s0)
		gx, gy := -imag(sa), -imag(sb)
		hxx, hxy, hyy := -real(saa), -real(sab), -real(sbb)
		det := hxx*hyy - hxy*hxy
		if hxx >= 0 || det <= 0 {
			break // not at a maximum's basin; keep the start
		}
		sx := -(hyy*gx - hxy*gy) / det
		sy := -(hxx*gy - hxy*gx) / det
		if l := math.Hypot(sx, sy); l > 0.5 {
			sx, sy = sx*0.5/l, sy*0.5/l
		}
		x, y = x+sx, y+sy
		if math.Abs(sx) < 1e-5 && math.Abs(sy) < 1e-5 {
			break
		}
	}
	return x, y, math.Max(0, math.Min(1, f/norm))
}

// RegisterStack estimates the motion of every frame relative to a reference frame
// (see RegisterOptions), with optional strip-wise within-frame motion.
func RegisterStack(frames []*Image, opts RegisterOptions) ([]FrameMotion, error) {
	if len(frames) == 0 {
		return nil, errors.New("register stack: no frames")
	}
	w, h := frames[0].W, frames[0].H
	for i, f := range frames {
		if f == nil {
			return nil, fmt.Errorf("register stack: frame %d is nil", i)
		}
		if f.W != w || f.H != h {
			return nil, fmt.Errorf("register stack: frame %d is %dx%d, frame 0 is %dx%d", i, f.W, f.H, w, h)
		}
	}
	if w < 8 || h < 8 {
		return nil, fmt.Errorf("register stack: frames of %dx%d are too small", w, h)
	}
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	ref := opts.Reference
	if opts.AutoReference {
		ref = autoReference(frames, opts, workers)
	} else if ref < 0 || ref >= len(frames) {
		return nil, fmt.Errorf("register stack: reference %d outside 0..%d", ref, len(frames)-1)
	}
	out := make([]FrameMotion, len(frames))
	parallelFrames(len(frames), workers, func(get func() (int, bool)) {
		r := NewRegisterer(opts)
		cache := &refCache{}
		for i, ok := get(); ok; i, ok = get() {
			out[i] = r.frameMotion(frames[ref], frames[i], opts, cache)
		}
	})
	return out, nil
}

// frameMotion registers one frame to the reference: whole frame, then strips.
func (r *Registerer) frameMotion(ref, mov *Image, opts RegisterOptions, cache *refCache) FrameMotion {
	var m FrameMotion
	switch {
	case ref == mov:
		m.Peak = 1
	case max(ref.W, ref.H) <= r.fineSize:
		m.DX, m.DY, m.Peak = r.Shift(ref, mov)
	default:
		m.DX, m.DY, m.Peak = r.coarseFine(ref, mov, cache)
	}
	if opts.StripRows > 0 && ref != mov {
		m.RowDX, m.RowDY = r.strips(ref, mov, m.DX, m.DY, opts)
	}
	return m
}

// strips estimates per-row residual motion from horizontal strips of mov matched
// against the reference around the whole-frame shift.
func (r *Registerer) strips(ref, mov *Image, dx, dy float64, opts RegisterOptions) (rowDX, rowDY []float64) {
	w, h := ref.W, ref.H
	sh := min(nextPow2(opts.StripRows), prevPow2(h))
	step := opts.StripStep
	if step <= 0 {
		step = max(1, sh/2)
	}
	minPeak := opts.MinStripPeak
	if minPeak <= 0 {
		minPeak = defaultMinStripPeak
	}
	sw := prevPow2(w)
	p := r.plan(sw, sh, sw, sh)
	ix, iy := int(math.Round(dx)), int(math.Round(dy))
	type est struct{ yc, rx, ry float64 }
	var ests []est
	for y0 := 0; y0+sh <= h; y0 += step {
		mx := clampInt((w-sw)/2+ix, 0, w-sw)
		rx := clampInt(mx-ix, 0, w-sw)
		ry := clampInt(y0-iy, 0, h-sh)
		loadPatch(p, p.specA, ref.Pix, w, rx, ry, true)
		loadPatch(p, p.specB, mov.Pix, w, mx, y0, false)
		sdx, sdy, pk := p.correlate(sw/4, sh/4)
		if pk < minPeak {
			continue
		}
		ests = append(ests, est{
			yc: float64(y0) + float64(sh-1)/2,
			rx: float64(mx-rx) + sdx - dx,
			ry: float64(y0-ry) + sdy - dy,
		})
	}
	rowDX, rowDY = make([]float64, h), make([]float64, h)
	if len(ests) == 0 {
		return rowDX, rowDY
	}
	if len(ests) == 1 {
		for y := range h {
			rowDX[y], rowDY[y] = ests[0].rx, ests[0].ry
		}
		return rowDX, rowDY
	}
	// Piecewise linear through the strip centres, extrapolated linearly at the ends
	// (motion is smooth there too, and holding the end value would err by the slope
	// times half a strip).
	j := 0
	for y := range h {
		fy := float64(y)
		for j+2 < len(ests) && ests[j+1].yc <= fy {
			j++
		}
		a, b := ests[j], ests[j+1]
		t := (fy - a.yc) / (b.yc - a.yc)
		rowDX[y] = a.rx + t*(b.rx-a.rx)
		rowDY[y] = a.ry + t*(b.ry-a.ry)
	}
	return rowDX, rowDY
}

// autoReference returns the frame with the highest mean correlation peak against up
// to three probe frames spread through the stack (itself excluded).
func autoReference(frames []*Image, opts RegisterOptions, workers int) int {
	n := len(frames)
	if n <= 2 {
		return 0
	}
	probes := []int{n / 4, n / 2, (3 * n) / 4}
	score := make([]float64, n)
	parallelFrames(n, workers, func(get func() (int, bool)) {
		r := NewRegisterer(opts)
		for i, ok := get(); ok; i, ok = get() {
			var sum float64
			var k int
			for _, pi := range probes {
				if pi != i {
					_, _, pk := r.Shift(frames[pi], frames[i])
					sum += pk
					k++
				}
			}
			score[i] = sum / float64(k)
		}
	})
	best := 0
	for i, s := range score {
		if s > score[best] {
			best = i
		}
	}
	return best
}

// parallelFrames runs fn on workers goroutines that share the indices 0..n-1.
func parallelFrames(n, workers int, fn func(get func() (int, bool))) {
	var mu sync.Mutex
	next := 0
	get := func() (int, bool) {
		mu.Lock()
		defer mu.Unlock()
		if next >= n {
			return 0, false
		}
		next++
		return next - 1, true
	}
	workers = max(1, min(workers, n))
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() { fn(get) })
	}
	wg.Wait()
}

// AverageFrames resamples every frame into the reference frame's coordinates with
// bilinear interpolation (row by row when RowDX/RowDY are present) and averages them,
// counting at each pixel only the frames that cover it; pixels no frame covers are 0.
// It panics if motion and frames differ in length or the frames differ in size.
func AverageFrames(frames []*Image, motion []FrameMotion) *Image {
	if len(frames) != len(motion) {
		panic(fmt.Sprintf("imaging: %d frames but %d motions", len(frames), len(motion)))
	}
	if len(frames) == 0 {
		return NewImage(0, 0)
	}
	w, h := frames[0].W, frames[0].H
	sum := make([]float64, w*h)
	cnt := make([]float32, w*h)
	for i, f := range frames {
		if f.W != w || f.H != h {
			panic(fmt.Sprintf("imaging: frame %d is %dx%d, frame 0 is %dx%d", i, f.W, f.H, w, h))
		}
		accumulateWarped(sum, cnt, f, motion[i])
	}
	out := NewImage(w, h)
	for i, c := range cnt {
		if c > 0 {
			out.Pix[i] = float32(sum[i] / float64(c))
		}
	}
	return out
}

// accumulateWarped adds frame f, pulled back into reference coordinates, to sum/cnt.
// Reference pixel (xr, yr) reads f at (xr + dx(ym), ym) where ym = yr + dy(ym); the
// per-row shift varies slowly, so a few fixed-point steps solve for ym.
func accumulateWarped(sum []float64, cnt []float32, f *Image, m FrameMotion) {
	w, h := f.W, f.H
	if w < 2 || h < 2 {
		for i, v := range f.Pix {
			sum[i] += float64(v)
			cnt[i]++
		}
		return
	}
	rows := len(m.RowDX) == h && len(m.RowDY) == h
	rowShift := func(ym float64) (float64, float64) {
		if !rows {
			return m.DX, m.DY
		}
		y := math.Max(0, math.Min(float64(h-1), ym))
		i := int(y)
		if i >= h-1 {
			return m.DX + m.RowDX[h-1], m.DY + m.RowDY[h-1]
		}
		t := y - float64(i)
		return m.DX + m.RowDX[i] + t*(m.RowDX[i+1]-m.RowDX[i]), m.DY + m.RowDY[i] + t*(m.RowDY[i+1]-m.RowDY[i])
	}
	for yr := range h {
		_, sdy := rowShift(float64(yr) + m.DY)
		ym := float64(yr) + sdy
		if rows {
			for range 4 {
				_, sdy = rowShift(ym)
				ym = float64(yr) + sdy
			}
		}
		sdx, _ := rowShift(ym)
		if ym < 0 || ym > float64(h-1) {
			continue
		}
		y0 := min(int(ym), h-2)
		ty := float32(ym - float64(y0))
		r0 := f.Pix[y0*w : (y0+1)*w]
		r1 := f.Pix[(y0+1)*w : (y0+2)*w]
		// Columns whose source xm = xr + sdx lies in [0, w−1].
		xlo := max(0, int(math.Ceil(-sdx)))
		xhi := min(w-1, int(math.Floor(float64(w-1)-sdx)))
		if xlo > xhi {
			continue
		}
		fx := int(math.Floor(float64(xlo) + sdx))
		tx := float32(float64(xlo) + sdx - float64(fx))
		srow := sum[yr*w : (yr+1)*w]
		crow := cnt[yr*w : (yr+1)*w]
		for xr := xlo; xr <= xhi; xr++ {
			x0 := fx + (xr - xlo)
			var a, b float32
			if x0 >= w-1 {
				a, b = r0[w-1], r1[w-1]
			} else {
				a = r0[x0] + tx*(r0[x0+1]-r0[x0])
				b = r1[x0] + tx*(r1[x0+1]-r1[x0])
			}
			srow[xr] += float64(a + ty*(b-a))
			crow[xr]++
		}
	}
}

package imaging

import "math"

// field is a w×h float64 scratch image used by the filters, row-major.
type field struct {
	w, h int
	v    []float64
}

func newField(w, h int) *field { return &field{w, h, make([]float64, w*h)} }

func fieldOf(img *Image) *field {
	f := newField(img.W, img.H)
	for i, p := range img.Pix {
		f.v[i] = float64(p)
	}
	return f
}

// at returns the value at (x, y) with the border mirrored.
func (f *field) at(x, y int) float64 {
	return f.v[mirror(y, f.h)*f.w+mirror(x, f.w)]
}

// bilinear samples f at a real position, clamped to the image.
func (f *field) bilinear(x, y float64) float64 {
	x = min(max(x, 0), float64(f.w-1))
	y = min(max(y, 0), float64(f.h-1))
	x0, y0 := int(x), int(y)
	x1, y1 := min(x0+1, f.w-1), min(y0+1, f.h-1)
	fx, fy := x-float64(x0), y-float64(y0)
	a := f.v[y0*f.w+x0]*(1-fx) + f.v[y0*f.w+x1]*fx
	b := f.v[y1*f.w+x0]*(1-fx) + f.v[y1*f.w+x1]*fx
	return a*(1-fy) + b*fy
}

func mirror(i, n int) int {
	if n == 1 {
		return 0
	}
	for i < 0 || i >= n {
		if i < 0 {
			i = -i
		}
		if i >= n {
			i = 2*(n-1) - i
		}
	}
	return i
}

// gaussianSmooth blurs f with a separable Gaussian of standard deviation sigma (px), mirroring
// the border.
func gaussianSmooth(f *field, sigma float64) *field {
	if sigma <= 0 {
		c := newField(f.w, f.h)
		copy(c.v, f.v)
		return c
	}
	r := int(math.Ceil(3 * sigma))
	k := make([]float64, 2*r+1)
	s := 0.0
	for i := range k {
		d := float64(i - r)
		k[i] = math.Exp(-d * d / (2 * sigma * sigma))
		s += k[i]
	}
	for i := range k {
		k[i] /= s
	}
	tmp := newField(f.w, f.h)
	for y := range f.h {
		for x := range f.w {
			acc := 0.0
			for i, kv := range k {
				acc += kv * f.v[y*f.w+mirror(x+i-r, f.w)]
			}
			tmp.v[y*f.w+x] = acc
		}
	}
	out := newField(f.w, f.h)
	for y := range f.h {
		for x := range f.w {
			acc := 0.0
			for i, kv := range k {
				acc += kv * tmp.v[mirror(y+i-r, f.h)*f.w+x]
			}
			out.v[y*f.w+x] = acc
		}
	}
	return out
}

// gradient returns the central-difference derivatives of f along x and y.
func gradient(f *field) (gx, gy *field) {
	gx, gy = newField(f.w, f.h), newField(f.w, f.h)
	for y := range f.h {
		for x := range f.w {
			gx.v[y*f.w+x] = (f.at(x+1, y) - f.at(x-1, y)) / 2
			gy.v[y*f.w+x] = (f.at(x, y+1) - f.at(x, y-1)) / 2
		}
	}
	return gx, gy
}

// hessian returns the second derivatives of f by central differences.
func hessian(f *field) (dxx, dxy, dyy *field) {
	dxx, dxy, dyy = newField(f.w, f.h), newField(f.w, f.h), newField(f.w, f.h)
	for y := range f.h {
		for x := range f.w {
			c := f.at(x, y)
			i := y*f.w + x
			dxx.v[i] = f.at(x+1, y) - 2*c + f.at(x-1, y)
			dyy.v[i] = f.at(x, y+1) - 2*c + f.at(x, y-1)
			dxy.v[i] = (f.at(x+1, y+1) - f.at(x-1, y+1) - f.at(x+1, y-1) + f.at(x-1, y-1)) / 4
		}
	}
	return dxx, dxy, dyy
}

// sym2Eigen returns the eigenvalues of [[a b] [b c]] ordered by absolute value (|l1| ≤ |l2|)
// and the unit eigenvector (vx, vy) of l2.
func sym2Eigen(a, b, c float64) (l1, l2, vx, vy float64) {
	tr, d := (a+c)/2, math.Hypot((a-c)/2, b)
	e1, e2 := tr+d, tr-d
	if math.Abs(e1) > math.Abs(e2) {
		l1, l2 = e2, e1
	} else {
		l1, l2 = e1, e2
	}
	// Eigenvector of l2: (b, l2-a) or (l2-c, b), whichever is better conditioned.
	vx, vy = b, l2-a
	if math.Abs(l2-c) > math.Abs(vy) {
		vx, vy = l2-c, b
	}
	if n := math.Hypot(vx, vy); n > 0 {
		vx, vy = vx/n, vy/n
	} else {
		vx, vy = 1, 0
	}
	return l1, l2, vx, vy
}

// distanceTransform returns, for each true pixel of mask, the Euclidean distance (px) to the
// nearest false pixel (Felzenszwalb & Huttenlocher's exact linear-time transform); pixels
// beyond the image count as false.
func distanceTransform(mask []bool, w, h int) []float64 {
	const inf = 1e20
	d := make([]float64, w*h)
	for i, m := range mask {
		if m {
			d[i] = inf
		}
	}
	// Pad by one so the outside counts as background.
	pw, ph := w+2, h+2
	g := make([]float64, pw*ph)
	for y := range ph {
		for x := range pw {
			if x > 0 && y > 0 && x <= w && y <= h {
				g[y*pw+x] = d[(y-1)*w+x-1]
			}
		}
	}
	col := make([]float64, max(pw, ph))
	out := make([]float64, max(pw, ph))
	for x := range pw {
		for y := range ph {
			col[y] = g[y*pw+x]
		}
		edt1D(col[:ph], out[:ph])
		for y := range ph {
			g[y*pw+x] = out[y]
		}
	}
	for y := range ph {
		edt1D(g[y*pw:(y+1)*pw], out[:pw])
		copy(g[y*pw:(y+1)*pw], out[:pw])
	}
	for y := range h {
		for x := range w {
			d[y*w+x] = math.Sqrt(g[(y+1)*pw+x+1])
		}
	}
	return d
}

// edt1D is the 1D squared distance transform of sampled function f into out.
func edt1D(f, out []float64) {
	n := len(f)
	v := make([]int, n)
	z := make([]float64, n+1)
	k := 0
	z[0], z[1] = math.Inf(-1), math.Inf(1)
	for q := 1; q < n; q++ {
		var s float64
		for {
			p := v[k]
			s = ((f[q] + float64(q*q)) - (f[p] + float64(p*p))) / float64(2*q-2*p)
			if s > z[k] || k == 0 {
				break
			}
			k--
		}
		if s <= z[k] {
			// Only reachable with k == 0 and s ≤ -inf, i.e. never for finite inputs.
			k = 0
		} else {
			k++
		}
		v[k] = q
		z[k] = s
		z[k+1] = math.Inf(1)
	}
	k = 0
	for q := range n {
		for z[k+1] < float64(q) {
			k++
		}
		d := float64(q - v[k])
		out[q] = d*d + f[v[k]]
	}
}

// zhangSuen thins a binary mask to a one-pixel-wide 8-connected skeleton (Zhang & Suen 1984).
func zhangSuen(mask []bool, w, h int) []bool {
	s := make([]bool, len(mask))
	copy(s, mask)
	get := func(x, y int) int {
		if x < 0 || y < 0 || x >= w || y >= h || !s[y*w+x] {
			return 0
		}
		return 1
	}
	var del []int
	for changed := true; changed; {
		changed = false
		for pass := range 2 {
			del = del[:0]
			for y := range h {
				for x := range w {
					if !s[y*w+x] {
						continue
					}
					p := [8]int{get(x, y-1), get(x+1, y-1), get(x+1, y), get(x+1, y+1),
						get(x, y+1), get(x-1, y+1), get(x-1, y), get(x-1, y-1)}
					b := 0
					a := 0
					for i := range 8 {
						b += p[i]
						if p[i] == 0 && p[(i+1)%8] == 1 {
							a++
						}
					}
					if b < 2 || b > 6 || a != 1 {
						continue
					}
					if pass == 0 && (p[0]*p[2]*p[4] != 0 || p[2]*p[4]*p[6] != 0) {
						continue
					}
					if pass == 1 && (p[0]*p[2]*p[6] != 0 || p[0]*p[4]*p[6] != 0) {
						continue
					}
					del = append(del, y*w+x)
				}
			}
			for _, i := range del {
				s[i] = false
			}
			if len(del) > 0 {
				changed = true
			}
		}
	}
	return s
}

// otsuThreshold returns the threshold maximising the between-class variance of v.
func otsuThreshold(v []float64) float64 {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, x := range v {
		lo, hi = math.Min(lo, x), math.Max(hi, x)
	}
	if hi <= lo {
		return lo
	}
	const bins = 256
	var hist [bins]float64
	for _, x := range v {
		hist[min(int((x-lo)/(hi-lo)*bins), bins-1)]++
	}
	total, sumAll := float64(len(v)), 0.0
	for i, c := range &hist {
		sumAll += float64(i) * c
	}
	best, bestT := -1.0, 0
	wB, sumB := 0.0, 0.0
	for i, c := range &hist {
		wB += c
		sumB += float64(i) * c
		wF := total - wB
		if wB == 0 || wF == 0 {
			continue
		}
		mB, mF := sumB/wB, (sumAll-sumB)/wF
		if between := wB * wF * (mB - mF) * (mB - mF); between > best {
			best, bestT = between, i
		}
	}
	return lo + (float64(bestT)+1)/bins*(hi-lo)
}

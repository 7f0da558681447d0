package inference

import "math"

// Tiling is how an image is cut for the network: tiles of Size×Size px overlapping by
// Overlap px, Batch tiles per run. An image no larger than one tile runs whole.
type Tiling struct {
	Size, Overlap, Batch int
}

// DefaultTiling fits a 512×512 image in one tile and batches 8 tiles (or augmentations).
var DefaultTiling = Tiling{Size: 512, Overlap: 64, Batch: 8}

// aligned rounds the tiling up to multiples of the network's size multiple, so every tile
// starts on the network's pooling grid and a tile sees exactly what the whole image would.
func (t Tiling) aligned(mult int) Tiling {
	up := func(v int) int { return (v + mult - 1) / mult * mult }
	t.Size, t.Overlap = up(max(t.Size, mult)), up(max(t.Overlap, 0))
	if t.Overlap >= t.Size {
		t.Overlap = t.Size - mult
	}
	t.Batch = max(t.Batch, 1)
	return t
}

// span is a tile's extent [lo, hi) along one axis.
type span struct{ lo, hi int }

// tileSpans covers [0, n) with tiles of size t overlapping by at least o; starts stay on the
// grid of t-o (and n-t for the last), all multiples of the caller's multiple.
func tileSpans(n, t, o int) []span {
	if n <= t {
		return []span{{0, n}}
	}
	var s []span
	for lo := 0; ; lo += t - o {
		if lo+t >= n {
			s = append(s, span{n - t, n})
			return s
		}
		s = append(s, span{lo, lo + t})
	}
}

// blendWeights are a tile's weights along one axis: 1 where the tile meets the image border,
// 0 within a margin of o/4 of an edge inside the image (the network saw padding there, not
// the neighbourhood), and a linear ramp between, so that two tiles overlapping by o sum to 1.
func blendWeights(sp span, n, o int) []float32 {
	w := make([]float32, sp.hi-sp.lo)
	margin := o / 4
	ramp := func(d int) float32 {
		if o-2*margin <= 0 {
			return 1
		}
		return float32(math.Min(1, math.Max(0, (float64(d)+0.5-float64(margin))/float64(o-2*margin))))
	}
	for i := range w {
		v := float32(1)
		if sp.lo > 0 {
			v *= ramp(i)
		}
		if sp.hi < n {
			v *= ramp(len(w) - 1 - i)
		}
		w[i] = v
	}
	return w
}

// zscore returns (x - mean) / (std + 1e-6) over the image, the models' per-image input
// normalisation (population standard deviation, as numpy's std).
func zscore(pix []float32) []float32 {
	var sum, sq float64
	for _, v := range pix {
		sum += float64(v)
	}
	mean := sum / float64(len(pix))
	for _, v := range pix {
		d := float64(v) - mean
		sq += d * d
	}
	inv := 1 / (math.Sqrt(sq/float64(len(pix))) + 1e-6)
	out := make([]float32, len(pix))
	for i, v := range pix {
		out[i] = float32((float64(v) - mean) * inv)
	}
	return out
}

// reflect maps any index onto [0, n) by mirror reflection without repeating the edge
// (numpy's "reflect"), periodically for pads longer than the image.
func reflect(i, n int) int {
	if n == 1 {
		return 0
	}
	p := 2 * (n - 1)
	i %= p
	if i < 0 {
		i += p
	}
	if i >= n {
		i = p - i
	}
	return i
}

// padReflect pads a w×h image on the right and bottom to pw×ph by reflection.
func padReflect(pix []float32, w, h, pw, ph int) []float32 {
	if pw == w && ph == h {
		return pix
	}
	out := make([]float32, pw*ph)
	for y := 0; y < ph; y++ {
		row := pix[reflect(y, h)*w:]
		copy(out[y*pw:], row[:w])
		for x := w; x < pw; x++ {
			out[y*pw+x] = row[reflect(x, w)]
		}
	}
	return out
}

// crop returns the top-left w×h of a pw-wide image.
func crop(pix []float32, pw, w, h int) []float32 {
	if pw == w {
		return pix[:w*h]
	}
	out := make([]float32, w*h)
	for y := 0; y < h; y++ {
		copy(out[y*w:(y+1)*w], pix[y*pw:])
	}
	return out
}

// The 8 dihedral transforms (test-time augmentation): bit 0 flips x, bit 1 flips y, bit 2
// transposes after the flips. Transform 0 is the identity.
const numTransforms = 8

// transformedSize is the size of a w×h image after transform t.
func transformedSize(t, w, h int) (int, int) {
	if t&4 != 0 {
		return h, w
	}
	return w, h
}

// sourceIndex is the index in the w×h original of pixel (x, y) of the transformed image.
func sourceIndex(t, x, y, w, h int) int {
	a, b := x, y
	if t&4 != 0 {
		a, b = y, x
	}
	if t&1 != 0 {
		a = w - 1 - a
	}
	if t&2 != 0 {
		b = h - 1 - b
	}
	return b*w + a
}

// transform applies transform t to a w×h image.
func transform(t int, pix []float32, w, h int) []float32 {
	if t == 0 {
		return pix
	}
	tw, th := transformedSize(t, w, h)
	out := make([]float32, len(pix))
	for y := 0; y < th; y++ {
		for x := 0; x < tw; x++ {
			out[y*tw+x] = pix[sourceIndex(t, x, y, w, h)]
		}
	}
	return out
}

// untransform maps an image produced in transform t's frame back to the w×h original frame.
func untransform(t int, pix []float32, w, h int) []float32 {
	if t == 0 {
		return pix
	}
	tw, th := transformedSize(t, w, h)
	out := make([]float32, len(pix))
	for y := 0; y < th; y++ {
		for x := 0; x < tw; x++ {
			out[sourceIndex(t, x, y, w, h)] = pix[y*tw+x]
		}
	}
	return out
}

package imaging

import (
	"math"
	"math/rand/v2"
	"slices"
)

// DefaultBootstrapResamples is the number of bootstrap resamples used when none is set.
const DefaultBootstrapResamples = 1000

// BootstrapOptions configures the sub-region bootstrap behind every confidence interval: the
// field is cut into Tiles×Tiles sub-regions, each carrying the sums its statistics need, and
// the tiles are resampled with replacement. Tiles, not single cells, are resampled because
// neighbouring cells are correlated (they share Voronoi edges and nearest-neighbour pairs);
// whole sub-regions are close to independent.
type BootstrapOptions struct {
	// Resamples is the number of bootstrap resamples B (default DefaultBootstrapResamples).
	Resamples int `json:"resamples"`
	// Seed seeds the resampling, so intervals are reproducible.
	Seed uint64 `json:"seed"`
	// Tiles is the number of sub-regions per side; 0 picks one from the amount of data.
	Tiles int `json:"tiles"`
	// Percentile selects the plain percentile interval instead of the default BCa interval.
	Percentile bool `json:"percentile"`
}

func (o BootstrapOptions) resamples() int {
	if o.Resamples <= 0 {
		return DefaultBootstrapResamples
	}
	return o.Resamples
}

// autoTiles picks the tiles per side for a field holding `units` measured things: about 25
// per tile, between 3×3 and 8×8 tiles.
func (o BootstrapOptions) tilesPerSide(units int) int {
	if o.Tiles > 0 {
		return o.Tiles
	}
	k := int(math.Round(math.Sqrt(float64(units) / 25)))
	return min(max(k, 3), 8)
}

// tileStatistic turns summed tile vectors into one statistic (NaN when undefined).
type tileStatistic func(sum []float64) float64

// tileBootstrap returns the statistic values on all tiles and their 95% intervals. Each tile
// is a vector of additive sums; a statistic sees the element-wise sum over the (resampled)
// tiles; m is the vector length. Tiles are put in a canonical order first, so the result does not depend on the order
// they are passed in.
func tileBootstrap(tiles [][]float64, m int, stats []tileStatistic, opts BootstrapOptions) []Estimate {
	tiles = slices.Clone(tiles)
	slices.SortFunc(tiles, func(a, b []float64) int {
		for i := range a {
			if a[i] != b[i] {
				if a[i] < b[i] {
					return -1
				}
				return 1
			}
		}
		return 0
	})
	total := make([]float64, m)
	for _, t := range tiles {
		for j, v := range t {
			total[j] += v
		}
	}
	out := make([]Estimate, len(stats))
	for i, s := range stats {
		v := s(total)
		out[i] = Estimate{Value: v, CI95Low: v, CI95High: v}
	}
	nt := len(tiles)
	if nt < 2 {
		return out
	}

	b := opts.resamples()
	rng := rand.New(rand.NewPCG(opts.Seed, 0x9e3779b97f4a7c15))
	boot := make([][]float64, len(stats))
	for i := range boot {
		boot[i] = make([]float64, 0, b)
	}
	sum := make([]float64, m)
	for range b {
		clear(sum)
		for range nt {
			t := tiles[rng.IntN(nt)]
			for j, v := range t {
				sum[j] += v
			}
		}
		for i, s := range stats {
			if v := s(sum); !math.IsNaN(v) && !math.IsInf(v, 0) {
				boot[i] = append(boot[i], v)
			}
		}
	}

	// Jackknife (leave one tile out) values give the BCa acceleration.
	var jack [][]float64
	if !opts.Percentile {
		jack = make([][]float64, len(stats))
		for k := range nt {
			for j := range sum {
				sum[j] = total[j] - tiles[k][j]
			}
			for i, s := range stats {
				jack[i] = append(jack[i], s(sum))
			}
		}
	}
	for i := range stats {
		if len(boot[i]) < 2 || math.IsNaN(out[i].Value) {
			continue
		}
		slices.Sort(boot[i])
		lo, hi := 0.025, 0.975
		if !opts.Percentile {
			lo, hi = bcaLevels(boot[i], out[i].Value, jack[i], lo, hi)
		}
		out[i].CI95Low = quantileSorted(boot[i], lo)
		out[i].CI95High = quantileSorted(boot[i], hi)
	}
	return out
}

// bcaLevels returns the bias-corrected and accelerated (Efron 1987) quantile levels that
// replace the percentile levels lo and hi; it falls back to them when the correction is
// undefined (no spread, or a jackknife value is not finite).
func bcaLevels(sorted []float64, theta float64, jack []float64, lo, hi float64) (float64, float64) {
	less, equal := 0, 0
	for _, v := range sorted {
		if v < theta {
			less++
		} else if v == theta {
			equal++
		}
	}
	p := (float64(less) + 0.5*float64(equal)) / float64(len(sorted))
	if p <= 0 || p >= 1 {
		return lo, hi
	}
	z0 := normQuantile(p)
	mean := 0.0
	for _, v := range jack {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return lo, hi
		}
		mean += v
	}
	mean /= float64(len(jack))
	num, den := 0.0, 0.0
	for _, v := range jack {
		d := mean - v
		num += d * d * d
		den += d * d
	}
	a := 0.0
	if den > 0 {
		a = num / (6 * math.Pow(den, 1.5))
	}
	adj := func(alpha float64) float64 {
		z := normQuantile(alpha)
		return normCDF(z0 + (z0+z)/(1-a*(z0+z)))
	}
	l, h := adj(lo), adj(hi)
	if math.IsNaN(l) || math.IsNaN(h) || l >= h {
		return lo, hi
	}
	return l, h
}

func normCDF(z float64) float64 { return 0.5 * math.Erfc(-z/math.Sqrt2) }

func normQuantile(p float64) float64 { return -math.Sqrt2 * math.Erfcinv(2*p) }

// quantileSorted returns the q-quantile of sorted values by linear interpolation.
func quantileSorted(s []float64, q float64) float64 {
	if len(s) == 0 {
		return math.NaN()
	}
	q = min(max(q, 0), 1)
	pos := q * float64(len(s)-1)
	i := int(math.Floor(pos))
	if i >= len(s)-1 {
		return s[len(s)-1]
	}
	f := pos - float64(i)
	return s[i]*(1-f) + s[i+1]*f
}

// tileIndex returns the tile (row-major in a k×k grid over the w×h field whose top-left
// corner is (x0, y0)) holding (x, y).
func tileIndex(x, y, x0, y0, w, h float64, k int) int {
	tx := int(math.Floor((x - x0) / w * float64(k)))
	ty := int(math.Floor((y - y0) / h * float64(k)))
	tx = min(max(tx, 0), k-1)
	ty = min(max(ty, 0), k-1)
	return ty*k + tx
}

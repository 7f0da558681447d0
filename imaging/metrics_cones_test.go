package imaging

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestConeMetricsHexLattice(t *testing.T) {
	tests := []struct {
		name    string
		spacing float64 // px
		umPerPx float64
	}{
		{"foveal spacing", 5, 0.5},
		{"parafoveal spacing", 8.3, 0.75},
		{"peripheral spacing", 13, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pts := hexLattice(tc.spacing, 300, 300, 2.25, 1.75)
			r := ConeMetrics(pts, 300, 300, tc.umPerPx, ConeMetricsOptions{Bootstrap: BootstrapOptions{Resamples: 200}})
			sUm := tc.spacing * tc.umPerPx
			want := 2 / (math.Sqrt(3) * sUm * sUm) * 1e6
			t.Logf("%s: %d cones, %d bound; density %.2f (lattice %.2f) cells/mm², NND %.4f µm, ICD %.4f µm, hex %.1f%%, RI %.0f",
				tc.name, r.Count, r.BoundCells, r.DensityPerMM2.Value, want, r.NNDUm.Value, r.ICDUm.Value, r.PercentHex.Value, r.RegularityIndex.Value)
			require.Equal(t, len(pts), r.Count)
			require.Greater(t, r.BoundCells, len(pts)/2)
			require.InEpsilon(t, want, r.DensityPerMM2.Value, 1e-9)
			require.InDelta(t, sUm, r.NNDUm.Value, 1e-9)
			require.InDelta(t, sUm, r.ICDUm.Value, 1e-9)
			require.Equal(t, 100.0, r.PercentHex.Value)
			require.Equal(t, float64(MaxRegularityIndex), r.RegularityIndex.Value)
			// Tiles cut cells, so even a perfect lattice shows a little spread.
			require.LessOrEqual(t, r.DensityPerMM2.CI95Low, want)
			require.GreaterOrEqual(t, r.DensityPerMM2.CI95High, want)
			require.Less(t, (r.DensityPerMM2.CI95High-r.DensityPerMM2.CI95Low)/want, 0.1)
		})
	}
}

func TestConeMetricsJitteredLattice(t *testing.T) {
	tests := []struct {
		name   string
		jitter float64 // SD as a fraction of the spacing
		maxErr float64 // relative density error
		minHex float64
	}{
		{"5% jitter", 0.05, 0.005, 90},
		{"10% jitter", 0.10, 0.01, 65},
		{"20% jitter", 0.20, 0.02, 35},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			const spacing, umPerPx = 7.0, 0.8
			rng := rand.New(rand.NewPCG(7, uint64(tc.jitter*1000)))
			pts := hexLattice(spacing, 400, 400, 3, 3)
			for i := range pts {
				pts[i].X += rng.NormFloat64() * tc.jitter * spacing
				pts[i].Y += rng.NormFloat64() * tc.jitter * spacing
			}
			r := ConeMetrics(pts, 400, 400, umPerPx, ConeMetricsOptions{})
			sUm := spacing * umPerPx
			want := 2 / (math.Sqrt(3) * sUm * sUm) * 1e6
			rel := math.Abs(r.DensityPerMM2.Value-want) / want
			t.Logf("%s: density %.0f [%.0f, %.0f] vs %.0f cells/mm² (error %.3f%%), NND %.3f µm, ICD %.3f µm, hex %.1f%%, RI %.2f",
				tc.name, r.DensityPerMM2.Value, r.DensityPerMM2.CI95Low, r.DensityPerMM2.CI95High, want, 100*rel,
				r.NNDUm.Value, r.ICDUm.Value, r.PercentHex.Value, r.RegularityIndex.Value)
			require.Less(t, rel, tc.maxErr)
			require.GreaterOrEqual(t, r.PercentHex.Value, tc.minHex)
			require.LessOrEqual(t, r.DensityPerMM2.CI95Low, r.DensityPerMM2.Value)
			require.GreaterOrEqual(t, r.DensityPerMM2.CI95High, r.DensityPerMM2.Value)
		})
	}
}

// poissonPoints draws a homogeneous Poisson process of intensity lambda (per px²) on
// [x0, x0+w)×[y0, y0+h).
func poissonPoints(rng *rand.Rand, lambda, x0, y0, w, h float64) []Point {
	var pts []Point
	for s := rng.ExpFloat64(); s < lambda*w*h; s += rng.ExpFloat64() {
		pts = append(pts, Point{x0 + rng.Float64()*w, y0 + rng.Float64()*h})
	}
	return pts
}

// maternIIPoints draws Matérn's hard-core process of type II on a size×size image: Poisson
// parents of intensity lambdaP with uniform marks, a parent kept unless another within r has a
// smaller mark. Parents are drawn on a margin r around the image so the thinning is stationary.
// Its intensity is exactly (1 - exp(-lambdaP·π·r²)) / (π·r²).
func maternIIPoints(rng *rand.Rand, lambdaP, r float64, size int) []Point {
	parents := poissonPoints(rng, lambdaP, -0.5-r, -0.5-r, float64(size)+2*r, float64(size)+2*r)
	marks := make([]float64, len(parents))
	for i := range marks {
		marks[i] = rng.Float64()
	}
	grid := make(map[[2]int][]int)
	key := func(p Point) [2]int { return [2]int{int((p.X + 0.5 + r) / r), int((p.Y + 0.5 + r) / r)} }
	for i, p := range parents {
		grid[key(p)] = append(grid[key(p)], i)
	}
	var pts []Point
	for i, p := range parents {
		if p.X < -0.5 || p.Y < -0.5 || p.X >= float64(size)-0.5 || p.Y >= float64(size)-0.5 {
			continue
		}
		k := key(p)
		keep := true
		for dy := -1; dy <= 1 && keep; dy++ {
			for dx := -1; dx <= 1 && keep; dx++ {
				for _, j := range grid[[2]int{k[0] + dx, k[1] + dy}] {
					if j != i && marks[j] < marks[i] && math.Hypot(parents[j].X-p.X, parents[j].Y-p.Y) < r {
						keep = false
						break
					}
				}
			}
		}
		if keep {
			pts = append(pts, p)
		}
	}
	return pts
}

// TestConeMetricsCICoverage measures how often the 95% bootstrap interval holds the true
// density over seeded trials of two stationary mosaics whose density is known analytically: a
// hard-core (Matérn II) mosaic, cone-like in that cells keep a minimum spacing, and a
// homogeneous Poisson mosaic, the hardest case (cell areas vary most).
func TestConeMetricsCICoverage(t *testing.T) {
	const (
		trials  = 200
		size    = 360
		umPerPx = 0.5
	)
	tests := []struct {
		name     string
		draw     func(rng *rand.Rand) []Point
		lambda   float64 // per px²
		min, max float64
	}{
		{"Matérn II hard-core", func(rng *rand.Rand) []Point { return maternIIPoints(rng, 0.05, 5, size) },
			(1 - math.Exp(-0.05*math.Pi*25)) / (math.Pi * 25), 0.90, 0.99},
		{"Poisson", func(rng *rand.Rand) []Point { return poissonPoints(rng, 0.01, -0.5, -0.5, size, size) },
			0.01, 0.90, 0.99},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			trueDensity := tc.lambda / (umPerPx * umPerPx) * 1e6
			covered := 0
			var relWidth, relErr float64
			for trial := range trials {
				// Seeds spread by a golden-ratio multiplier so trials draw unrelated PCG streams.
				rng := rand.New(rand.NewPCG(uint64(trial)*0x9E3779B97F4A7C15+99, 99))
				r := ConeMetrics(tc.draw(rng), size, size, umPerPx, ConeMetricsOptions{Bootstrap: BootstrapOptions{Seed: uint64(trial) + 99}})
				if r.DensityPerMM2.CI95Low <= trueDensity && trueDensity <= r.DensityPerMM2.CI95High {
					covered++
				}
				relWidth += (r.DensityPerMM2.CI95High - r.DensityPerMM2.CI95Low) / r.DensityPerMM2.Value / trials
				relErr += (r.DensityPerMM2.Value - trueDensity) / trueDensity / trials
			}
			c := float64(covered) / trials
			t.Logf("%s: 95%% CI coverage of the true density (%.0f cells/mm²) over %d seeded %d×%d px mosaics: %.3f; mean relative CI width %.1f%%, mean relative error %+.2f%%",
				tc.name, trueDensity, trials, size, size, c, 100*relWidth, 100*relErr)
			require.GreaterOrEqual(t, c, tc.min)
			require.LessOrEqual(t, c, tc.max)
		})
	}
}

func TestConeMetricsOrderInvariance(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	pts := hexLattice(6, 256, 256, 1, 1)
	for i := range pts {
		pts[i].X += rng.NormFloat64()
		pts[i].Y += rng.NormFloat64()
	}
	want := ConeMetrics(pts, 256, 256, 0.6, ConeMetricsOptions{})
	tests := []struct {
		name   string
		mutate func([]Point)
	}{
		{"shuffled", func(p []Point) { rng.Shuffle(len(p), func(i, j int) { p[i], p[j] = p[j], p[i] }) }},
		{"reversed", slices.Reverse[[]Point]},
		{"duplicated", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := slices.Clone(pts)
			if tc.mutate != nil {
				tc.mutate(p)
			} else {
				p = append(p, pts[:40]...)
			}
			require.Equal(t, want, ConeMetrics(p, 256, 256, 0.6, ConeMetricsOptions{}))
		})
	}
}

func TestTileBootstrapTileOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	tiles := make([][]float64, 30)
	for i := range tiles {
		n := float64(20 + rng.IntN(10))
		tiles[i] = []float64{n, n * (1 + 0.2*rng.NormFloat64())}
	}
	stats := []tileStatistic{func(s []float64) float64 { return s[0] / s[1] }}
	want := tileBootstrap(tiles, 2, stats, BootstrapOptions{Seed: 11})
	require.Less(t, want[0].CI95Low, want[0].Value)
	require.Greater(t, want[0].CI95High, want[0].Value)
	for trial := range 5 {
		shuffled := slices.Clone(tiles)
		rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		require.Equal(t, want, tileBootstrap(shuffled, 2, stats, BootstrapOptions{Seed: 11}), "permutation %d", trial)
	}
}

func TestConeMetricsSmallInputs(t *testing.T) {
	tests := []struct {
		name   string
		points []Point
	}{
		{"none", nil},
		{"one", []Point{{5, 5}}},
		{"collinear", []Point{{1, 1}, {2, 2}, {3, 3}}},
		{"not finite", []Point{{math.NaN(), 1}, {math.Inf(1), 2}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := ConeMetrics(tc.points, 10, 10, 1, ConeMetricsOptions{})
			require.Zero(t, r.BoundCells)
			require.Zero(t, r.DensityPerMM2.Value)
			require.False(t, math.IsNaN(r.RegularityIndex.Value))
		})
	}
}

func BenchmarkConeMetrics10k(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	pts := hexLattice(6, 620, 620, 1, 1)[:10000]
	for i := range pts {
		pts[i].X += rng.NormFloat64() * 0.6
		pts[i].Y += rng.NormFloat64() * 0.6
	}
	b.ResetTimer()
	for b.Loop() {
		ConeMetrics(pts, 620, 620, 0.5, ConeMetricsOptions{})
	}
	b.ReportMetric(b.Elapsed().Seconds()*1000/float64(b.N), "ms/op")
}

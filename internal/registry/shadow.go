package registry

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/jmoiron/sqlx"

	"github.com/aomas/aomas/db"
)

// maxShadowRuns bounds the results a shadow report reads (the newest).
const maxShadowRuns = 10000

// bootstrapResamples is how many resamples the mean Dice's interval is drawn from.
const bootstrapResamples = 2000

// ShadowSummary is a shadow version's agreement with production over its runs.
type ShadowSummary struct {
	Runs int
	// MeanDice is the mean per-run Dice with its bootstrap 95% interval; nil without runs.
	MeanDice *[3]float64
	// MeanCountDifference is the mean of (shadow − production) / production over runs
	// whose production count is not zero; nil when there are none.
	MeanCountDifference *float64
	// Histogram is per-run Dice in 20 bins over [0, 1].
	Histogram []int
}

// ShadowReport summarises a version's shadow results (the newest maxShadowRuns).
func ShadowReport(ctx context.Context, q sqlx.QueryerContext, versionID int64) (ShadowSummary, error) {
	rs, err := db.ShadowResults(ctx, q, versionID, maxShadowRuns)
	if err != nil {
		return ShadowSummary{}, err
	}
	s := ShadowSummary{Runs: len(rs), Histogram: make([]int, 20)}
	if len(rs) == 0 {
		return s, nil
	}
	dice := make([]float64, len(rs))
	var diff float64
	var nDiff int
	for i, r := range rs {
		dice[i] = r.Dice
		s.Histogram[min(19, max(0, int(r.Dice*20)))]++
		if r.ProductionCount > 0 {
			diff += float64(r.ShadowCount-r.ProductionCount) / float64(r.ProductionCount)
			nDiff++
		}
	}
	if nDiff > 0 {
		m := diff / float64(nDiff)
		s.MeanCountDifference = &m
	}
	mean, lo, hi := bootstrapMean(dice, bootstrapResamples, uint64(versionID))
	s.MeanDice = &[3]float64{mean, lo, hi}
	return s, nil
}

// bootstrapMean is the mean of xs with its percentile bootstrap 95% interval (seeded, so
// a report reads the same twice).
func bootstrapMean(xs []float64, resamples int, seed uint64) (mean, lo, hi float64) {
	for _, x := range xs {
		mean += x
	}
	mean /= float64(len(xs))
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	means := make([]float64, resamples)
	for b := range means {
		var sum float64
		for range xs {
			sum += xs[rng.IntN(len(xs))]
		}
		means[b] = sum / float64(len(xs))
	}
	slices.Sort(means)
	at := func(p float64) float64 { return means[min(len(means)-1, int(math.Floor(p*float64(len(means)))))] }
	return mean, at(0.025), at(0.975)
}

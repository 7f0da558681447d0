// Package drift watches a model version's inputs and outputs for drift: per-run features
// (imaging.DriftFeatures) over a sliding window of its runs are compared with its reference,
// the item features of its latest succeeded evaluation, feature by feature with the
// two-sample Kolmogorov–Smirnov test and the population stability index.
package drift

import (
	"math"
	"slices"
	"sort"

	"gonum.org/v1/gonum/stat"

	"github.com/aomas/aomas/imaging"
)

// Defaults of the verdict: a feature has drifted when its Bonferroni-corrected KS p-value
// is below Alpha AND its PSI is above PSILimit. Both are asked for because each alone
// misleads: with hundreds of runs KS calls a shift of no consequence significant, and with
// tens of samples PSI's sampling bias alone, about (bins − 1)(1/n + 1/m), nears 0.2.
const (
	Alpha    = 0.01
	PSILimit = 0.2
	// PSIBins is the number of reference quantile bins (deciles).
	PSIBins = 10
	// MinSamples is the fewest values a feature needs on each side to be compared.
	MinSamples = 10
)

// FeatureResult is one feature of a window against the reference.
type FeatureResult struct {
	Feature string `json:"feature"`
	Kind    string `json:"kind"`
	// KS is the two-sample statistic; PValue its asymptotic p-value times the number of
	// features compared (Bonferroni), at most 1.
	KS            float64 `json:"ks"`
	PValue        float64 `json:"p_value"`
	PSI           float64 `json:"psi"`
	Drifted       bool    `json:"drifted"`
	ReferenceMean float64 `json:"reference_mean"`
	WindowMean    float64 `json:"window_mean"`
	ReferenceN    int     `json:"reference_n"`
	WindowN       int     `json:"window_n"`
}

// Result is a window compared with the reference.
type Result struct {
	Drifted  bool            `json:"drifted"`
	Features []FeatureResult `json:"features"`
}

// Compare tests each feature present with at least MinSamples values on both sides, in
// name order. Bonferroni's k is the number of features compared.
func Compare(reference, window []map[string]float64) Result {
	ref, win := columns(reference), columns(window)
	var names []string
	for k, r := range ref {
		if len(r) >= MinSamples && len(win[k]) >= MinSamples {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	res := Result{Features: []FeatureResult{}}
	for _, k := range names {
		r, w := ref[k], win[k]
		d, p := KS(r, w)
		f := FeatureResult{Feature: k, Kind: imaging.DriftFeatureKind(k), KS: d,
			PValue: math.Min(1, p*float64(len(names))), PSI: PSI(r, w),
			ReferenceMean: stat.Mean(r, nil), WindowMean: stat.Mean(w, nil), ReferenceN: len(r), WindowN: len(w)}
		f.Drifted = f.PValue < Alpha && f.PSI > PSILimit
		res.Drifted = res.Drifted || f.Drifted
		res.Features = append(res.Features, f)
	}
	return res
}

func columns(rows []map[string]float64) map[string][]float64 {
	c := map[string][]float64{}
	for _, r := range rows {
		for k, v := range r {
			if !math.IsNaN(v) && !math.IsInf(v, 0) {
				c[k] = append(c[k], v)
			}
		}
	}
	return c
}

// KS returns the two-sample Kolmogorov–Smirnov statistic of x and y (gonum) and its
// asymptotic p-value, Q_KS((√nₑ + 0.12 + 0.11/√nₑ)·D) with nₑ = nm/(n+m) (Stephens 1970;
// Numerical Recipes §14.3), good for nₑ ≥ 4 or so.
func KS(x, y []float64) (d, p float64) {
	if len(x) == 0 || len(y) == 0 {
		return 0, 1
	}
	xs, ys := slices.Clone(x), slices.Clone(y)
	slices.Sort(xs)
	slices.Sort(ys)
	// gonum sums the CDF steps, so D can exceed 1 by a rounding error.
	d = math.Min(1, stat.KolmogorovSmirnov(xs, nil, ys, nil))
	ne := float64(len(xs)) * float64(len(ys)) / float64(len(xs)+len(ys))
	sq := math.Sqrt(ne)
	return d, kolmogorovQ((sq + 0.12 + 0.11/sq) * d)
}

// kolmogorovQ is the Kolmogorov distribution's survival function,
// Q(λ) = 2 Σ_{k≥1} (−1)^{k−1} exp(−2k²λ²).
func kolmogorovQ(lambda float64) float64 {
	if lambda < 0.2 {
		return 1 // the series converges slowly here, and Q is 1 to 1e-10
	}
	var sum float64
	sign := 1.0
	for k := 1; k <= 100; k++ {
		t := sign * math.Exp(-2*float64(k*k)*lambda*lambda)
		sum += t
		if math.Abs(t) < 1e-12*math.Abs(sum) {
			break
		}
		sign = -sign
	}
	return math.Min(1, math.Max(0, 2*sum))
}

// PSI is the population stability index of window against reference over the reference's
// decile bins, Σ (w − r)·ln(w/r). Equal quantiles (a feature with ties) merge their bins.
// Each bin's share is smoothed, (count + 0.5)/(n + 0.5·bins), so an empty bin is finite.
func PSI(reference, window []float64) float64 {
	if len(reference) == 0 || len(window) == 0 {
		return 0
	}
	r := slices.Clone(reference)
	slices.Sort(r)
	// Inner edges: the reference's deciles, distinct.
	var edges []float64
	for i := 1; i < PSIBins; i++ {
		q := stat.Quantile(float64(i)/PSIBins, stat.Empirical, r, nil)
		if len(edges) == 0 || q > edges[len(edges)-1] {
			edges = append(edges, q)
		}
	}
	bins := len(edges) + 1
	count := func(xs []float64) []float64 {
		c := make([]float64, bins)
		for _, v := range xs {
			// Bin i holds (edges[i−1], edges[i]].
			c[sort.SearchFloat64s(edges, v)]++
		}
		for i := range c {
			c[i] = (c[i] + 0.5) / (float64(len(xs)) + 0.5*float64(bins))
		}
		return c
	}
	rc, wc := count(r), count(window)
	var psi float64
	for i := range rc {
		psi += (wc[i] - rc[i]) * math.Log(wc[i]/rc[i])
	}
	return psi
}

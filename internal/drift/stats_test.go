package drift

import (
	"math/rand/v2"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"
)

func TestKolmogorovQ(t *testing.T) {
	// Critical values of the Kolmogorov distribution: 1.358 at 5%, 1.628 at 1%, 1.224 at 10%.
	require.InDelta(t, 0.05, kolmogorovQ(1.358), 5e-4)
	require.InDelta(t, 0.01, kolmogorovQ(1.628), 2e-4)
	require.InDelta(t, 0.10, kolmogorovQ(1.224), 5e-4)
	require.Equal(t, 1.0, kolmogorovQ(0.1))
}

func normals(rng *rand.Rand, n int, mu, sigma float64) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = mu + sigma*rng.NormFloat64()
	}
	return v
}

func TestKSAndPSI(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	ref := normals(rng, 400, 0, 1)
	same := normals(rng, 200, 0, 1)
	shifted := normals(rng, 200, 1, 1)

	d, p := KS(ref, same)
	require.Less(t, d, 0.15)
	require.Greater(t, p, 0.01)
	d, p = KS(ref, shifted)
	require.Greater(t, d, 0.3)
	require.Less(t, p, 1e-10)
	d, p = KS(ref, ref)
	require.Equal(t, 0.0, d)
	require.Equal(t, 1.0, p)

	require.Less(t, PSI(ref, same), 0.1)
	require.Greater(t, PSI(ref, shifted), 0.5)
	// Ties: a constant reference has one bin; an empty bin stays finite.
	require.Less(t, PSI([]float64{1, 1, 1}, []float64{1, 1}), 0.05)
	require.Greater(t, PSI([]float64{1, 1, 1, 1}, []float64{5, 5, 5, 5}), 0.2)
}

func TestCompare(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	row := func(muA float64) map[string]float64 {
		return map[string]float64{"snr": 8 + rng.NormFloat64(), "count": 300 + 10*rng.NormFloat64() + muA}
	}
	var ref, in, out []map[string]float64
	for range 200 {
		ref = append(ref, row(0))
		in = append(in, row(0))
		out = append(out, row(30))
	}
	// A feature on one side only is not compared (density units never meet).
	ref[0]["density_per_mm2"] = 1
	in[0]["density_per_10kpx2"] = 1

	r := Compare(ref, in)
	require.False(t, r.Drifted)
	require.Len(t, r.Features, 2)
	require.Equal(t, "count", r.Features[0].Feature)
	require.Equal(t, "output", r.Features[0].Kind)
	require.Equal(t, "input", r.Features[1].Kind)

	r = Compare(ref, out)
	require.True(t, r.Drifted)
	require.True(t, r.Features[0].Drifted, "count moved by 3σ")
	require.False(t, r.Features[1].Drifted)
	require.InDelta(t, 330, r.Features[0].WindowMean, 3)
	require.Equal(t, 200, r.Features[0].WindowN)
}

func TestGauges(t *testing.T) {
	reg := prometheus.NewRegistry()
	g := NewGauges(reg)
	g.set("p1", 7, Result{Features: []FeatureResult{{Feature: "snr", KS: 0.5, PValue: 0.001, PSI: 0.9}}})
	require.Equal(t, 0.9, testutil.ToFloat64(g.psi.WithLabelValues("p1", "7", "snr")))
	require.Equal(t, 0.001, testutil.ToFloat64(g.pValue.WithLabelValues("p1", "7", "snr")))
	require.Equal(t, 0.5, testutil.ToFloat64(g.ks.WithLabelValues("p1", "7", "snr")))
	n, err := testutil.GatherAndCount(reg, "aomas_model_drift_psi", "aomas_model_drift_pvalue", "aomas_model_drift_ks")
	require.NoError(t, err)
	require.Equal(t, 3, n)
}

package drift

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aomas/aomas/imaging"
)

// phantomRun is one simulated run: a cone phantom at a random eccentricity and SNR, its
// stored values after the device's gain and offset, the classical detector's marks, and
// the features the pipeline records.
type phantomRun struct {
	seed       uint64
	snrLo      float64
	snrHi      float64
	gain, bias float64
}

func (p phantomRun) features() map[string]float64 {
	rng := rand.New(rand.NewPCG(p.seed, 99))
	ecc := 1 + 2*rng.Float64()
	snr := p.snrLo + (p.snrHi-p.snrLo)*rng.Float64()
	img, truth := imaging.PhantomCones(imaging.ConePhantomOptions{Width: 128, Seed: p.seed, EccentricityDeg: ecc, SNR: snr})
	// Stored 8-bit-like values: gain and offset of the acquisition.
	for i, v := range img.Pix {
		img.Pix[i] = float32(255 * (p.gain*float64(v) + p.bias))
	}
	marks := imaging.DetectCones(img, imaging.ConeDetectOptions{Modality: imaging.ConeConfocal})
	return imaging.DriftFeatures(imaging.DriftInputs{Image: img, Marks: marks, UmPerPx: truth.UmPerPx})
}

// measure computes the features of n runs from seed on, two at a time.
func measure(n int, seed uint64, base phantomRun) []map[string]float64 {
	out := make([]map[string]float64, n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 2)
	for i := range out {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			r := base
			r.seed = seed + uint64(i)
			out[i] = r.features()
		}()
	}
	wg.Wait()
	return out
}

// TestDriftMustShow is the drift figure: against a reference of 200 phantom runs,
// 20 disjoint windows of 100 in-distribution runs raise no alarm in at least 19 (95%), and
// a single window of runs with a lower SNR, or a dimmer illumination, raises it.
func TestDriftMustShow(t *testing.T) {
	const refN, window, windows = 200, 100, 20
	normal := phantomRun{snrLo: 6, snrHi: 12, gain: 0.8, bias: 0.05}
	ref := measure(refN, 1, normal)

	alarms, orAlarms := 0, 0
	for w := range windows {
		r := Compare(ref, measure(window, uint64(10_000+w*window), normal))
		require.NotEmpty(t, r.Features)
		if r.Drifted {
			alarms++
		}
		for _, f := range r.Features {
			if f.PValue < Alpha || f.PSI > PSILimit {
				orAlarms++
				break
			}
		}
		t.Logf("in-distribution window %2d: drifted=%v %s", w+1, r.Drifted, summary(r))
	}
	t.Logf("false alarms: %d of %d windows (KS and PSI); %d of %d with KS or PSI alone", alarms, windows, orAlarms, windows)
	require.LessOrEqual(t, alarms, windows/20, "at least 95%% of in-distribution windows raise no alarm")

	shifts := []struct {
		name    string
		run     phantomRun
		feature string
	}{
		{"SNR 6–12 → 2–4", phantomRun{snrLo: 2, snrHi: 4, gain: 0.8, bias: 0.05}, imaging.FeatureSNR},
		{"illumination gain 0.8 → 0.5", phantomRun{snrLo: 6, snrHi: 12, gain: 0.5, bias: 0.05}, imaging.FeatureMeanIntensity},
		{"illumination offset 0.05 → 0.2", phantomRun{snrLo: 6, snrHi: 12, gain: 0.8, bias: 0.2}, imaging.FeatureContrast},
	}
	for i, s := range shifts {
		r := Compare(ref, measure(window, uint64(50_000+i*window), s.run))
		t.Logf("shifted (%s): drifted=%v %s", s.name, r.Drifted, summary(r))
		require.True(t, r.Drifted, "%s is seen within one window", s.name)
		var hit bool
		for _, f := range r.Features {
			hit = hit || (f.Feature == s.feature && f.Drifted)
		}
		require.True(t, hit, "%s moves %s", s.name, s.feature)
	}
}

func summary(r Result) string {
	s := ""
	for _, f := range r.Features {
		s += fmt.Sprintf(" %s[D=%.3f p=%.2g psi=%.3f %.4g→%.4g]", f.Feature, f.KS, f.PValue, f.PSI, f.ReferenceMean, f.WindowMean)
		if f.Drifted {
			s += "*"
		}
	}
	return s
}

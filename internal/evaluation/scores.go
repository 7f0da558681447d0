package evaluation

import (
	"math/rand/v2"
	"slices"

	"github.com/aomas/aomas/db"
)

// Estimate is a mean over images with its bootstrap 95% interval.
type Estimate struct {
	Value float64 `json:"value"`
	Low   float64 `json:"low"`
	High  float64 `json:"high"`
}

// Scores are the detection scores of a set of images: what evaluations.scores holds per
// modality ("all" first).
type Scores struct {
	Modality    string   `json:"modality"`
	Images      int      `json:"images"`
	Sensitivity Estimate `json:"sensitivity"`
	FDR         Estimate `json:"fdr"`
	Dice        Estimate `json:"dice"`
}

// ModalityAll names the scores over every image.
const ModalityAll = "all"

// Resamples is how many bootstrap resamples an interval is drawn from.
const Resamples = 1000

// bootstrapSeed fixes the resampling, so that the same items always give the same intervals.
const bootstrapSeed = 16

// Summarise scores items overall and per modality (modalities in name order after "all"):
// each metric is the mean over images (the literature's protocol), with a percentile
// bootstrap 95% interval over images. The three metrics share the resampled image sets.
func Summarise(items []db.EvaluationItemRow) []Scores {
	out := []Scores{summary(ModalityAll, items)}
	by := map[string][]db.EvaluationItemRow{}
	for _, it := range items {
		by[it.Modality] = append(by[it.Modality], it)
	}
	mods := make([]string, 0, len(by))
	for m := range by {
		mods = append(mods, m)
	}
	slices.Sort(mods)
	for _, m := range mods {
		out = append(out, summary(m, by[m]))
	}
	return out
}

func summary(modality string, items []db.EvaluationItemRow) Scores {
	n := len(items)
	s := Scores{Modality: modality, Images: n}
	if n == 0 {
		return s
	}
	sens, fdr, dice := make([]float64, n), make([]float64, n), make([]float64, n)
	for i, it := range items {
		sens[i], fdr[i], dice[i] = it.Sensitivity, it.FDR, it.Dice
	}
	rng := rand.New(rand.NewPCG(bootstrapSeed, uint64(n)))
	bs, bf, bd := make([]float64, Resamples), make([]float64, Resamples), make([]float64, Resamples)
	for b := range Resamples {
		var ss, sf, sd float64
		for range n {
			k := rng.IntN(n)
			ss, sf, sd = ss+sens[k], sf+fdr[k], sd+dice[k]
		}
		bs[b], bf[b], bd[b] = ss/float64(n), sf/float64(n), sd/float64(n)
	}
	s.Sensitivity, s.FDR, s.Dice = estimate(sens, bs), estimate(fdr, bf), estimate(dice, bd)
	return s
}

// estimate is the mean of v with the 2.5th and 97.5th percentiles of its resampled means,
// widened to hold the mean (a percentile interval can miss it by rounding).
func estimate(v, means []float64) Estimate {
	var sum float64
	for _, x := range v {
		sum += x
	}
	e := Estimate{Value: sum / float64(len(v))}
	slices.Sort(means)
	e.Low, e.High = quantile(means, 0.025), quantile(means, 0.975)
	e.Low, e.High = min(e.Low, e.Value), max(e.High, e.Value)
	return e
}

// quantile interpolates linearly between the order statistics of sorted v.
func quantile(v []float64, p float64) float64 {
	pos := p * float64(len(v)-1)
	i := int(pos)
	if i+1 >= len(v) {
		return v[len(v)-1]
	}
	f := pos - float64(i)
	return v[i]*(1-f) + v[i+1]*f
}

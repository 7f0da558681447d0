package evaluation

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aomas/aomas/db"
)

func items(modality string, dice ...float64) []db.EvaluationItemRow {
	out := make([]db.EvaluationItemRow, len(dice))
	for i, d := range dice {
		out[i] = db.EvaluationItemRow{VolumeID: int64(i + 1), Modality: modality, Dice: d, Sensitivity: d, FDR: 1 - d}
	}
	return out
}

// TestSummarise: "all" first then modalities in name order; each value the mean over
// images; the bootstrap interval holds it, is the same on every call (seeded), is empty
// for identical images and narrows with more images.
func TestSummarise(t *testing.T) {
	its := append(items("split-detector", 0.90, 0.80, 0.85), items("confocal", 0.99, 0.97, 0.98, 0.96)...)
	s := Summarise(its)
	require.Len(t, s, 3)
	require.Equal(t, []string{"all", "confocal", "split-detector"}, []string{s[0].Modality, s[1].Modality, s[2].Modality})
	require.Equal(t, []int{7, 4, 3}, []int{s[0].Images, s[1].Images, s[2].Images})
	require.InDelta(t, (0.90+0.80+0.85+0.99+0.97+0.98+0.96)/7, s[0].Dice.Value, 1e-12)
	require.InDelta(t, 0.975, s[1].Dice.Value, 1e-12)
	require.InDelta(t, 1-0.975, s[1].FDR.Value, 1e-12)
	for _, x := range s {
		for _, e := range []Estimate{x.Dice, x.Sensitivity, x.FDR} {
			require.LessOrEqual(t, e.Low, e.Value)
			require.LessOrEqual(t, e.Value, e.High)
			require.Less(t, e.Low, e.High)
		}
	}
	require.Equal(t, s, Summarise(its))
	// Split-detector's spread is wider than confocal's, and so is its interval.
	require.Greater(t, s[2].Dice.High-s[2].Dice.Low, s[1].Dice.High-s[1].Dice.Low)

	same := Summarise(items("confocal", 0.95, 0.95, 0.95))
	require.Equal(t, Estimate{Value: 0.95, Low: 0.95, High: 0.95}, roundEst(same[0].Dice))

	few, many := Summarise(items("c", 0.9, 1.0, 0.9, 1.0)), Summarise(items("c", repeat([]float64{0.9, 1.0}, 50)...))
	require.Less(t, many[0].Dice.High-many[0].Dice.Low, few[0].Dice.High-few[0].Dice.Low)
	// With 100 images of sd 0.05 the 95% interval of the mean is about ±1.96·0.005.
	require.InDelta(t, 2*1.96*0.05/math.Sqrt(100), many[0].Dice.High-many[0].Dice.Low, 0.005)
}

func repeat(v []float64, n int) []float64 {
	var out []float64
	for range n {
		out = append(out, v...)
	}
	return out
}

func roundEst(e Estimate) Estimate {
	r := func(v float64) float64 { return math.Round(v*1e9) / 1e9 }
	return Estimate{Value: r(e.Value), Low: r(e.Low), High: r(e.High)}
}

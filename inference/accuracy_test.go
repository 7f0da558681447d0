package inference

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aomas/aomas/imaging"
	"github.com/aomas/aomas/internal/imageio"
	"github.com/aomas/aomas/internal/testenv/shared"
)

// realImage is one image of the Cunefare et al. 2017 training portion with its 0-based marks.
type realImage struct {
	name, subject string
	img           *imaging.Image
	manual        []imaging.Point
}

// loadValidation loads the images of one modality ("confocal" or "split_detector") whose
// subject is in subjects.
func loadValidation(t *testing.T, modality string, subjects []string) []realImage {
	t.Helper()
	root := filepath.Join(shared.Dir(t), "data", "ao-cunefare-2017-train")
	f, err := os.Open(filepath.Join(root, "manifest.csv"))
	require.NoError(t, err)
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	require.NoError(t, err)
	col := map[string]int{}
	for i, n := range rows[0] {
		col[n] = i
	}
	var out []realImage
	for _, r := range rows[1:] {
		if r[col["modality"]] != modality || !slices.Contains(subjects, r[col["subject"]]) {
			continue
		}
		img, err := imageio.ReadImage(filepath.Join(root, r[col["image"]]))
		require.NoError(t, err)
		manual, err := imageio.ReadPoints(filepath.Join(root, r[col["coords"]]), true)
		require.NoError(t, err)
		n, _ := strconv.Atoi(r[col["n_manual"]])
		require.Len(t, manual, n)
		out = append(out, realImage{name: r[col["image"]], subject: r[col["subject"]], img: img, manual: manual})
	}
	return out
}

// shippedModel loads internal/models/<name>.onnx with its card through a fresh pool.
func shippedModel(t *testing.T, name string) *Model {
	t.Helper()
	initCPU(t)
	dir := filepath.Join(repoRoot(t), "internal", "models")
	cb, err := os.ReadFile(filepath.Join(dir, name+".card.json"))
	require.NoError(t, err)
	card, err := ReadCard(cb)
	require.NoError(t, err)
	onnx, err := os.ReadFile(filepath.Join(dir, name+".onnx"))
	require.NoError(t, err)
	p := NewPool(t.TempDir(), 1)
	t.Cleanup(p.Close)
	m, err := p.Model(context.Background(), card, constWeights(onnx))
	require.NoError(t, err)
	return m
}

// cardMetrics is the part of a cone card the accuracy test checks.
type cardMetrics struct {
	Training struct {
		Split struct {
			Train      []string `json:"train_subjects"`
			Validation []string `json:"validation_subjects"`
		} `json:"split"`
	}
	Metrics struct {
		Validation struct {
			Dice struct {
				Value float64    `json:"value"`
				CI95  [2]float64 `json:"ci95"`
			} `json:"dice"`
		} `json:"validation"`
	}
}

func meanOf(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}

// bootstrapCI is the 2.5 and 97.5 percentiles of the mean over 2000 resamples of v.
func bootstrapCI(v []float64) [2]float64 {
	rng := rand.New(rand.NewPCG(1, 2))
	means := make([]float64, 2000)
	for b := range means {
		s := 0.0
		for range v {
			s += v[rng.IntN(len(v))]
		}
		means[b] = s / float64(len(v))
	}
	slices.Sort(means)
	return [2]float64{means[50], means[1949]}
}

// aurocOf is P(u of an error > u of a correct mark), ties counted half.
func aurocOf(u []float64, wrong []bool) float64 {
	var pos, neg []float64
	for i, x := range u {
		if wrong[i] {
			pos = append(pos, x)
		} else {
			neg = append(neg, x)
		}
	}
	slices.Sort(neg)
	s := 0.0
	for _, p := range pos {
		lo, _ := slices.BinarySearch(neg, p)
		hi := lo
		for hi < len(neg) && neg[hi] == p {
			hi++
		}
		s += float64(lo) + 0.5*float64(hi-lo)
	}
	return s / float64(len(pos)*len(neg))
}

// TestConeNetworksOnValidationSubjects scores the shipped cone networks (with test-time
// augmentation, as the pipeline runs them) and the classical detector on the same images
// of the validation subjects named in each card — subjects the network never trained on —
// with the Cunefare et al. 2017 protocol (imaging.ScoreDetections). It requires the issue's
// Dice targets, the network beating the classical detector, the card's Dice being what Go
// and ONNX Runtime measure, and a per-mark uncertainty that separates false from true
// detections (AUROC ≥ 0.80; the 10% most uncertain marks hold ≥ 2× the error rate of the
// marks around the median uncertainty).
func TestConeNetworksOnValidationSubjects(t *testing.T) {
	cases := []struct {
		model, dir string
		modality   imaging.ConeModality
		minDice    float64
	}{
		{"cones-confocal", "confocal", imaging.ConeConfocal, 0.990},
		{"cones-split", "split_detector", imaging.ConeSplitDetector, 0.955},
	}
	for _, tc := range cases {
		t.Run(tc.model, func(t *testing.T) {
			m := shippedModel(t, tc.model)
			var cm cardMetrics
			require.NoError(t, json.Unmarshal(m.Card().Training, &cm.Training))
			require.NoError(t, json.Unmarshal(m.Card().Metrics, &cm.Metrics))
			val := cm.Training.Split.Validation
			require.NotEmpty(t, val)
			for _, s := range val {
				require.NotContains(t, cm.Training.Split.Train, s, "validation subject %s was trained on", s)
			}
			data := loadValidation(t, tc.dir, val)
			require.NotEmpty(t, data)
			var netDice, netSens, netFDR, clsDice, clsSens, clsFDR, unc []float64
			var wrong []bool
			for _, d := range data {
				opts := imaging.ConeDetectOptions{Modality: tc.modality}
				spacing := imaging.ConeSpacingPx(d.img, opts)
				res, err := m.Cones(context.Background(), d.img, spacing, true)
				require.NoError(t, err)
				s, outcome := imaging.ScoreDetectionsDetailed(res.Points, d.manual, d.img.W, d.img.H)
				netDice, netSens, netFDR = append(netDice, s.Dice), append(netSens, s.Sensitivity), append(netFDR, s.FDR)
				for i, o := range outcome {
					if o != imaging.DetectionIgnored {
						unc = append(unc, res.Uncertainty[i])
						wrong = append(wrong, o == imaging.DetectionFP)
					}
				}
				c := imaging.ScoreDetections(imaging.DetectCones(d.img, opts), d.manual, d.img.W, d.img.H)
				clsDice, clsSens, clsFDR = append(clsDice, c.Dice), append(clsSens, c.Sensitivity), append(clsFDR, c.FDR)
			}
			row := func(who string, dice, sens, fdr []float64) {
				dc, sc, fc := bootstrapCI(dice), bootstrapCI(sens), bootstrapCI(fdr)
				t.Logf("%-9s %-14s n=%d  Dice %.4f [%.4f, %.4f]  sensitivity %.4f [%.4f, %.4f]  FDR %.4f [%.4f, %.4f]",
					tc.model, who, len(dice), meanOf(dice), dc[0], dc[1], meanOf(sens), sc[0], sc[1], meanOf(fdr), fc[0], fc[1])
			}
			row("network+TTA", netDice, netSens, netFDR)
			row("classical", clsDice, clsSens, clsFDR)
			diff := make([]float64, len(netDice))
			better := 0
			for i := range diff {
				diff[i] = netDice[i] - clsDice[i]
				if diff[i] > 0 {
					better++
				}
			}
			dci := bootstrapCI(diff)
			t.Logf("%s network − classical Dice, paired over images: %+.4f [%+.4f, %+.4f]; network better on %d of %d images",
				tc.model, meanOf(diff), dci[0], dci[1], better, len(diff))

			// Uncertainty: rank marks by it, ties in a fixed random order.
			idx := make([]int, len(unc))
			for i := range idx {
				idx[i] = i
			}
			rng := rand.New(rand.NewPCG(7, 7))
			rng.Shuffle(len(idx), func(a, b int) { idx[a], idx[b] = idx[b], idx[a] })
			slices.SortStableFunc(idx, func(a, b int) int {
				switch {
				case unc[a] > unc[b]:
					return -1
				case unc[a] < unc[b]:
					return 1
				}
				return 0
			})
			rate := func(sel []int) float64 {
				n := 0
				for _, i := range sel {
					if wrong[i] {
						n++
					}
				}
				return float64(n) / float64(len(sel))
			}
			k := max(1, len(idx)/10)
			mid := len(idx) / 2
			top, median := rate(idx[:k]), rate(idx[mid-k/2:mid-k/2+k])
			auc := aurocOf(unc, wrong)
			nWrong := 0
			for _, w := range wrong {
				if w {
					nWrong++
				}
			}
			t.Logf("%s uncertainty: %d marks, %d false; AUROC %.3f; error rate of the 10%% most uncertain %.4f, of the 10%% around the median %.4f",
				tc.model, len(unc), nWrong, auc, top, median)

			require.GreaterOrEqual(t, meanOf(netDice), tc.minDice, "network Dice below the target")
			require.Greater(t, meanOf(netDice), meanOf(clsDice), "network does not beat the classical detector")
			require.InDelta(t, cm.Metrics.Validation.Dice.Value, meanOf(netDice), 0.003, "the card's Dice is not what Go measures")
			require.GreaterOrEqual(t, auc, 0.80, "uncertainty does not separate false from true detections")
			require.Greater(t, top, 0.0)
			require.GreaterOrEqual(t, top, 2*median, "the most uncertain decile is not twice as wrong as the median one")
			require.False(t, math.IsNaN(auc))
		})
	}
}

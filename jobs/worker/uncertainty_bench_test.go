package worker_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/aomas/aomas/imaging"
	"github.com/aomas/aomas/inference"
	"github.com/aomas/aomas/internal/imageio"
	"github.com/aomas/aomas/internal/models"
	"github.com/aomas/aomas/internal/testenv/shared"
	"github.com/aomas/aomas/jobs/worker"
)

// BenchmarkUncertaintyThreshold measures what worker.MaxModelUncertainty is set from: the
// shipped cone models' mean per-mark uncertainty on each validation image (subjects they
// never saw), its Dice, and on images that are not cone mosaics; it reports how many
// validation images the threshold flags and the lowest Dice of those it passes. (A benchmark:
// two minutes on two cores, for make bench, not make test.)
func BenchmarkUncertaintyThreshold(b *testing.B) {
	lib := os.Getenv("AOMAS_ORT_LIB")
	if lib == "" {
		b.Fatal("AOMAS_ORT_LIB must name the ONNX Runtime library")
	}
	if _, err := inference.Init(lib, inference.CPU); err != nil {
		b.Fatal(err)
	}
	root := filepath.Join(shared.Dir(b), "data", "ao-cunefare-2017-train")
	f, err := os.Open(filepath.Join(root, "manifest.csv"))
	if err != nil {
		b.Fatal(err)
	}
	rows, err := csv.NewReader(f).ReadAll()
	_ = f.Close()
	if err != nil {
		b.Fatal(err)
	}
	col := map[string]int{}
	for i, n := range rows[0] {
		col[n] = i
	}
	ctx := context.Background()
	for _, tc := range []struct {
		model, dir string
		modality   imaging.ConeModality
	}{{"cones-confocal", "confocal", imaging.ConeConfocal}, {"cones-split", "split_detector", imaging.ConeSplitDetector}} {
		b.Run(tc.model, func(b *testing.B) {
			cb, _ := fs.ReadFile(models.Shipped, tc.model+".card.json")
			card, err := inference.ReadCard(cb)
			if err != nil {
				b.Fatal(err)
			}
			var split struct {
				Split struct {
					Validation []string `json:"validation_subjects"`
				} `json:"split"`
			}
			_ = json.Unmarshal(card.Training, &split)
			pool := inference.NewPool(b.TempDir(), 1)
			defer pool.Close()
			m, err := pool.Model(ctx, card, func(context.Context) ([]byte, error) { return fs.ReadFile(models.Shipped, tc.model+".onnx") })
			if err != nil {
				b.Fatal(err)
			}
			meanU := func(img *imaging.Image) (float64, []imaging.Point) {
				res, err := m.Cones(ctx, img, imaging.ConeSpacingPx(img, imaging.ConeDetectOptions{Modality: tc.modality}), true)
				if err != nil {
					b.Fatal(err)
				}
				s := 0.0
				for _, u := range res.Uncertainty {
					s += u
				}
				return s / float64(max(1, len(res.Uncertainty))), res.Points
			}
			limit := worker.MaxModelUncertainty(tc.modality)
			for range b.N {
				n, flagged, maxU, worstPassed := 0, 0, 0.0, 1.0
				for _, r := range rows[1:] {
					if r[col["modality"]] != tc.dir || !slices.Contains(split.Split.Validation, r[col["subject"]]) {
						continue
					}
					img, err := imageio.ReadImage(filepath.Join(root, r[col["image"]]))
					if err != nil {
						b.Fatal(err)
					}
					manual, err := imageio.ReadPoints(filepath.Join(root, r[col["coords"]]), true)
					if err != nil {
						b.Fatal(err)
					}
					u, pts := meanU(img)
					dice := imaging.ScoreDetections(pts, manual, img.W, img.H).Dice
					n++
					maxU = max(maxU, u)
					if u > limit {
						flagged++
						b.Logf("%s flagged: mean uncertainty %.3f, Dice %.4f", r[col["image"]], u, dice)
					} else {
						worstPassed = min(worstPassed, dice)
					}
				}
				capil, _ := imaging.PhantomCapillaries(imaging.CapillaryPhantomOptions{Size: 192, Seed: 3})
				nerve, _ := imaging.PhantomNerveFibres(imaging.NervePhantomOptions{Size: 192, Seed: 3})
				uc, _ := meanU(capil)
				un, _ := meanU(nerve)
				b.Logf("%s: limit %.2f; %d validation images, max mean uncertainty %.3f, %d flagged, lowest Dice passed %.4f; capillary phantom %.3f, nerve-fibre phantom %.3f",
					tc.model, limit, n, maxU, flagged, worstPassed, uc, un)
				b.ReportMetric(maxU, "max-val-u")
				b.ReportMetric(float64(flagged), "val-flagged")
				b.ReportMetric(worstPassed, "min-dice-passed")
				b.ReportMetric(min(uc, un), "min-nonmosaic-u")
			}
		})
	}
}

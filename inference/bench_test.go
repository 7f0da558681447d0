package inference

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aomas/aomas/imaging"
)

// benchImages are n 512×512 images of noise (the network's cost does not depend on content).
func benchImages(n int) []*imaging.Image {
	r := rand.New(rand.NewPCG(1, 2))
	imgs := make([]*imaging.Image, n)
	for i := range imgs {
		imgs[i] = imaging.NewImage(512, 512)
		for k := range imgs[i].Pix {
			imgs[i].Pix[k] = r.Float32()
		}
	}
	return imgs
}

// benchModels are the small U-Net of testdata and, once training/ has shipped it, the
// confocal cone network of internal/models/.
func benchModels(b *testing.B) map[string]*Model {
	ms := map[string]*Model{"unet-small": unetModel(b)}
	dir := filepath.Join(repoRoot(b), "internal", "models")
	cb, err := os.ReadFile(filepath.Join(dir, "cones-confocal.card.json"))
	if errors.Is(err, fs.ErrNotExist) {
		return ms
	}
	require.NoError(b, err)
	card, err := ReadCard(cb)
	require.NoError(b, err)
	onnx, err := os.ReadFile(filepath.Join(dir, card.Name+".onnx"))
	require.NoError(b, err)
	p := NewPool(b.TempDir(), 1)
	b.Cleanup(p.Close)
	ms[card.Name], err = p.Model(context.Background(), card, constWeights(onnx))
	require.NoError(b, err)
	return ms
}

// BenchmarkHeatmaps512 runs a network on 512×512 images through the whole Go path
// (z-score, padding, tiling, one batched run, stitching) at batch 1 and 8; images/s is the
// figure `make bench` sets beside PyTorch eager on the same network.
func BenchmarkHeatmaps512(b *testing.B) {
	models := benchModels(b)
	names := slices.Sorted(maps.Keys(models))
	for _, name := range names {
		for _, n := range []int{1, 8} {
			b.Run(fmt.Sprintf("model=%s/batch=%d", name, n), func(b *testing.B) {
				imgs := benchImages(n)
				mb := models[name].WithTiling(Tiling{Size: 512, Overlap: 64, Batch: n})
				_, err := mb.Heatmaps(context.Background(), imgs) // warm-up: tensors and ORT's arena
				require.NoError(b, err)
				b.ResetTimer()
				for b.Loop() {
					if _, err := mb.Heatmaps(context.Background(), imgs); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "images/s")
			})
		}
	}
}

// BenchmarkCones512TTA is one 512×512 image with the 8 augmentations in one batch, peaks,
// agreement and variance: the segment step's inference on one worker.
func BenchmarkCones512TTA(b *testing.B) {
	m := unetModel(b)
	img := benchImages(1)[0]
	for b.Loop() {
		if _, err := m.Cones(context.Background(), img, 8, true); err != nil {
			b.Fatal(err)
		}
	}
}

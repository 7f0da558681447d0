package inference

import (
	"context"
	"fmt"
	"math/rand/v2"
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

// BenchmarkHeatmaps512 is the small U-Net (the architecture of training/) on 512×512 images
// through the whole Go path (z-score, padding, tiling, one batched run, stitching), at batch
// 1 and 8; images/s is the figure `make bench` sets beside PyTorch eager.
func BenchmarkHeatmaps512(b *testing.B) {
	m := unetModel(b)
	for _, n := range []int{1, 8} {
		b.Run(fmt.Sprintf("batch=%d", n), func(b *testing.B) {
			imgs := benchImages(n)
			mb := m.WithTiling(Tiling{Size: 512, Overlap: 64, Batch: n})
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

package inference

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aomas/aomas/imaging"
)

// identityKernel is a 3×3 kernel passing the centre pixel times a.
func identityKernel(a float32) []float32 { return []float32{0, 0, 0, 0, a, 0, 0, 0, 0} }

// testCard is a valid card for a model of the given task over onnx.
func testCard(task string, onnx []byte, input, output string) Card {
	kind := "heatmap"
	if task == TaskCapillaries {
		kind = "probability"
	}
	return Card{
		Name: "test-" + task, Version: "0.0.1", Task: task, Modality: "any", Format: "onnx", Opset: 17,
		SHA256:        digest(onnx),
		Input:         CardInput{Name: input, Layout: "NCHW", Channels: 1, Multiple: 8},
		Output:        CardOutput{Name: output, Kind: kind},
		Normalisation: Normalisation{Method: "zscore"},
		Postprocess:   Postprocess{Threshold: 0.3, MinDistanceRelSpacing: 0.5, MinDistancePx: 2},
	}
}

func constWeights(b []byte) func(context.Context) ([]byte, error) {
	return func(context.Context) ([]byte, error) { return b, nil }
}

// convModel loads a 3×3-convolution-plus-sigmoid model into a fresh pool.
func convModel(t *testing.T, task string, kernel []float32, bias float32) *Model {
	t.Helper()
	initCPU(t)
	onnx := ConvSigmoidGraph(kernel, bias, "image", "heatmap")
	card := testCard(task, onnx, "image", "heatmap")
	if task == TaskCapillaries {
		onnx = ConvSigmoidGraph(kernel, bias, "image", "vessel")
		card = testCard(task, onnx, "image", "vessel")
	}
	p := NewPool(t.TempDir(), 1)
	t.Cleanup(p.Close)
	m, err := p.Model(context.Background(), card, constWeights(onnx))
	require.NoError(t, err)
	return m
}

// unetModel loads the small U-Net of testdata (random weights, see unet_small.py).
func unetModel(t testing.TB) *Model {
	t.Helper()
	initCPU(t)
	onnx, err := os.ReadFile(filepath.Join("testdata", "unet-small.onnx"))
	require.NoError(t, err)
	b, err := os.ReadFile(filepath.Join("testdata", "unet-small.card.json"))
	require.NoError(t, err)
	card, err := ReadCard(b)
	require.NoError(t, err)
	require.Equal(t, digest(onnx), card.SHA256)
	p := NewPool(t.TempDir(), 1)
	t.Cleanup(p.Close)
	m, err := p.Model(context.Background(), card, constWeights(onnx))
	require.NoError(t, err)
	return m
}

// blobImage draws Gaussian blobs (σ px, amplitude 1) on a background of 0.1.
func blobImage(w, h int, sigma float64, pts []imaging.Point) *imaging.Image {
	img := imaging.NewImage(w, h)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			v := 0.1
			for _, p := range pts {
				dx, dy := float64(x)-p.X, float64(y)-p.Y
				v += math.Exp(-(dx*dx + dy*dy) / (2 * sigma * sigma))
			}
			img.Set(x, y, float32(v))
		}
	}
	return img
}

func sigmoid(v float64) float64 { return 1 / (1 + math.Exp(-v)) }

// nearest returns the distance from p to the closest of pts.
func nearest(p imaging.Point, pts []imaging.Point) float64 {
	d := math.Inf(1)
	for _, q := range pts {
		d = math.Min(d, math.Hypot(p.X-q.X, p.Y-q.Y))
	}
	return d
}

func TestConesFindTheBlobs(t *testing.T) {
	m := convModel(t, TaskCones, identityKernel(0.3), -1.5) // unsaturated: peaks ~0.8
	truth := []imaging.Point{{X: 10, Y: 12}, {X: 30.3, Y: 11}, {X: 52, Y: 40.6}, {X: 20, Y: 45}, {X: 61, Y: 3}, {X: 3, Y: 60}}
	img := blobImage(67, 63, 1.5, truth) // not multiples of 8: padded and cropped back
	res, err := m.Cones(context.Background(), img, 10, false)
	require.NoError(t, err)
	require.Len(t, res.Points, len(truth))
	require.Len(t, res.Confidence, len(truth))
	require.Nil(t, res.Uncertainty)
	require.Nil(t, res.Variance)
	worst := 0.0
	for i, p := range res.Points {
		worst = math.Max(worst, nearest(p, truth))
		require.Greater(t, res.Confidence[i], 0.6)
	}
	t.Logf("largest distance to the true centre: %.3f px", worst)
	require.Less(t, worst, 0.35)
	for _, p := range truth {
		require.Less(t, nearest(p, res.Points), 0.35, "blob at %v missed", p)
	}
	require.True(t, sort.SliceIsSorted(res.Confidence, func(a, b int) bool { return res.Confidence[a] > res.Confidence[b] }))
}

func TestConesKeepTheCardsMinimumDistance(t *testing.T) {
	m := convModel(t, TaskCones, identityKernel(0.3), -1.5)
	// Two blobs 4 px apart: the spacing sets the distance through min_distance_rel_spacing.
	img := blobImage(48, 48, 1.0, []imaging.Point{{X: 20, Y: 24}, {X: 24, Y: 24}, {X: 40, Y: 8}})
	res, err := m.Cones(context.Background(), img, 6, false) // max(2, 0.5×6) = 3 < 4
	require.NoError(t, err)
	require.Len(t, res.Points, 3)
	res, err = m.Cones(context.Background(), img, 10, false) // max(2, 5) = 5 > 4
	require.NoError(t, err)
	require.Len(t, res.Points, 2)
	require.Equal(t, 5.0, m.Card().MinDistance(10))
	require.Equal(t, 2.0, m.Card().MinDistance(0))

	// On noise, every pair of kept peaks is at least the distance apart.
	noise := make([]float32, 80*80)
	s := uint32(7)
	for i := range noise {
		s = s*1664525 + 1013904223
		noise[i] = float32(s>>8) / (1 << 24)
	}
	for _, d := range []float64{2, 3.5, 7} {
		pts, conf := heatmapPeaks(noise, 80, 80, 0.5, d)
		require.NotEmpty(t, pts)
		require.Len(t, conf, len(pts))
		for i := range pts {
			for j := i + 1; j < len(pts); j++ {
				require.GreaterOrEqual(t, math.Hypot(pts[i].X-pts[j].X, pts[i].Y-pts[j].Y), d, "d=%v", d)
			}
		}
	}
}

func TestTTAOfASymmetricModelIsCertain(t *testing.T) {
	m := convModel(t, TaskCones, []float32{0.1, 0.2, 0.1, 0.2, 2, 0.2, 0.1, 0.2, 0.1}, -2.5)
	truth := []imaging.Point{{X: 10, Y: 12}, {X: 30, Y: 11}, {X: 22, Y: 30}}
	img := blobImage(40, 37, 1.5, truth)
	res, err := m.Cones(context.Background(), img, 10, true)
	require.NoError(t, err)
	require.Len(t, res.Points, 3)
	// All 8 maps are the same, so each votes with the mean map's peak: U = 1 − confidence.
	require.Len(t, res.Uncertainty, 3)
	for i, u := range res.Uncertainty {
		require.InDelta(t, 1-res.Confidence[i], u, 1e-6)
	}
	require.NotNil(t, res.Variance)
	require.Equal(t, 40, res.Variance.W)
	require.Equal(t, 37, res.Variance.H)
	for _, v := range res.Variance.Pix {
		require.Less(t, v, float32(1e-12))
	}
}

func TestTTAOfAnOrientedModelIsUncertain(t *testing.T) {
	// A horizontal-gradient kernel fires on one flank of each blob, σ = 2 px from its centre:
	// each of the four flanks is found by exactly 2 of the 8 augmentations (left: identity
	// and the vertical flip; right: the flips in x; up and down: the transposes). The mean
	// map peaks between two flanks (on the diagonals), where 4 of the 8 see a flank.
	m := convModel(t, TaskCones, []float32{0, 0, 0, -1, 0, 1, 0, 0, 0}, -2)
	m.card.Postprocess.Threshold = 0.2 // the mean of the 8 maps stays below 0.4
	centres := []imaging.Point{{X: 12, Y: 12}, {X: 28, Y: 26}}
	img := blobImage(40, 40, 2, centres)
	res, err := m.Cones(context.Background(), img, 4, true)
	require.NoError(t, err)
	require.Len(t, res.Points, 8)
	for i, p := range res.Points {
		d := nearest(p, centres)
		require.InDelta(t, 1.59, d, 0.05, "diagonal %v", p)
		// Each augmentation votes with its own peak near the point: the 4 that see a flank
		// there vote high, the others low, so U lies strictly inside (0, 1), the same at
		// every diagonal, and below 1 − the mean map's peak.
		require.InDelta(t, res.Uncertainty[0], res.Uncertainty[i], 1e-5, "diagonal %v", p)
		require.Greater(t, res.Uncertainty[i], 0.0)
		require.Less(t, res.Uncertainty[i], 1-res.Confidence[i]+1e-9)
	}
	var maxVar float32
	for _, v := range res.Variance.Pix {
		maxVar = max(maxVar, v)
	}
	require.Greater(t, maxVar, float32(0.1))

	// Without augmentation the model finds the left flanks only.
	res, err = m.Cones(context.Background(), img, 4, false)
	require.NoError(t, err)
	require.Len(t, res.Points, 2)
	for i, p := range res.Points {
		c := centres[i]
		if nearest(p, centres[1:]) < 3 {
			c = centres[1]
		}
		require.InDelta(t, c.X-2, p.X, 0.3)
		require.InDelta(t, c.Y, p.Y, 1e-6)
	}
}

func TestVesselsEqualTheClosedForm(t *testing.T) {
	kernel := []float32{0.1, 0.2, 0.1, 0.2, 1, 0.2, 0.1, 0.2, 0.1}
	m := convModel(t, TaskCapillaries, kernel, -0.5)
	w, h := 37, 29 // padded by reflection to 40×32
	img := imaging.NewImage(w, h)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, float32(math.Sin(float64(x)/3)+math.Cos(float64(y*x)/50)))
		}
	}
	prob, variance, err := m.Vessels(context.Background(), img, false)
	require.NoError(t, err)
	require.Nil(t, variance)

	// Expected: z-score, reflect-pad to 40×32 (numpy "reflect"), 3×3 convolution with zero
	// padding, sigmoid, crop.
	var mean, sq float64
	for _, v := range img.Pix {
		mean += float64(v)
	}
	mean /= float64(w * h)
	for _, v := range img.Pix {
		sq += (float64(v) - mean) * (float64(v) - mean)
	}
	std := math.Sqrt(sq / float64(w*h))
	mirror := func(i, n int) int {
		if i >= n {
			return 2*(n-1) - i
		}
		return i
	}
	at := func(x, y int) float64 {
		if x < 0 || y < 0 || x >= 40 || y >= 32 {
			return 0
		}
		return (float64(img.At(mirror(x, w), mirror(y, h))) - mean) / (std + 1e-6)
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			s := -0.5
			for dy := -1; dy <= 1; dy++ {
				for dx := -1; dx <= 1; dx++ {
					s += float64(kernel[(dy+1)*3+dx+1]) * at(x+dx, y+dy)
				}
			}
			require.InDelta(t, sigmoid(s), prob.At(x, y), 2e-6, "(%d, %d)", x, y)
		}
	}

	// With TTA: the kernel is symmetric, so the mean is the same map and the variance ~0.
	probTTA, variance, err := m.Vessels(context.Background(), img, true)
	require.NoError(t, err)
	require.NotNil(t, variance)
	for i := range prob.Pix {
		require.InDelta(t, prob.Pix[i], probTTA.Pix[i], 1e-6)
		require.Less(t, variance.Pix[i], float32(1e-12))
	}
	mask := Mask(prob, 0.5)
	n := 0
	for i, on := range mask {
		require.Equal(t, prob.Pix[i] >= 0.5, on)
		if on {
			n++
		}
	}
	require.Positive(t, n)
	require.Less(t, n, w*h)
}

func TestTaskMismatchIsAnError(t *testing.T) {
	m := convModel(t, TaskCones, identityKernel(1), 0)
	_, _, err := m.Vessels(context.Background(), imaging.NewImage(8, 8), false)
	require.ErrorContains(t, err, "not a capillary model")
	_, err = m.Cones(context.Background(), &imaging.Image{W: 4, H: 4}, 5, false)
	require.ErrorIs(t, err, ErrImageSize)
}

func TestTiledEqualsUntiled(t *testing.T) {
	img := blobImage(200, 136, 1.5, []imaging.Point{{X: 50, Y: 40}, {X: 120, Y: 90}, {X: 190, Y: 10}})
	for i := range img.Pix {
		img.Pix[i] += float32(math.Sin(float64(i) * 0.37))
	}
	cases := []struct {
		name  string
		model *Model
		tile  Tiling
		tol   float64
	}{
		{"conv3x3", convModel(t, TaskCones, []float32{0.1, 0.2, 0.1, 0.2, 2, 0.2, 0.1, 0.2, 0.1}, -1), Tiling{Size: 48, Overlap: 16, Batch: 3}, 1e-6},
		{"unet", unetModel(t), Tiling{Size: 96, Overlap: 64, Batch: 4}, 1e-4},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			whole, err := c.model.Heatmaps(context.Background(), []*imaging.Image{img})
			require.NoError(t, err)
			tiled, err := c.model.WithTiling(c.tile).Heatmaps(context.Background(), []*imaging.Image{img})
			require.NoError(t, err)
			worst := 0.0
			for i := range whole[0].Pix {
				worst = math.Max(worst, math.Abs(float64(whole[0].Pix[i]-tiled[0].Pix[i])))
			}
			t.Logf("max |tiled - whole| = %.3g", worst)
			require.Less(t, worst, c.tol)
		})
	}
}

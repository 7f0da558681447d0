package inference

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestReadCard(t *testing.T) {
	onnx := ConvSigmoidGraph(identityKernel(1), 0, "image", "heatmap")
	good := `{"name":"cones-confocal","version":"1.0.0","task":"cones","modality":"confocal","format":"onnx","opset":17,
	"sha256":"` + digest(onnx) + `","input":{"name":"image","layout":"NCHW","channels":1,"multiple":8},
	"output":{"name":"heatmap","kind":"heatmap"},"normalisation":{"method":"zscore"},
	"postprocess":{"threshold":0.3,"min_distance_rel_spacing":0.5,"min_distance_px":2.0},
	"training":{"seed":1},"metrics":{"validation":{"n_images":3}},"intended_use":"research","limits":["adult eyes"]}`
	c, err := ReadCard([]byte(good))
	require.NoError(t, err)
	require.Equal(t, "cones-confocal", c.Name)
	require.Equal(t, 8, c.Input.Multiple)
	require.Equal(t, 0.5, c.Postprocess.MinDistanceRelSpacing)
	require.Equal(t, []string{"adult eyes"}, c.Limits)
	require.JSONEq(t, `{"seed":1}`, string(c.Training))

	bad := map[string]func(*Card){
		"sha256":        func(c *Card) { c.SHA256 = "abc" },
		"task":          func(c *Card) { c.Task = "nerves" },
		"kind":          func(c *Card) { c.Output.Kind = "probability" },
		"channels":      func(c *Card) { c.Input.Channels = 3 },
		"multiple":      func(c *Card) { c.Input.Multiple = 0 },
		"normalisation": func(c *Card) { c.Normalisation.Method = "minmax" },
		"threshold":     func(c *Card) { c.Postprocess.Threshold = 1 },
		"distance":      func(c *Card) { c.Postprocess.MinDistancePx, c.Postprocess.MinDistanceRelSpacing = 0, 0 },
		"format":        func(c *Card) { c.Format = "pt" },
	}
	for name, spoil := range bad {
		c2 := c
		spoil(&c2)
		require.ErrorIs(t, c2.Validate(), ErrInvalidCard, name)
	}
	_, err = ReadCard([]byte(`{"name":`))
	require.ErrorIs(t, err, ErrInvalidCard)
}

func TestPoolCachesWeightsByDigest(t *testing.T) {
	initCPU(t)
	ctx := context.Background()
	onnx := ConvSigmoidGraph(identityKernel(1), 0, "image", "heatmap")
	card := testCard(TaskCones, onnx, "image", "heatmap")
	var fetches atomic.Int32
	fetch := func(context.Context) ([]byte, error) { fetches.Add(1); return onnx, nil }
	dir := t.TempDir()
	cached := filepath.Join(dir, card.SHA256+".onnx")

	p := NewPool(dir, 2)
	m1, err := p.Model(ctx, card, fetch)
	require.NoError(t, err)
	m2, err := p.Model(ctx, card, fetch)
	require.NoError(t, err)
	require.Equal(t, int32(1), fetches.Load(), "one fetch per model version")
	require.Same(t, m1.set, m2.set, "same weights, same sessions")
	b, err := os.ReadFile(cached)
	require.NoError(t, err)
	require.Equal(t, onnx, b)
	p.Close()

	// A new pool (a restarted worker) reads the disk cache.
	p = NewPool(dir, 1)
	_, err = p.Model(ctx, card, fetch)
	require.NoError(t, err)
	require.Equal(t, int32(1), fetches.Load())
	p.Close()

	// A corrupt cache file is refetched and replaced.
	require.NoError(t, os.WriteFile(cached, append([]byte{}, onnx[:len(onnx)/2]...), 0o644))
	p = NewPool(dir, 1)
	m, err := p.Model(ctx, card, fetch)
	require.NoError(t, err)
	require.Equal(t, int32(2), fetches.Load())
	b, err = os.ReadFile(cached)
	require.NoError(t, err)
	require.Equal(t, onnx, b)
	require.Equal(t, card, m.Card())
	p.Close()

	// Weights that are not the card's are refused and not cached; a later call retries.
	other := ConvSigmoidGraph(identityKernel(2), 0, "image", "heatmap")
	card2 := testCard(TaskCones, other, "image", "heatmap")
	p = NewPool(dir, 1)
	defer p.Close()
	_, err = p.Model(ctx, card2, constWeights(onnx))
	require.ErrorIs(t, err, ErrDigestMismatch)
	require.NoFileExists(t, filepath.Join(dir, card2.SHA256+".onnx"))
	_, err = p.Model(ctx, card2, func(context.Context) ([]byte, error) { return nil, errors.New("bucket unreachable") })
	require.ErrorContains(t, err, "bucket unreachable")
	_, err = p.Model(ctx, card2, constWeights(other))
	require.NoError(t, err)

	// A card whose tensor names are not the graph's is refused.
	card3 := testCard(TaskCapillaries, other, "image", "vessel")
	p3 := NewPool(t.TempDir(), 1)
	defer p3.Close()
	_, err = p3.Model(ctx, card3, constWeights(other))
	require.ErrorContains(t, err, `graph has input "image" and output "heatmap", card says "image" and "vessel"`)
}

func TestPoolBoundsSessionsPerModel(t *testing.T) {
	initCPU(t)
	onnx := ConvSigmoidGraph(identityKernel(1), 0, "image", "heatmap")
	card := testCard(TaskCones, onnx, "image", "heatmap")
	p := NewPool(t.TempDir(), 2)
	defer p.Close()
	m, err := p.Model(context.Background(), card, constWeights(onnx))
	require.NoError(t, err)
	ctx := context.Background()
	a, err := m.set.acquire(ctx)
	require.NoError(t, err)
	b, err := m.set.acquire(ctx)
	require.NoError(t, err)
	require.NotSame(t, a, b)
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	_, err = m.set.acquire(short)
	require.ErrorIs(t, err, context.DeadlineExceeded, "a third session waits for a free one")
	m.set.release(a)
	c, err := m.set.acquire(ctx)
	require.NoError(t, err)
	require.Same(t, a, c)
	m.set.release(b)
	m.set.release(c)
	require.Equal(t, 2, m.set.made)
}

package inference

import (
	"context"
	"errors"
	"fmt"

	"github.com/aomas/aomas/imaging"
)

// MaxPixels bounds the image one call may run on (before test-time augmentation's 8×).
const MaxPixels = 64 << 20

// ErrImageSize marks an image too small or too large to run.
var ErrImageSize = errors.New("image size out of range")

// Model is a loaded model version: its card and the pool's sessions of its weights.
type Model struct {
	card   Card
	set    *sessionSet
	tiling Tiling
}

// Card returns the model's card.
func (m *Model) Card() Card { return m.card }

// Device is where the model's sessions run.
func (m *Model) Device() Device { return m.set.dev }

// WithTiling returns the same model (sharing its sessions) cutting images as t says.
func (m *Model) WithTiling(t Tiling) *Model {
	c := *m
	c.tiling = t
	return &c
}

// Heatmaps runs the network on a batch of images (tiles of all of them batched together)
// and returns its raw output per image, in the image's frame, without augmentation.
func (m *Model) Heatmaps(ctx context.Context, imgs []*imaging.Image) ([]*imaging.Image, error) {
	maps, err := m.predict(ctx, imgs, false)
	if err != nil {
		return nil, err
	}
	out := make([]*imaging.Image, len(imgs))
	for i, img := range imgs {
		out[i] = &imaging.Image{W: img.W, H: img.H, Pix: maps[i][0]}
	}
	return out, nil
}

// predict runs the network on each image, tiled, with the tiles of all images (and of all
// augmentations) batched together, and returns per image its output in the image's frame:
// one map, or with tta the 8 maps of the dihedral transforms, each mapped back.
func (m *Model) predict(ctx context.Context, imgs []*imaging.Image, tta bool) ([][][]float32, error) {
	total := 0
	for _, img := range imgs {
		if img == nil || img.W < 1 || img.H < 1 || len(img.Pix) != img.W*img.H {
			return nil, fmt.Errorf("%w: empty or malformed image", ErrImageSize)
		}
		total += img.W * img.H
	}
	if total > MaxPixels {
		return nil, fmt.Errorf("%w: %d pixels exceed %d", ErrImageSize, total, MaxPixels)
	}
	mult := m.card.Input.Multiple
	tl := m.tiling.aligned(mult)
	nt := 1
	if tta {
		nt = numTransforms
	}
	frames := make([][]*frame, len(imgs))
	var work []tileJob
	for i, img := range imgs {
		pw, ph := (img.W+mult-1)/mult*mult, (img.H+mult-1)/mult*mult
		padded := padReflect(zscore(img.Pix), img.W, img.H, pw, ph)
		frames[i] = make([]*frame, nt)
		for t := range frames[i] {
			tw, th := transformedSize(t, pw, ph)
			f := &frame{pix: transform(t, padded, pw, ph), w: tw, h: th, acc: make([]float32, tw*th), wsum: make([]float32, tw*th)}
			frames[i][t] = f
			xs, ys := tileSpans(tw, tl.Size, tl.Overlap), tileSpans(th, tl.Size, tl.Overlap)
			for _, sy := range ys {
				wy := blendWeights(sy, th, tl.Overlap)
				for _, sx := range xs {
					work = append(work, tileJob{f: f, x: sx, y: sy, wx: blendWeights(sx, tw, tl.Overlap), wy: wy})
				}
			}
		}
	}

	sess, err := m.set.acquire(ctx)
	if err != nil {
		return nil, err
	}
	defer m.set.release(sess)
	for _, group := range groupByShape(work) {
		for lo := 0; lo < len(group); lo += tl.Batch {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			batch := group[lo:min(lo+tl.Batch, len(group))]
			if err := runBatch(sess, batch); err != nil {
				return nil, fmt.Errorf("model %s %s: %w", m.card.Name, m.card.Version, err)
			}
		}
	}

	out := make([][][]float32, len(imgs))
	for i, img := range imgs {
		pw, ph := (img.W+mult-1)/mult*mult, (img.H+mult-1)/mult*mult
		out[i] = make([][]float32, nt)
		for t, f := range frames[i] {
			for k, s := range f.wsum {
				f.acc[k] /= s
			}
			out[i][t] = crop(untransform(t, f.acc, pw, ph), pw, img.W, img.H)
		}
	}
	return out, nil
}

// frame is one (possibly transformed) padded image and the weighted sum of the network's
// outputs over its tiles.
type frame struct {
	pix       []float32
	w, h      int
	acc, wsum []float32
}

type tileJob struct {
	f      *frame
	x, y   span
	wx, wy []float32
}

// groupByShape splits tiles into runs of one shape, keeping their order.
func groupByShape(jobs []tileJob) [][]tileJob {
	idx := map[[2]int]int{}
	var groups [][]tileJob
	for _, j := range jobs {
		k := [2]int{j.x.hi - j.x.lo, j.y.hi - j.y.lo}
		g, ok := idx[k]
		if !ok {
			g = len(groups)
			idx[k] = g
			groups = append(groups, nil)
		}
		groups[g] = append(groups[g], j)
	}
	return groups
}

// runBatch copies the tiles into the session's input, runs it once, and blends the outputs
// into their frames.
func runBatch(sess *session, batch []tileJob) error {
	tw, th := batch[0].x.hi-batch[0].x.lo, batch[0].y.hi-batch[0].y.lo
	in, out, err := sess.buffers(len(batch), th, tw)
	if err != nil {
		return err
	}
	n := tw * th
	for k, j := range batch {
		dst := in[k*n : (k+1)*n]
		for y := 0; y < th; y++ {
			row := (j.y.lo+y)*j.f.w + j.x.lo
			copy(dst[y*tw:(y+1)*tw], j.f.pix[row:row+tw])
		}
	}
	if err := sess.exec(len(batch), th, tw); err != nil {
		return err
	}
	for k, j := range batch {
		src := out[k*n : (k+1)*n]
		for y := 0; y < th; y++ {
			row := (j.y.lo+y)*j.f.w + j.x.lo
			acc, ws := j.f.acc[row:row+tw], j.f.wsum[row:row+tw]
			wy := j.wy[y]
			for x, v := range src[y*tw : (y+1)*tw] {
				wgt := wy * j.wx[x]
				acc[x] += wgt * v
				ws[x] += wgt
			}
		}
	}
	return nil
}

// Raw runs the network once on an already normalised batch of n single-channel h×w images
// (h and w multiples of the card's), without tiling or augmentation, and returns a copy of
// its output. Evaluations and agreement checks compare it with other runtimes.
func (m *Model) Raw(ctx context.Context, data []float32, n, h, w int) ([]float32, error) {
	mult := m.card.Input.Multiple
	if n < 1 || h < 1 || w < 1 || h%mult != 0 || w%mult != 0 || len(data) != n*h*w {
		return nil, fmt.Errorf("%w: raw batch %dx1x%dx%d of %d values (multiple %d)", ErrImageSize, n, h, w, len(data), mult)
	}
	if n*h*w > MaxPixels {
		return nil, fmt.Errorf("%w: %d pixels exceed %d", ErrImageSize, n*h*w, MaxPixels)
	}
	sess, err := m.set.acquire(ctx)
	if err != nil {
		return nil, err
	}
	defer m.set.release(sess)
	out, err := sess.run(data, n, h, w)
	if err != nil {
		return nil, err
	}
	return append([]float32(nil), out...), nil
}

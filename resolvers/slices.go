package resolvers

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"image"
	"image/png"
	"math"
	"strings"
	"sync"

	lru "github.com/hashicorp/golang-lru/v2"
	"golang.org/x/sync/semaphore"
	"golang.org/x/sync/singleflight"

	"github.com/aomas/aomas/db"
	"github.com/aomas/aomas/graph/model"
	"github.com/aomas/aomas/imaging"
	"github.com/aomas/aomas/ingest"
	"github.com/aomas/aomas/internal/intake"
	"github.com/aomas/aomas/storage"
)

// Slicer renders Volume.slice with bounded memory. A plane is decoded from the stored file
// one source plane at a time (a Z slice reads one frame; a Y or X slice walks the frames,
// keeping one row or column of each), never the whole volume. The same slice asked for at
// once by many requests is rendered once (singleflight), recent renders are kept, and the
// bytes of planes being rendered at one time are bounded by a weighted semaphore, so that
// many clients wait rather than grow the process.
type Slicer struct {
	// Limits are the ingest limits, so that a stored file is read under the rules it was
	// accepted by.
	Limits ingest.Options
	flight singleflight.Group
	budget *semaphore.Weighted
	limit  int64

	// done keeps recent renders, up to keep bytes of PNG (kept counts them).
	mu   sync.Mutex
	done *lru.Cache[string, *model.VolumeSlice]
	keep int
	kept int
}

// Default bounds of a Slicer: the bytes of slices being rendered at once, and the bytes of
// rendered slices kept.
const (
	DefaultSliceMemory = 64 << 20
	DefaultSliceKeep   = 24 << 20
)

// NewSlicer keeps up to keep bytes of rendered slices (DefaultSliceKeep when 0) and renders
// at once slices needing at most memory bytes (DefaultSliceMemory when 0); a slice needing
// more than memory renders alone.
func NewSlicer(keep int, memory int64, limits ingest.Options) *Slicer {
	if memory <= 0 {
		memory = DefaultSliceMemory
	}
	if keep <= 0 {
		keep = DefaultSliceKeep
	}
	s := &Slicer{Limits: limits, budget: semaphore.NewWeighted(memory), limit: memory, keep: keep}
	// The count bound is never the one reached first: the byte bound below is.
	s.done, _ = lru.NewWithEvict(1<<16, func(_ string, v *model.VolumeSlice) { s.kept -= len(v.Png) })
	return s
}

func (s *Slicer) cached(key string) (*model.VolumeSlice, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.done.Get(key)
}

func (s *Slicer) remember(key string, v *model.VolumeSlice) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(v.Png) > s.keep/4 {
		return // one large plane must not push out every other
	}
	s.done.Add(key, v)
	s.kept += len(v.Png)
	for s.kept > s.keep {
		s.done.RemoveOldest()
	}
}

// MaxSlicesPerOperation bounds the Volume.slice fields one operation may resolve: each may
// read a whole volume's worth of frames.
const MaxSlicesPerOperation = 4

var sliceAxes = map[model.SliceAxis]imaging.Axis{model.SliceAxisZ: imaging.AxisZ, model.SliceAxisY: imaging.AxisY, model.SliceAxisX: imaging.AxisX}

// volumeSlice renders plane index across axis of v as a grey PNG.
func (r *Resolver) volumeSlice(ctx context.Context, v *db.Volume, axis model.SliceAxis, index int) (*model.VolumeSlice, error) {
	if r.Store == nil || r.Slices == nil {
		return nil, &codedError{code: CodeUnavailable, msg: "object storage is not configured on this server"}
	}
	if v.Status != "READY" {
		return nil, invalidInput(fmt.Sprintf("volume is %s: only READY volumes have planes", v.Status))
	}
	if n := r.loaders(ctx).slices.Add(1); n > MaxSlicesPerOperation {
		return nil, invalidInput(fmt.Sprintf("at most %d slices may be asked for in one request", MaxSlicesPerOperation))
	}
	a := sliceAxes[axis]
	count := map[imaging.Axis]int{imaging.AxisZ: v.DimZ, imaging.AxisY: v.DimY, imaging.AxisX: v.DimX}[a]
	if index < 0 || index >= count {
		return nil, invalidInput(fmt.Sprintf("%s plane %d: slice %d is outside 0..%d", axis, index, index, count-1))
	}
	sha := ""
	if v.SHA256 != nil {
		sha = *v.SHA256
	}
	key := fmt.Sprintf("%d:%s:%s:%d", v.ID, sha, axis, index)
	if s, ok := r.Slices.cached(key); ok {
		return s, nil
	}
	// The render is shared by every request waiting for it, so it must not end with the
	// first one that gives up; it ends when the volume is read or fails.
	ch := r.Slices.flight.DoChan(key, func() (any, error) {
		s, err := r.Slices.render(context.WithoutCancel(ctx), r.Store, *v, axis, index)
		if err == nil {
			r.Slices.remember(key, s)
		}
		return s, err
	})
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case res := <-ch:
		if errors.Is(res.Err, intake.ErrNotReady) {
			return nil, invalidInput(fmt.Sprintf("volume is %s: only READY volumes have planes", v.Status))
		}
		if res.Err != nil {
			return nil, res.Err
		}
		return res.Val.(*model.VolumeSlice), nil
	}
}

func (s *Slicer) render(ctx context.Context, store *storage.Store, v db.Volume, axis model.SliceAxis, index int) (*model.VolumeSlice, error) {
	p, err := intake.OpenPlanes(ctx, store, v, s.Limits)
	if err != nil {
		return nil, err
	}
	defer func() { _ = p.Close() }()
	a := sliceAxes[axis]
	X, Y, Z := p.Cols, p.Rows, p.Frames
	var img *imaging.Image
	switch a {
	case imaging.AxisZ:
		img = imaging.NewImage(X, Y)
	case imaging.AxisY:
		img = imaging.NewImage(X, Z)
	default:
		img = imaging.NewImage(Y, Z)
	}
	// What this render holds: one source plane, the output plane, its grey copy and PNG.
	need := min(int64(X)*int64(Y)*4+int64(len(img.Pix))*6, s.limit)
	if err := s.budget.Acquire(ctx, need); err != nil {
		return nil, err
	}
	defer s.budget.Release(need)
	if err := fill(p, a, index, img); err != nil {
		return nil, err
	}
	b, err := encodeStretched(img)
	if err != nil {
		return nil, err
	}
	sp := p.SpacingUm
	sx, sy := sp[0], sp[1]
	switch a {
	case imaging.AxisY:
		sy = sp[2]
	case imaging.AxisX:
		sx, sy = sp[1], sp[2]
	}
	count := map[imaging.Axis]int{imaging.AxisZ: Z, imaging.AxisY: Y, imaging.AxisX: X}[a]
	const prefix = "data:image/png;base64,"
	var uri strings.Builder
	uri.Grow(len(prefix) + base64.StdEncoding.EncodedLen(len(b)))
	uri.WriteString(prefix)
	enc := base64.NewEncoder(base64.StdEncoding, &uri)
	_, _ = enc.Write(b)
	_ = enc.Close()
	return &model.VolumeSlice{Axis: axis, Index: index, Count: count, Width: img.W, Height: img.H,
		UmPerPxX: positiveOrNil(sx), UmPerPxY: positiveOrNil(sy), Png: uri.String()}, nil
}

// fill cuts plane i across axis a into img, decoding one source plane at a time.
func fill(p *intake.Planes, a imaging.Axis, i int, img *imaging.Image) error {
	X, Y, Z := p.Cols, p.Rows, p.Frames
	if a == imaging.AxisZ {
		return p.Plane(i, img.Pix)
	}
	buf := make([]float32, X*Y)
	for z := range Z {
		if err := p.Plane(z, buf); err != nil {
			return err
		}
		if a == imaging.AxisY {
			copy(img.Pix[z*X:(z+1)*X], buf[i*X:(i+1)*X])
			continue
		}
		for y := range Y {
			img.Pix[z*Y+y] = buf[y*X+i]
		}
	}
	return nil
}

func positiveOrNil(f float64) *float64 {
	if f > 0 && !math.IsInf(f, 0) && !math.IsNaN(f) {
		return &f
	}
	return nil
}

// encodeStretched maps the image's 0.5–99.5 percentiles (from a 4096-bin histogram) to
// black and white.
func encodeStretched(img *imaging.Image) ([]byte, error) {
	lo, hi := float32(math.Inf(1)), float32(math.Inf(-1))
	for _, v := range img.Pix {
		lo, hi = min(lo, v), max(hi, v)
	}
	if hi > lo {
		const bins = 4096
		var hist [bins]int
		scale := float32(bins-1) / (hi - lo)
		for _, v := range img.Pix {
			hist[int((v-lo)*scale)]++
		}
		n := len(img.Pix)
		at := func(frac float64) float32 {
			want, seen := int(frac*float64(n)), 0
			for i, c := range &hist {
				if seen += c; seen > want {
					return lo + float32(i)/scale
				}
			}
			return hi
		}
		lo, hi = at(0.005), at(0.995)
	}
	g := image.NewGray(image.Rect(0, 0, img.W, img.H))
	span := hi - lo
	for i, v := range img.Pix {
		t := float32(0.5)
		if span > 0 {
			t = min(max((v-lo)/span, 0), 1)
		}
		g.Pix[i] = uint8(t*255 + 0.5)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, g); err != nil {
		return nil, fmt.Errorf("encode plane: %w", err)
	}
	return buf.Bytes(), nil
}

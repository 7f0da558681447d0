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
	"sync"

	"github.com/aomas/aomas/db"
	"github.com/aomas/aomas/graph/model"
	"github.com/aomas/aomas/imaging"
	"github.com/aomas/aomas/internal/intake"
)

// VolumeCache keeps the last few decoded volumes: a viewer steps through the planes of one
// volume, and decoding reads the whole file.
type VolumeCache struct {
	mu   sync.Mutex
	size int
	keys []string
	vols map[string]*imaging.Volume
}

// NewVolumeCache holds up to n decoded volumes.
func NewVolumeCache(n int) *VolumeCache {
	return &VolumeCache{size: max(n, 1), vols: map[string]*imaging.Volume{}}
}

func (c *VolumeCache) get(key string) *imaging.Volume {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.vols[key]
}

func (c *VolumeCache) put(key string, v *imaging.Volume) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.vols[key]; ok {
		return
	}
	if len(c.keys) >= c.size {
		delete(c.vols, c.keys[0])
		c.keys = c.keys[1:]
	}
	c.keys = append(c.keys, key)
	c.vols[key] = v
}

var sliceAxes = map[model.SliceAxis]imaging.Axis{model.SliceAxisZ: imaging.AxisZ, model.SliceAxisY: imaging.AxisY, model.SliceAxisX: imaging.AxisX}

// volumeSlice renders plane index across axis of v as a grey PNG.
func (r *Resolver) volumeSlice(ctx context.Context, v *db.Volume, axis model.SliceAxis, index int) (*model.VolumeSlice, error) {
	if r.Store == nil {
		return nil, &codedError{code: CodeUnavailable, msg: "object storage is not configured on this server"}
	}
	key := fmt.Sprintf("%d", v.ID)
	if v.SHA256 != nil {
		key += ":" + *v.SHA256
	}
	var vol *imaging.Volume
	if r.Volumes != nil {
		vol = r.Volumes.get(key)
	}
	if vol == nil {
		var err error
		vol, err = intake.Decode(ctx, r.Store, *v)
		if errors.Is(err, intake.ErrNotReady) {
			return nil, invalidInput(fmt.Sprintf("volume is %s: only READY volumes have planes", v.Status))
		}
		if err != nil {
			return nil, err
		}
		if r.Volumes != nil {
			r.Volumes.put(key, vol)
		}
	}
	a := sliceAxes[axis]
	img, err := vol.Slice(a, index)
	if err != nil {
		return nil, invalidInput(fmt.Sprintf("%s plane %d: %v", axis, index, err))
	}
	b, err := encodeStretched(img)
	if err != nil {
		return nil, err
	}
	sx, sy := vol.SpacingUm[0], vol.SpacingUm[1]
	switch a {
	case imaging.AxisY:
		sy = vol.SpacingUm[2]
	case imaging.AxisX:
		sx, sy = vol.SpacingUm[1], vol.SpacingUm[2]
	}
	return &model.VolumeSlice{Axis: axis, Index: index, Count: vol.Len(a), Width: img.W, Height: img.H,
		UmPerPxX: positiveOrNil(sx), UmPerPxY: positiveOrNil(sy),
		Png: "data:image/png;base64," + base64.StdEncoding.EncodeToString(b)}, nil
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

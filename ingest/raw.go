package ingest

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
)

// Sidecar is the JSON file that describes a raw volume, for example
//
//	{"dims": [64, 512, 512], "dtype": "uint16", "spacingUm": [0.75, 0.75, 2.5]}
//	{"dims": [128, 496, 512], "dtype": "float32", "axes": ["bscan", "depth", "ascan"],
//	 "spacingUm": [11.5, 47, 3.9]}
//
// dims gives the sizes outermost first, in the order of axes. The raw file holds exactly
// their product of little-endian samples of dtype (uint8, int8, uint16, int16, uint32,
// int32 or float32), the last axis varying fastest, and no header. axes names the axes and
// with them the volume's kind; it is one of
//
//	["frame", "y", "x"]           a FRAME_STACK: frames in time of rows of columns
//	["bscan", "depth", "ascan"]   an OCT_VOLUME stored B-scan by B-scan (most exports)
//	["depth", "bscan", "ascan"]   an OCT_VOLUME stored en-face plane by plane
//
// Without axes the file is frames of rows of columns, [z, y, x]. volumeKind (FRAME_STACK or
// OCT_VOLUME) states the kind and must agree with axes; an OCT_VOLUME without axes is
// stored B-scan by B-scan, as is a raw volume without either whose uploader states
// OCT_VOLUME (a sequence of frames stated to be an OCT is a sequence of B-scans). spacingUm is [x, y, z] of the volume in
// micrometres (for an OCT: between A-scans, between B-scans, between depth samples) and may
// be left out (unknown spacing). Unknown keys are an error, so a misspelt key is not
// silently ignored.
type Sidecar struct {
	Dims       []int64   `json:"dims"`
	DType      string    `json:"dtype"`
	SpacingUm  []float64 `json:"spacingUm,omitempty"`
	Axes       []string  `json:"axes,omitempty"`
	VolumeKind string    `json:"volumeKind,omitempty"`
}

// sidecarLayouts are the accepted axes and the kind each states ("" for none).
var sidecarLayouts = []struct {
	axes []string
	kind string
}{
	{[]string{"frame", "y", "x"}, KindFrameStack},
	{[]string{"depth", "bscan", "ascan"}, KindOCTVolume},
	{[]string{"bscan", "depth", "ascan"}, KindOCTVolume},
}

// kind returns the kind the sidecar states ("" for none) and whether its file is stored
// B-scan by B-scan.
func (sc Sidecar) kind() (string, bool) {
	k := sc.VolumeKind
	for _, l := range sidecarLayouts {
		if slices.Equal(l.axes, sc.Axes) && l.kind != "" {
			k = l.kind
		}
	}
	return k, slices.Equal(sc.Axes, bscanAxes) || sc.Axes == nil && k == KindOCTVolume
}

// sidecarMaxBytes bounds the sidecar JSON; a real one is a few dozen bytes.
const sidecarMaxBytes = 64 << 10

// ParseSidecar decodes and checks a raw volume sidecar; errors are BAD_SIDECAR rejections.
func ParseSidecar(b []byte) (Sidecar, error) {
	var sc Sidecar
	if len(b) > sidecarMaxBytes {
		return sc, reject(CodeBadSidecar, "the sidecar is %d bytes, over the limit of %d", len(b), sidecarMaxBytes)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&sc); err != nil {
		return sc, reject(CodeBadSidecar, "the sidecar is not valid JSON of the expected shape: %v", err)
	}
	if dec.More() {
		return sc, reject(CodeBadSidecar, "the sidecar holds more than one JSON value")
	}
	if len(sc.Dims) != 3 {
		return sc, reject(CodeBadSidecar, `"dims" must be [z, y, x], got %d numbers`, len(sc.Dims))
	}
	for i, d := range sc.Dims {
		if d <= 0 || d > math.MaxInt32 {
			return sc, reject(CodeBadSidecar, `"dims"[%d] is %d, not a positive size`, i, d)
		}
	}
	if _, ok := rawSampleType(sc.DType); !ok {
		return sc, reject(CodeBadSidecar, `"dtype" is %q; expected uint8, int8, uint16, int16, uint32, int32 or float32`, sc.DType)
	}
	if sc.Axes != nil {
		known := false
		for _, l := range sidecarLayouts {
			if slices.Equal(l.axes, sc.Axes) {
				known = true
				if l.kind != "" && sc.VolumeKind != "" && sc.VolumeKind != l.kind {
					return sc, reject(CodeBadSidecar, `"axes" %q are those of an %s but "volumeKind" is %s`, sc.Axes, l.kind, sc.VolumeKind)
				}
			}
		}
		if !known {
			return sc, reject(CodeBadSidecar, `"axes" is %q; expected ["frame","y","x"], ["bscan","depth","ascan"] or ["depth","bscan","ascan"]`, sc.Axes)
		}
	}
	if sc.VolumeKind != "" && !ValidVolumeKind(sc.VolumeKind) {
		return sc, reject(CodeBadSidecar, `"volumeKind" is %q; expected %s or %s`, sc.VolumeKind, KindFrameStack, KindOCTVolume)
	}
	if sc.SpacingUm != nil {
		if len(sc.SpacingUm) != 3 {
			return sc, reject(CodeBadSidecar, `"spacingUm" must be [x, y, z], got %d numbers`, len(sc.SpacingUm))
		}
		for i, s := range sc.SpacingUm {
			if !(s >= 0 && s < 1e9) {
				return sc, reject(CodeBadSidecar, `"spacingUm"[%d] is %v, not a spacing in µm`, i, s)
			}
		}
	}
	return sc, nil
}

// RecordedSidecar rebuilds the sidecar of a raw volume from what was recorded of it when
// it was accepted (the sidecar itself is not stored): the volume's dims [z, y, x], the
// sample type, the spacing [x, y, z] in µm with nil for unknown, and the sidecar's axes
// (nil for the default), which say how the file is laid out. The spacing is kept only when
// x and y are both known; an unknown z is then 0.
func RecordedSidecar(dims [3]int, dtype string, spacingUm [3]*float64, axes []string) ([]byte, error) {
	side := Sidecar{Dims: []int64{int64(dims[0]), int64(dims[1]), int64(dims[2])}, DType: dtype, Axes: axes}
	if slices.Equal(axes, bscanAxes) {
		side.Dims[0], side.Dims[1] = int64(dims[1]), int64(dims[0])
	}
	if spacingUm[0] != nil && spacingUm[1] != nil {
		side.SpacingUm = []float64{*spacingUm[0], *spacingUm[1], 0}
		if spacingUm[2] != nil {
			side.SpacingUm[2] = *spacingUm[2]
		}
	}
	b, err := json.Marshal(side)
	if err != nil {
		return nil, fmt.Errorf("encode sidecar: %w", err)
	}
	return b, nil
}

func rawSampleType(name string) (sampleType, bool) {
	for t := sampleUint8; t <= sampleFloat32; t++ {
		if t.String() == strings.ToLower(name) {
			return t, true
		}
	}
	return 0, false
}

func parseRaw(res *Result, r io.ReaderAt, size int64, opts Options) error {
	sc, err := ParseSidecar(opts.Sidecar)
	if err != nil {
		return err
	}
	st, _ := rawSampleType(sc.DType)
	res.Frames, res.Rows, res.Cols = int(sc.Dims[0]), int(sc.Dims[1]), int(sc.Dims[2])
	res.SamplesPerPixel = 1
	res.BitsAllocated = 8 * st.size()
	res.DataType = st.String()
	if sc.SpacingUm != nil {
		copy(res.SpacingUm[:], sc.SpacingUm)
	}
	// Dims are each below 2³¹, so the product of three fits a float64 exactly enough to
	// compare against the limit before multiplying in int64.
	if v := float64(sc.Dims[0]) * float64(sc.Dims[1]) * float64(sc.Dims[2]); v > float64(opts.maxVoxels()) {
		return reject(CodeTooLarge, "the sidecar declares %d×%d×%d = %.0f voxels, over the limit of %d",
			sc.Dims[2], sc.Dims[1], sc.Dims[0], v, opts.maxVoxels())
	}
	want := res.Voxels() * int64(st.size())
	if want != size {
		rel := "more"
		if want < size {
			rel = "fewer"
		}
		return reject(CodeDimensionMismatch, "the sidecar declares %d×%d×%d %s = %d bytes, %s than the %d bytes in the file",
			res.Cols, res.Rows, res.Frames, res.DataType, want, rel, size)
	}
	res.Decodable = true
	plane := int64(res.Rows) * int64(res.Cols) * int64(st.size())
	res.plane = func(z int, dst []float32) error {
		if err := readSamples(r, int64(z)*plane, size, dst, st, binary.LittleEndian); err != nil {
			return fmt.Errorf("read raw plane %d: %w", z, err)
		}
		return nil
	}
	kind, bscanMajor := sc.kind()
	res.RawAxes = sc.Axes
	if bscanMajor {
		res.RawAxes = bscanAxes
	}
	if kind != "" {
		res.VolumeKind, res.VolumeKindSource = kind, KindSourceSidecar
	}
	if bscanMajor {
		line := int64(res.Cols) * int64(st.size())
		l := bscanLayout{x: res.Cols, y: res.Frames, z: res.Rows, bscan: res.plane,
			row: func(b, d int, dst []float32) error {
				return readSamples(r, int64(b)*plane+int64(d)*line, size, dst, st, binary.LittleEndian)
			}}
		l.install(res)
	}
	return nil
}

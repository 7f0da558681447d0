package ingest

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestDICOMOphthalmicTomography: a multi-frame OCT DICOM is an OCT volume from its SOP
// class; its frames are B-scans (y), their rows depth (z); the spacing comes from the
// shared Pixel Measures (x, z) and the per-frame positions (y), and every voxel lands where
// the mapping says, in both VR encodings.
func TestDICOMOphthalmicTomography(t *testing.T) {
	for _, ts := range []string{tsExplicitLE, tsImplicitLE} {
		t.Run(ts, func(t *testing.T) {
			res, err := parseBytes(octDICOM(ts).bytes(), "oct.dcm", Options{})
			require.NoError(t, err)
			require.Equal(t, SOPOphthalmicTomography, res.SOPClassUID)
			require.Equal(t, KindOCTVolume, res.VolumeKind)
			require.Equal(t, KindSourceFile, res.VolumeKindSource)
			require.Equal(t, [3]int{5, 3, 4}, [3]int{res.Cols, res.Rows, res.Frames}, "x A-scans, y B-scans (frames), z depth (rows)")
			require.InDeltaSlice(t, []float64{11.5, 120, 3.9}, res.SpacingUm[:], 1e-6)
			require.Len(t, res.FramePositionsMm, 3)
			require.InDeltaSlice(t, []float64{1.5, 0.04, 0}, res.FramePositionsMm[2][:], 1e-9)
			require.Equal(t, "OD", res.Study.Laterality)

			v, err := res.Volume()
			require.NoError(t, err)
			for z := range 4 {
				for y := range 3 {
					for x := range 5 {
						require.Equal(t, float32(y*100+z*10+x), v.Vox[(z*v.Y+y)*v.X+x])
					}
				}
			}
			bscan := make([]float32, 5*4)
			require.NoError(t, res.BScan(1, bscan))
			require.Equal(t, float32(100+3*10+4), bscan[3*5+4])
			plane := make([]float32, 5*3)
			require.NoError(t, res.Plane(2, plane))
			require.Equal(t, float32(200+20+1), plane[2*5+1])
		})
	}
}

// TestDICOMOCTKindConflictsAndMismatches: an OCT DICOM stated a frame stack is refused; per-
// frame groups that do not match the frame count are refused; without positions the B-scan
// spacing falls back to Spacing Between Slices, never to Slice Thickness.
func TestDICOMOCTKindConflictsAndMismatches(t *testing.T) {
	f := octDICOM(tsExplicitLE)
	_, err := parseBytes(f.bytes(), "oct.dcm", Options{VolumeKind: KindFrameStack})
	requireReject(t, err, CodeKindConflict)

	short := octDICOM(tsExplicitLE)
	short.extra[1].items = short.extra[1].items[:2]
	_, err = parseBytes(short.bytes(), "oct.dcm", Options{})
	requireReject(t, err, CodeDimensionMismatch)

	noPos := octDICOM(tsExplicitLE)
	noPos.extra = noPos.extra[:1]
	res, err := parseBytes(noPos.bytes(), "oct.dcm", Options{})
	require.NoError(t, err)
	require.Nil(t, res.FramePositionsMm)
	require.Equal(t, 0.0, res.SpacingUm[1], "slice thickness is not a spacing")
	noPos.sliceSpacing = "0.25"
	res, err = parseBytes(noPos.bytes(), "oct.dcm", Options{})
	require.NoError(t, err)
	require.InDelta(t, 250, res.SpacingUm[1], 1e-9)

	rgb := octDICOM(tsExplicitLE)
	rgb.samples, rgb.photometric, rgb.bits = 3, "RGB", 8
	rgb.native = make([]byte, 3*4*5*3)
	_, err = parseBytes(rgb.bytes(), "oct.dcm", Options{})
	requireReject(t, err, CodeUnsupportedPixelFormat)

	// A compressed OCT whose pixels are not decodable here still reports its OCT dims.
	j2k := octDICOM(tsJ2K)
	j2k.native, j2k.fragments = nil, [][]byte{{0xFF, 0x4F}, {0xFF, 0x4F}, {0xFF, 0x4F}}
	res, err = parseBytes(j2k.bytes(), "oct.dcm", Options{})
	requireReject(t, err, CodeUnsupportedTransferSyntax)
	require.Equal(t, [3]int{5, 3, 4}, [3]int{res.Cols, res.Rows, res.Frames})
}

// TestDICOMOCTEnFace: an OCT En Face image is a frame stack by its SOP class; a plain
// secondary capture says nothing (DEFAULT) unless the uploader states a kind, and one
// stated OCT_VOLUME has its frames read as B-scans.
func TestDICOMOCTEnFace(t *testing.T) {
	enface := dicomFile{ts: tsExplicitLE, sop: SOPOCTEnFace, modality: "OPT", rows: 4, cols: 5, frames: 1, bits: 8,
		pixelSpacing: "0.003\\0.003", native: make([]byte, 20)}
	res, err := parseBytes(enface.bytes(), "enface.dcm", Options{})
	require.NoError(t, err)
	require.Equal(t, KindFrameStack, res.VolumeKind)
	require.Equal(t, KindSourceFile, res.VolumeKindSource)
	require.Equal(t, [3]int{5, 4, 1}, [3]int{res.Cols, res.Rows, res.Frames})
	require.InDeltaSlice(t, []float64{3, 3, 0}, res.SpacingUm[:], 1e-9)
	_, err = parseBytes(enface.bytes(), "enface.dcm", Options{VolumeKind: KindOCTVolume})
	requireReject(t, err, CodeKindConflict)

	sc := dicomFile{ts: tsExplicitLE, modality: "OT", rows: 4, cols: 5, frames: 3, bits: 16, native: le16(ramp(60, 1, 65536))}
	res, err = parseBytes(sc.bytes(), "sc.dcm", Options{})
	require.NoError(t, err)
	require.Equal(t, KindFrameStack, res.VolumeKind)
	require.Equal(t, KindSourceDefault, res.VolumeKindSource)
	res, err = parseBytes(sc.bytes(), "sc.dcm", Options{VolumeKind: KindOCTVolume})
	require.NoError(t, err)
	require.Equal(t, KindSourceUploader, res.VolumeKindSource)
	require.Equal(t, [3]int{5, 3, 4}, [3]int{res.Cols, res.Rows, res.Frames})
	v, err := res.Volume()
	require.NoError(t, err)
	// frame 2, row 1, column 3 is sample 2·20 + 1·5 + 3 of the ramp.
	require.Equal(t, float32(48), v.Vox[(1*v.Y+2)*v.X+3])
	_, err = parseBytes(sc.bytes(), "sc.dcm", Options{VolumeKind: "DEPTH"})
	requireReject(t, err, CodeKindConflict)
}

// TestRawSidecarAxes: a raw OCT stored B-scan by B-scan reads into the same layout as a
// DICOM OCT; axes and volumeKind must agree; the recorded sidecar reads the file again.
func TestRawSidecarAxes(t *testing.T) {
	data := le16(ramp(60, 1, 65536)) // 3 B-scans of 4 depth rows of 5 A-scans
	res, err := parseBytes(data, "oct.raw", Options{Sidecar: []byte(`{"dims":[3,4,5],"dtype":"uint16","axes":["bscan","depth","ascan"],"spacingUm":[11.5,120,3.9]}`)})
	require.NoError(t, err)
	require.Equal(t, KindOCTVolume, res.VolumeKind)
	require.Equal(t, KindSourceSidecar, res.VolumeKindSource)
	require.Equal(t, [3]int{5, 3, 4}, [3]int{res.Cols, res.Rows, res.Frames})
	v, err := res.Volume()
	require.NoError(t, err)
	require.Equal(t, float32(2*20+1*5+3), v.Vox[(1*v.Y+2)*v.X+3])

	x, y, z := 11.5, 120.0, 3.9
	side, err := RecordedSidecar([3]int{res.Frames, res.Rows, res.Cols}, res.DataType, [3]*float64{&x, &y, &z}, res.RawAxes)
	require.NoError(t, err)
	again, err := parseBytes(data, "oct.raw", Options{Sidecar: side})
	require.NoError(t, err)
	v2, err := again.Volume()
	require.NoError(t, err)
	require.Equal(t, v.Vox, v2.Vox)

	for _, tc := range []struct{ name, sidecar, code string }{
		{"disagreeing kind", `{"dims":[3,4,5],"dtype":"uint16","axes":["bscan","depth","ascan"],"volumeKind":"FRAME_STACK"}`, CodeBadSidecar},
		{"unknown axes", `{"dims":[3,4,5],"dtype":"uint16","axes":["x","y","z"]}`, CodeBadSidecar},
		{"unknown kind", `{"dims":[3,4,5],"dtype":"uint16","volumeKind":"VIDEO"}`, CodeBadSidecar},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseBytes(data, "oct.raw", Options{Sidecar: []byte(tc.sidecar)})
			requireReject(t, err, tc.code)
		})
	}
	_, err = parseBytes(data, "oct.raw", Options{Sidecar: []byte(`{"dims":[3,4,5],"dtype":"uint16","axes":["frame","y","x"]}`), VolumeKind: KindOCTVolume})
	requireReject(t, err, CodeKindConflict)

	// volumeKind alone: an OCT stored B-scan by B-scan, read like the axes above.
	res, err = parseBytes(data, "oct.raw", Options{Sidecar: []byte(`{"dims":[3,4,5],"dtype":"uint16","volumeKind":"OCT_VOLUME"}`)})
	require.NoError(t, err)
	require.Equal(t, []string{"bscan", "depth", "ascan"}, res.RawAxes)
	v3, err := res.Volume()
	require.NoError(t, err)
	require.Equal(t, v.Vox, v3.Vox)
}

func requireReject(t *testing.T, err error, code string) {
	t.Helper()
	var rej *RejectError
	require.ErrorAs(t, err, &rej)
	require.Equal(t, code, rej.Code, rej.Reason)
}

package ingest

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"
)

// volFixture is a small .vol: 6 A-scans, 3 B-scans, 4 depth samples, a 5×4 SLO and 17
// boundaries (ILM at depth 1, RPE_BM at 3, the rest with the invalid marker but PR1 at 2).
func volFixture() volSpec {
	const x, nB = 6, 3
	seg := make([][]float32, 17)
	for s := range seg {
		seg[s] = make([]float32, nB*x)
		for i := range seg[s] {
			switch s {
			case 0:
				seg[s][i] = 1
			case 1:
				seg[s][i] = 3.25
			case 14:
				seg[s][i] = 2
			default:
				seg[s][i] = math.MaxFloat32
			}
		}
	}
	return volSpec{sizeX: x, nB: nB, sizeZ: 4, scaleX: 0.0115, dist: 0.12, scZ: 0.0039,
		sloW: 5, sloH: 4, bscanHdr: 1024, pos: "OS", patientID: "PAT-17", dobDays: 25569 /* 1970-01-01 */, pix: volPix, seg: seg}
}

func parseVolBytes(t testing.TB, b []byte, opts Options) (*Result, error) {
	t.Helper()
	return Parse(bytes.NewReader(b), int64(len(b)), "scan.vol", opts)
}

// TestVolReadsBack: a .vol built from the published layout reads back exactly: header,
// spacing, kind, every voxel (fourth root of the stored value, 0 for the invalid marker),
// B-scans, planes, boundaries and the SLO.
func TestVolReadsBack(t *testing.T) {
	spec := volFixture()
	data := spec.bytes()
	res, err := parseVolBytes(t, data, Options{})
	require.NoError(t, err)
	require.Equal(t, FormatVol, res.Format)
	require.Equal(t, KindOCTVolume, res.VolumeKind)
	require.Equal(t, KindSourceFile, res.VolumeKindSource)
	require.Equal(t, [3]int{6, 3, 4}, [3]int{res.Cols, res.Rows, res.Frames}, "x A-scans, y B-scans, z depth")
	require.InDeltaSlice(t, []float64{11.5, 120, 3.9}, res.SpacingUm[:], 1e-9)
	require.Equal(t, "float32", res.DataType)
	require.Equal(t, "OS", res.Study.Laterality)
	require.Equal(t, "PAT-17", res.Subject.PatientID)
	require.Equal(t, "19700101", res.Subject.BirthDate)
	require.Equal(t, "HSF-OCT-103", res.Vol.Version)
	require.Equal(t, 17, res.Vol.NumSeg)

	want := func(b, z, x int) float32 {
		if x == 0 {
			return 0
		}
		return float32(math.Sqrt(math.Sqrt(float64(volPix(b, z, x)))))
	}
	v, err := res.Volume()
	require.NoError(t, err)
	require.Equal(t, [3]int{6, 3, 4}, [3]int{v.X, v.Y, v.Z})
	require.Equal(t, res.SpacingUm, v.SpacingUm)
	for z := range 4 {
		for b := range 3 {
			for x := range 6 {
				require.Equal(t, want(b, z, x), v.Vox[(z*v.Y+b)*v.X+x], "voxel x=%d y=%d z=%d", x, b, z)
			}
		}
	}
	// B-scan b is the plane y = b, as imaging.Volume.Slice(AxisY, b) cuts it.
	bscan := make([]float32, 6*4)
	require.NoError(t, res.BScan(2, bscan))
	for z := range 4 {
		for x := range 6 {
			require.Equal(t, want(2, z, x), bscan[z*6+x])
		}
	}
	plane := make([]float32, 6*3)
	require.NoError(t, res.Plane(3, plane))
	for b := range 3 {
		for x := range 6 {
			require.Equal(t, want(b, 3, x), plane[b*6+x])
		}
	}
	require.Error(t, res.BScan(3, bscan))

	bounds, err := res.Vol.Boundaries()
	require.NoError(t, err)
	require.Len(t, bounds, 17)
	names := map[string]int{}
	for i, bd := range bounds {
		names[bd.Name] = i
		require.Len(t, bd.Depth, 3*6)
	}
	for name, idx := range map[string]int{"ILM": 0, "RPE_BM": 1, "NFL_GCL": 2, "IPL_INL": 4, "OPL_ONL": 6, "ELM": 8, "ISOS": 14, "COST": 15} {
		require.Equal(t, idx, names[name], name)
	}
	require.Equal(t, float32(1), bounds[0].Depth[7])
	require.Equal(t, float32(3.25), bounds[1].Depth[17])
	require.Equal(t, float32(2), bounds[14].Depth[0])
	require.True(t, math.IsNaN(float64(bounds[15].Depth[4])), "the invalid marker is NaN")

	slo, err := res.Vol.SLO()
	require.NoError(t, err)
	require.Len(t, slo, 20)
	require.Equal(t, byte(3*7), slo[3])
}

// TestVolKindIsTheFiles: a .vol is an OCT volume; an upload stating otherwise is refused.
func TestVolKindIsTheFiles(t *testing.T) {
	data := volFixture().bytes()
	_, err := parseVolBytes(t, data, Options{VolumeKind: KindOCTVolume})
	require.NoError(t, err)
	_, err = parseVolBytes(t, data, Options{VolumeKind: KindFrameStack})
	var rej *RejectError
	require.ErrorAs(t, err, &rej)
	require.Equal(t, CodeKindConflict, rej.Code)
}

func putI32(b []byte, off int, v int32) []byte {
	b = bytes.Clone(b)
	binary.LittleEndian.PutUint32(b[off:], uint32(v))
	return b
}

func putF32(b []byte, off int, v float32) []byte {
	b = bytes.Clone(b)
	binary.LittleEndian.PutUint32(b[off:], math.Float32bits(v))
	return b
}

// TestVolMalformed: every malformed variant is a typed rejection, at Parse or when the
// pixels or boundaries are read, and nothing panics.
func TestVolMalformed(t *testing.T) {
	good := volFixture().bytes()
	first := 2048 + 5*4 // the first B-scan block
	block := 1024 + 6*4*4
	pixel := func(b, z, x int) int { return first + b*block + 1024 + (z*6+x)*4 }
	otherSeg := volFixture().bytes()
	binary.LittleEndian.PutUint32(otherSeg[first+2*block+48:], 3)
	tests := []struct {
		name  string
		data  []byte
		code  string
		stage string // parse, volume or boundaries
	}{
		{"empty", nil, CodeEmpty, "parse"},
		{"truncated header", good[:1000], CodeTruncated, "parse"},
		{"header only", good[:2048], CodeTruncated, "parse"},
		{"SLO cut", good[:2060], CodeTruncated, "parse"},
		{"last B-scan cut", good[:len(good)-1], CodeTruncated, "parse"},
		{"B-scan count past the end", putI32(good, 16, 4), CodeTruncated, "parse"},
		{"zero B-scans", putI32(good, 16, 0), CodeCorrupt, "parse"},
		{"negative SizeX", putI32(good, 12, -6), CodeCorrupt, "parse"},
		{"negative SLO", putI32(good, 48, -5), CodeCorrupt, "parse"},
		{"B-scan header size too small", putI32(good, 100, 16), CodeCorrupt, "parse"},
		{"B-scan header size absurd", putI32(good, 100, 1<<30), CodeCorrupt, "parse"},
		{"B-scan header size disagrees", putI32(good, first+12, 256), CodeCorrupt, "parse"},
		{"wrong B-scan magic", append(append(bytes.Clone(good[:first]), "XXXXXXX"...), good[first+7:]...), CodeCorrupt, "parse"},
		{"boundaries past the header", putI32(good, first+52, 1000), CodeCorrupt, "parse"},
		{"too many boundaries", putI32(good, first+48, 1000), CodeCorrupt, "parse"},
		{"absurd SizeX", putI32(good, 12, 1<<30), CodeTooLarge, "parse"},
		{"absurd volume", putI32(putI32(putI32(good, 12, 30000), 16, 30000), 20, 30000), CodeTooLarge, "parse"},
		{"later B-scan header size disagrees", putI32(good, first+2*block+12, 256), CodeCorrupt, "volume"},
		{"later B-scan magic", putI32(good, first+block, 0), CodeCorrupt, "volume"},
		{"NaN pixel", putF32(good, pixel(1, 2, 3), float32(math.NaN())), CodeCorrupt, "volume"},
		{"infinite pixel", putF32(good, pixel(2, 0, 1), float32(math.Inf(1))), CodeCorrupt, "volume"},
		{"boundary below the B-scan", putF32(good, first+block+256+8, 99), CodeCorrupt, "boundaries"},
		{"NaN boundary", putF32(good, first+256, float32(math.NaN())), CodeCorrupt, "boundaries"},
		{"boundary count changes", otherSeg, CodeCorrupt, "boundaries"},
	}

	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Parse(bytes.NewReader(tc.data), int64(len(tc.data)), "bad.vol", Options{})
			require.NotNil(t, res)
			if tc.stage != "parse" {
				require.NoError(t, err)
				switch tc.stage {
				case "volume":
					_, err = res.Volume()
				case "boundaries":
					_, err = res.Vol.Boundaries()
				}
			}
			var rej *RejectError
			require.ErrorAs(t, err, &rej)
			require.Equal(t, tc.code, rej.Code, rej.Reason)
			require.False(t, tc.stage == "parse" && res.Decodable)
		})
	}
}

// TestVolBoundedBeforeAllocating: a 2 KB header declaring a huge volume is refused having
// allocated next to nothing.
func TestVolBoundedBeforeAllocating(t *testing.T) {
	h := volFixture().bytes()[:4096]
	for _, d := range [][3]int32{{32000, 32000, 32000}, {4096, 4096, 64}, {1 << 14, 1 << 14, 1}} {
		b := putI32(putI32(putI32(h, 12, d[0]), 16, d[1]), 20, d[2])
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		res, err := parseVolBytes(t, b, Options{})
		runtime.ReadMemStats(&after)
		var rej *RejectError
		require.ErrorAs(t, err, &rej, "%v", d)
		require.Contains(t, []string{CodeTooLarge, CodeTruncated}, rej.Code)
		require.False(t, res.Decodable)
		require.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(1<<20), "%v allocated %d bytes", d, after.TotalAlloc-before.TotalAlloc)
		_, err = res.Volume()
		require.True(t, errors.As(err, &rej))
	}
}

// TestVolWithoutBoundaries: a .vol without segmentation reads, with no boundaries.
func TestVolWithoutBoundaries(t *testing.T) {
	spec := volFixture()
	spec.seg = nil
	res, err := parseVolBytes(t, spec.bytes(), Options{})
	require.NoError(t, err)
	b, err := res.Vol.Boundaries()
	require.NoError(t, err)
	require.Empty(t, b)
}

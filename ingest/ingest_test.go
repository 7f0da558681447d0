package ingest

import (
	"bytes"
	"encoding/binary"
	"errors"
	"image"
	"image/jpeg"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

func parseBytes(data []byte, name string, opts Options) (*Result, error) {
	return Parse(bytes.NewReader(data), int64(len(data)), name, opts)
}

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "dicom", name))
	require.NoError(t, err, "the suyashkumar/dicom test files belong in ingest/testdata/dicom")
	return b
}

func requireCode(t *testing.T, err error, code string) *RejectError {
	t.Helper()
	var rej *RejectError
	require.True(t, errors.As(err, &rej), "want a *RejectError %s, got %v", code, err)
	require.Equal(t, code, rej.Code, "reason: %s", rej.Reason)
	return rej
}

func volumeStats(vox []float32) (lo, hi float32) {
	return slices.Min(vox), slices.Max(vox)
}

// TestParseLibraryDICOMs checks the suyashkumar/dicom test files against what pydicom 2.3
// reports for them (dims, types, spacing and pixel extremes).
func TestParseLibraryDICOMs(t *testing.T) {
	tests := []struct {
		file                 string
		modality, ts         string
		frames, rows, cols   int
		dtype                string
		spacing              [3]float64
		lo, hi               float32
		probe                int // flat index checked against probeVal
		probeVal             float32
		patientID, studyDate string
	}{
		{"1.dcm", "PT", tsExplicitLE, 1, 168, 168, "int16", [3]float64{4072.83, 4072.83, 5000}, 0, 1327, 1000, 0, "ACRIN-FLT-Breast_029", "19600614"},
		{"2.dcm", "PT", tsExplicitLE, 1, 168, 168, "int16", [3]float64{4072.83, 4072.83, 3000}, 0, 281, 1000, 0, "ACRIN-FLT-Breast_028", "19600114"},
		{"3.dcm", "MR", tsExplicitLE, 1, 176, 176, "uint16", [3]float64{1025.64108372, 1025.64108372, 3000}, 0, 126, 1000, 0, "MIP-PROSTATE-01-0022", "20061217"},
		{"4.dcm", "CR", tsImplicitLE, 1, 2140, 1760, "uint16", [3]float64{200, 200, 0}, 0, 1011, 1000, 820, "COVID-19-AR-16406488", "20120115"},
		{"5.dcm", "CT", tsExplicitLE, 2, 512, 512, "uint16", [3]float64{388.672, 388.672, 10000}, 0, 1196, 1000, 0, "0010", "20061219"},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			res, err := parseBytes(readTestdata(t, tc.file), tc.file, Options{})
			require.NoError(t, err)
			require.Equal(t, FormatDICOM, res.Format)
			require.Equal(t, tc.modality, res.Modality)
			require.Equal(t, tc.ts, res.TransferSyntaxUID)
			require.Equal(t, []int{tc.frames, tc.rows, tc.cols, 1, 16}, []int{res.Frames, res.Rows, res.Cols, res.SamplesPerPixel, res.BitsAllocated})
			require.Equal(t, tc.dtype, res.DataType)
			require.True(t, res.Decodable)
			require.InDeltaSlice(t, tc.spacing[:], res.SpacingUm[:], 1e-6)
			require.Equal(t, tc.patientID, res.Subject.PatientID)
			require.Equal(t, tc.studyDate, res.Study.StudyDate)
			v, err := res.Volume()
			require.NoError(t, err)
			require.Equal(t, []int{tc.cols, tc.rows, tc.frames}, []int{v.X, v.Y, v.Z})
			require.Len(t, v.Vox, tc.cols*tc.rows*tc.frames)
			lo, hi := volumeStats(v.Vox)
			require.Equal(t, tc.lo, lo)
			require.Equal(t, tc.hi, hi)
			require.Equal(t, tc.probeVal, v.Vox[tc.probe])
			require.Equal(t, res.SpacingUm, v.SpacingUm)
			t.Logf("%s: %s %s %dx%dx%d %s spacing %.4g µm, values %g..%g", tc.file, res.Modality, res.TransferSyntaxName,
				res.Cols, res.Rows, res.Frames, res.DataType, res.SpacingUm, lo, hi)
		})
	}
}

func TestParseSyntheticDICOM(t *testing.T) {
	pix16 := ramp(3*4*5, 1000, 65536)
	pix8 := ramp(2*6*4, 7, 256)
	jpegFrame := func(seed uint8) []byte {
		img := image.NewGray(image.Rect(0, 0, 16, 8))
		for i := range img.Pix {
			img.Pix[i] = seed + uint8(i/16)*20 // flat rows: JPEG keeps them almost exact
		}
		var b bytes.Buffer
		require.NoError(t, jpeg.Encode(&b, img, &jpeg.Options{Quality: 100}))
		return b.Bytes()
	}
	measures := dcmElem{group: 0x5200, elem: 0x9229, vr: "SQ", items: [][]dcmElem{{
		{group: 0x28, elem: 0x9110, vr: "SQ", items: [][]dcmElem{{
			dStr(0x18, 0x50, "DS", "0.004"), dStr(0x28, 0x30, "DS", "0.0015\\0.002"),
		}}},
	}}}
	tests := []struct {
		name        string
		file        dicomFile
		want        [5]int // frames, rows, cols, spp, bits
		dtype       string
		spacing     [3]float64
		laterality  string
		firstVoxels []float32
	}{
		{"multi-frame 16-bit explicit", dicomFile{ts: tsExplicitLE, modality: "OPT", rows: 4, cols: 5, frames: 3, bits: 16,
			pixelSpacing: "0.002\\0.001", sliceSpacing: "0.005", laterality: "R", native: le16(pix16)},
			[5]int{3, 4, 5, 1, 16}, "uint16", [3]float64{1, 2, 5}, "OD", []float32{0, 1000, 2000, 3000}},
		{"multi-frame 8-bit implicit", dicomFile{ts: tsImplicitLE, modality: "OP", rows: 6, cols: 4, frames: 2, bits: 8,
			laterality: "L", native: func() []byte {
				b := make([]byte, len(pix8))
				for i, v := range pix8 {
					b[i] = byte(v)
				}
				return b
			}()},
			[5]int{2, 6, 4, 1, 8}, "uint8", [3]float64{0, 0, 0}, "OS", []float32{0, 7, 14, 21}},
		{"functional groups spacing", dicomFile{ts: tsExplicitLE, modality: "OPT", rows: 4, cols: 5, frames: 3, bits: 16,
			extra: []dcmElem{measures}, native: le16(pix16)},
			[5]int{3, 4, 5, 1, 16}, "uint16", [3]float64{2, 1.5, 4}, "", []float32{0, 1000, 2000, 3000}},
		{"JPEG baseline frames", dicomFile{ts: tsJPEG, modality: "OP", rows: 8, cols: 16, frames: 2, bits: 8,
			photometric: "MONOCHROME2", fragments: [][]byte{jpegFrame(10), jpegFrame(50)}},
			[5]int{2, 8, 16, 1, 8}, "uint8", [3]float64{0, 0, 0}, "", []float32{10, 10, 10, 10}},
		{"native RGB to luma", dicomFile{ts: tsExplicitLE, modality: "XC", rows: 1, cols: 2, bits: 8, samples: 3,
			photometric: "RGB", native: []byte{255, 0, 0, 0, 0, 255}},
			[5]int{1, 1, 2, 3, 8}, "uint8", [3]float64{0, 0, 0}, "", []float32{0.299 * 255, 0.114 * 255}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.file.patientID = "PAT-001"
			res, err := parseBytes(tc.file.bytes(), "x.dcm", Options{})
			require.NoError(t, err)
			require.Equal(t, tc.want, [5]int{res.Frames, res.Rows, res.Cols, res.SamplesPerPixel, res.BitsAllocated})
			require.Equal(t, tc.dtype, res.DataType)
			require.InDeltaSlice(t, tc.spacing[:], res.SpacingUm[:], 1e-9)
			require.Equal(t, tc.laterality, res.Study.Laterality)
			require.Equal(t, "PAT-001", res.Subject.PatientID)
			require.Equal(t, "Doe^Jane", res.Subject.PatientName)
			require.Equal(t, "Acme Optics", res.Study.Manufacturer)
			v, err := res.Volume()
			require.NoError(t, err)
			require.Equal(t, []int{tc.want[2], tc.want[1], tc.want[0]}, []int{v.X, v.Y, v.Z})
			require.InDeltaSlice(t, tc.firstVoxels, v.Vox[:len(tc.firstVoxels)], 1.5)
		})
	}
	// The second JPEG frame and its last row hold their own values.
	res, err := parseBytes(tests[3].file.bytes(), "x.dcm", Options{})
	require.NoError(t, err)
	v, err := res.Volume()
	require.NoError(t, err)
	require.InDelta(t, 50, v.Vox[16*8], 1.5)
	require.InDelta(t, 50+7*20, v.Vox[16*8*2-1], 1.5)
}

func TestParseTIFFStacks(t *testing.T) {
	tests := []struct {
		name string
		bo   binary.AppendByteOrder
		bits int
	}{
		{"8-bit little endian", binary.LittleEndian, 8},
		{"16-bit little endian", binary.LittleEndian, 16},
		{"16-bit big endian", binary.BigEndian, 16},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mod := 1 << tc.bits
			var pages []tiffPageSpec
			for z := range 3 {
				pages = append(pages, tiffPageSpec{w: 7, h: 5, bits: tc.bits, pix: ramp(35, 3+z*1000, mod)})
			}
			data := buildTIFF(tc.bo, pages, 20000) // 20000 px/cm = 0.5 µm
			res, err := parseBytes(data, "stack.tif", Options{})
			require.NoError(t, err)
			require.Equal(t, FormatTIFF, res.Format)
			require.Equal(t, []int{3, 5, 7, 1, tc.bits}, []int{res.Frames, res.Rows, res.Cols, res.SamplesPerPixel, res.BitsAllocated})
			require.Equal(t, [3]float64{0.5, 0.5, 0}, res.SpacingUm)
			v, err := res.Volume()
			require.NoError(t, err)
			for z, p := range pages {
				for i, want := range p.pix {
					require.Equal(t, float32(want), v.Vox[z*35+i], "page %d sample %d", z, i)
				}
			}
		})
	}
}

func TestParseRaw(t *testing.T) {
	vals := ramp(4*3*2, 2500, 65536)
	res, err := parseBytes(le16(vals), "v.raw", Options{Sidecar: []byte(`{"dims":[2,3,4],"dtype":"uint16","spacingUm":[0.8,0.9,2]}`)})
	require.NoError(t, err)
	require.Equal(t, FormatRaw, res.Format)
	require.Equal(t, []int{2, 3, 4, 16}, []int{res.Frames, res.Rows, res.Cols, res.BitsAllocated})
	require.Equal(t, [3]float64{0.8, 0.9, 2}, res.SpacingUm)
	v, err := res.Volume()
	require.NoError(t, err)
	require.Equal(t, []int{4, 3, 2}, []int{v.X, v.Y, v.Z})
	for i, want := range vals {
		require.Equal(t, float32(want), v.Vox[i])
	}

	f32 := binary.LittleEndian.AppendUint32(nil, 0x3FC00000) // 1.5
	f32 = binary.LittleEndian.AppendUint32(f32, 0xC0200000)  // -2.5
	res, err = parseBytes(f32, "f.raw", Options{Sidecar: []byte(`{"dims":[1,1,2],"dtype":"float32"}`)})
	require.NoError(t, err)
	v, err = res.Volume()
	require.NoError(t, err)
	require.Equal(t, []float32{1.5, -2.5}, v.Vox)
}

// TestRecordedSidecar: the sidecar rebuilt from a volume's record parses back to what was
// recorded, and an unknown in-plane spacing leaves the spacing out.
func TestRecordedSidecar(t *testing.T) {
	x, y, z := 0.8, 0.9, 2.0
	for _, tc := range []struct {
		name    string
		spacing [3]*float64
		want    []float64
	}{
		{"all known", [3]*float64{&x, &y, &z}, []float64{0.8, 0.9, 2}},
		{"z unknown", [3]*float64{&x, &y, nil}, []float64{0.8, 0.9, 0}},
		{"y unknown", [3]*float64{&x, nil, &z}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := RecordedSidecar([3]int{2, 3, 4}, "uint16", tc.spacing, nil)
			require.NoError(t, err)
			sc, err := ParseSidecar(b)
			require.NoError(t, err)
			require.Equal(t, Sidecar{Dims: []int64{2, 3, 4}, DType: "uint16", SpacingUm: tc.want}, sc)
		})
	}
}

func TestParseRejects(t *testing.T) {
	real3 := readTestdata(t, "3.dcm")
	pages := []tiffPageSpec{
		{w: 4, h: 4, bits: 16, pix: ramp(16, 1, 100)},
		{w: 4, h: 3, bits: 16, pix: ramp(12, 1, 100)},
	}
	j2k := dicomFile{ts: tsJ2K, modality: "OPT", rows: 64, cols: 32, frames: 2, bits: 16, pixelSpacing: "0.001\\0.001",
		patientID: "P9", fragments: [][]byte{{0xFF, 0x4F, 0xFF, 0x51, 1, 2, 3, 4}, {0xFF, 0x4F, 0xFF, 0x51, 5, 6}}}
	unknownTS := j2k
	unknownTS.ts = "1.2.3.4.5"
	short := dicomFile{ts: tsExplicitLE, modality: "OPT", rows: 4, cols: 5, frames: 3, bits: 16, native: make([]byte, 100)}
	// A private OB element whose 32-bit length claims 4 GB.
	hugeElem := []byte{0x09, 0x00, 0x10, 0x10, 'O', 'B', 0, 0, 0x00, 0x00, 0x00, 0xF0}
	metaEnd := 132 + 12 + int(binary.LittleEndian.Uint32(real3[140:]))
	huge := append(append(slices.Clone(real3[:metaEnd]), hugeElem...), make([]byte, 64)...)
	real3PixelTag := bytes.LastIndex(real3, []byte{0xE0, 0x7F, 0x10, 0x00})
	loop := buildTIFF(binary.LittleEndian, pages[:1], 0)
	binary.LittleEndian.PutUint32(loop[len(loop)-4:], binary.LittleEndian.Uint32(loop[4:]))

	tests := []struct {
		name      string
		data      []byte
		file      string
		opts      Options
		code      string
		reasonHas string
	}{
		{"truncated DICOM in pixel data", real3[:40000], "cut.dcm", Options{}, CodeTruncated, "pixel data declares 61952 bytes"},
		{"truncated DICOM in header", real3[:1001], "cut.dcm", Options{}, CodeTruncated, "file ends"},
		{"non-DICOM renamed .dcm", []byte("PK\x03\x04 this is a zip archive, not an image" + string(make([]byte, 200))), "scan.dcm", Options{}, CodeNotDICOM, "not a DICOM file"},
		{"DICOM cut between elements before Pixel Data", real3[:real3PixelTag], "cut.dcm", Options{}, CodeTruncated, "without the Pixel Data"},
		{"unknown content", []byte("hello world"), "notes.txt", Options{}, CodeUnknownFormat, "neither DICOM"},
		{"TIFF with mismatched pages", buildTIFF(binary.LittleEndian, pages, 0), "s.tif", Options{}, CodeMismatchedPages, "page 1 is 4×3"},
		{"TIFF IFD loop", loop, "loop.tif", Options{}, CodeCorrupt, "loops back"},
		{"sidecar claiming more bytes", make([]byte, 1000), "v.raw", Options{Sidecar: []byte(`{"dims":[10,10,10],"dtype":"uint16"}`)}, CodeDimensionMismatch, "2000 bytes, more than the 1000 bytes"},
		{"sidecar with unknown key", make([]byte, 8), "v.raw", Options{Sidecar: []byte(`{"dims":[1,2,4],"dtype":"uint8","spacing":[1,1,1]}`)}, CodeBadSidecar, "spacing"},
		{"sidecar with bad dtype", make([]byte, 8), "v.raw", Options{Sidecar: []byte(`{"dims":[1,2,4],"dtype":"complex64"}`)}, CodeBadSidecar, "complex64"},
		{"raw without sidecar", make([]byte, 8), "v.raw", Options{}, CodeBadSidecar, "needs a JSON sidecar"},
		{"0-byte file", nil, "empty.dcm", Options{}, CodeEmpty, "empty"},
		{"over the size limit", real3, "big.dcm", Options{MaxBytes: 10000}, CodeTooLarge, "64938 bytes, over the limit of 10000"},
		{"over the voxel limit", real3, "big.dcm", Options{MaxVoxels: 1000}, CodeTooLarge, "30976 voxels"},
		{"JPEG 2000 DICOM", j2k.bytes(), "j2k.dcm", Options{}, CodeUnsupportedTransferSyntax, "transfer syntax 1.2.840.10008.1.2.4.90 (JPEG 2000 Lossless) is not decodable here"},
		{"unknown transfer syntax", unknownTS.bytes(), "x.dcm", Options{}, CodeUnsupportedTransferSyntax, `"1.2.3.4.5" (unknown)`},
		{"DICOM pixel bytes short of dims", short.bytes(), "x.dcm", Options{}, CodeDimensionMismatch, "pixel data holds 100 bytes but 5×4×3 frames × 1 samples × 2 bytes need 120"},
		{"DICOM element length past the end", huge, "x.dcm", Options{}, CodeTruncated, "needs 4026531840 bytes"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := parseBytes(tc.data, tc.file, tc.opts)
			require.NotNil(t, res)
			rej := requireCode(t, err, tc.code)
			require.Contains(t, rej.Reason, tc.reasonHas)
			require.False(t, res.Decodable)
			_, verr := res.Volume()
			require.Error(t, verr)
			t.Logf("%s → %s: %s", tc.name, rej.Code, rej.Reason)
		})
	}
}

// TestRejectedDICOMKeepsHeader: a valid DICOM that is not decodable here, or is cut short,
// still reports its header so the record can be stored with it.
func TestRejectedDICOMKeepsHeader(t *testing.T) {
	j2k := dicomFile{ts: tsJ2K, modality: "OPT", rows: 64, cols: 32, frames: 2, bits: 16, pixelSpacing: "0.001\\0.002",
		laterality: "L", patientID: "P9", fragments: [][]byte{{0xFF, 0x4F, 1, 2}, {0xFF, 0x4F, 3, 4}}}
	res, err := parseBytes(j2k.bytes(), "j2k.dcm", Options{})
	_ = requireCode(t, err, CodeUnsupportedTransferSyntax)
	require.Equal(t, FormatDICOM, res.Format)
	require.Equal(t, tsJ2K, res.TransferSyntaxUID)
	require.Equal(t, "JPEG 2000 Lossless", res.TransferSyntaxName)
	require.Equal(t, "OPT", res.Modality)
	require.Equal(t, []int{2, 64, 32, 16}, []int{res.Frames, res.Rows, res.Cols, res.BitsAllocated})
	require.Equal(t, [3]float64{2, 1, 0}, res.SpacingUm)
	require.Equal(t, "OS", res.Study.Laterality)
	require.Equal(t, "P9", res.Subject.PatientID)

	res, err = parseBytes(readTestdata(t, "3.dcm")[:40000], "cut.dcm", Options{})
	_ = requireCode(t, err, CodeTruncated)
	require.Equal(t, "MR", res.Modality)
	require.Equal(t, []int{176, 176}, []int{res.Rows, res.Cols})
}

// TestParseConcurrent parses from several goroutines at once: under -race this guards the
// DICOM library's lazily built tag dictionary.
func TestParseConcurrent(t *testing.T) {
	data := readTestdata(t, "1.dcm")
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			res, err := parseBytes(data, "1.dcm", Options{})
			if err == nil && res.Rows != 168 {
				err = errors.New("wrong rows")
			}
			errs <- err
		}()
	}
	for range 4 {
		require.NoError(t, <-errs)
	}
}

func TestSubjectCode(t *testing.T) {
	// HMAC-SHA256("key", "The quick brown fox jumps over the lazy dog") is the published
	// test vector f7bc83f4 30538424 b13298e6 …
	require.Equal(t, "S-f7bc83f430538424", SubjectCode([]byte("key"), "The quick brown fox jumps over the lazy dog"))
	require.Equal(t, SubjectCode([]byte("k"), "PAT-1"), SubjectCode([]byte("k"), "PAT-1 "), "DICOM padding is ignored")
	require.NotEqual(t, SubjectCode([]byte("k1"), "PAT-1"), SubjectCode([]byte("k2"), "PAT-1"))
	require.NotContains(t, SubjectCode([]byte("k"), "PAT-1"), "PAT")
	require.Empty(t, SubjectCode([]byte("k"), "  "))
}

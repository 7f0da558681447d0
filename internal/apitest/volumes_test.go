package apitest

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"image"
	"image/png"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func readFile(t *testing.T, parts ...string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(append([]string{"..", "..", "ingest", "testdata"}, parts...)...))
	require.NoError(t, err)
	return b
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func rawVolume(z, y, x int) []byte {
	out := make([]byte, 0, z*y*x*2)
	for i := 0; i < z*y*x; i++ {
		out = binary.LittleEndian.AppendUint16(out, uint16(i*37%65521))
	}
	return out
}

// TestUploadsReadBackWithDimsSpacingAndHash uploads real DICOM files, a multi-page TIFF and
// a raw volume with its sidecar, then reads each back by query.
func TestUploadsReadBackWithDimsSpacingAndHash(t *testing.T) {
	a := newAPI(t)
	caseID := a.createCase("S-uploads")
	raw := rawVolume(4, 16, 24)
	tests := []struct {
		name, file string
		content    []byte
		input      map[string]any
		format     string
		z, y, x    int
		spacingX   float64
		spacingZ   float64
		dtype      string
		modality   string
	}{
		{"DICOM MR", "3.dcm", readFile(t, "dicom", "3.dcm"), nil, "dicom", 1, 176, 176, 1025.64, 3000, "", "MR"},
		{"DICOM X-ray 1760×2140", "4.dcm", readFile(t, "dicom", "4.dcm"), nil, "dicom", 1, 2140, 1760, 0, 0, "", ""},
		{"DICOM CT multi-frame", "5.dcm", readFile(t, "dicom", "5.dcm"), nil, "dicom", 0, 0, 0, 388.672, 10000, "", "CT"},
		{"multi-page TIFF", "stack16.tif", readFile(t, "fixtures", "stack16.tif"), nil, "tiff", 3, 30, 40, 0.5, 0, "uint16", ""},
		{"raw + sidecar", "vol.raw", raw, map[string]any{"sidecar": `{"dims":[4,16,24],"dtype":"uint16","spacingUm":[0.8,0.8,3]}`}, "raw", 4, 16, 24, 0.8, 3, "uint16", ""},
		{"umPerPx overrides", "again.raw", rawVolume(2, 8, 8), map[string]any{"umPerPx": 0.42, "sidecar": `{"dims":[2,8,8],"dtype":"uint16"}`}, "raw", 2, 8, 8, 0.42, 0, "uint16", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			input := map[string]any{"caseId": caseID}
			for k, v := range tc.input {
				input[k] = v
			}
			d, res := a.upload(tc.file, tc.content, input)
			require.Empty(t, res.Errors)
			v := d.UploadVolume.Volume
			require.Equal(t, "READY", v.Status, "%v", v.Error)
			require.False(t, d.UploadVolume.Duplicate)

			// Read it back by id.
			var got struct{ Volume volumeData }
			a.mustQuery(`query($id: ID!) { volume(id: $id) { id status sourceFormat modality dims { z y x } spacingUm { x y z } dataType sizeBytes sha256 downloadUrl } }`,
				map[string]any{"id": v.ID}, &got)
			g := got.Volume
			require.Equal(t, tc.format, g.SourceFormat)
			require.Equal(t, sha(tc.content), *g.Sha256)
			require.EqualValues(t, len(tc.content), g.SizeBytes)
			if tc.z > 0 {
				require.Equal(t, [3]int{tc.z, tc.y, tc.x}, [3]int{g.Dims.Z, g.Dims.Y, g.Dims.X})
			} else {
				require.Positive(t, g.Dims.X*g.Dims.Y*g.Dims.Z)
			}
			if tc.spacingX > 0 {
				require.NotNil(t, g.SpacingUm.X)
				require.InDelta(t, tc.spacingX, *g.SpacingUm.X, 0.01)
				require.InDelta(t, tc.spacingX, *g.SpacingUm.Y, 0.01)
			}
			if tc.spacingZ > 0 {
				require.NotNil(t, g.SpacingUm.Z)
				require.InDelta(t, tc.spacingZ, *g.SpacingUm.Z, 0.01)
			}
			if tc.dtype != "" {
				require.Equal(t, tc.dtype, g.DataType)
			}
			if tc.modality != "" {
				require.Equal(t, tc.modality, g.Modality)
			}
			// The download URL serves exactly the uploaded bytes.
			require.NotNil(t, g.DownloadURL)
			resp, err := http.Get(*g.DownloadURL)
			require.NoError(t, err)
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			require.Equal(t, sha(tc.content), sha(body))
		})
	}

	// The case lists its volumes; the DICOM patient is on the identity record, and the
	// subject code is the pseudonym given, never the patient ID.
	var c struct {
		Case struct {
			Subject struct {
				Code     string
				Identity *struct{ PatientID *string }
			}
			Volumes []struct{ ID string }
		}
	}
	a.mustQuery(`query($id: ID!) { case(id: $id) { subject { code identity { patientId } } volumes { id } } }`, map[string]any{"id": caseID}, &c)
	require.Len(t, c.Case.Volumes, len(tests))
	require.Equal(t, "S-uploads", c.Case.Subject.Code)
	require.NotNil(t, c.Case.Subject.Identity)
	require.NotNil(t, c.Case.Subject.Identity.PatientID)
	a.healthy()
}

func TestDuplicateUploadReturnsTheExistingVolume(t *testing.T) {
	a := newAPI(t)
	caseID := a.createCase("S-dup")
	file := readFile(t, "dicom", "1.dcm")
	first, res := a.upload("1.dcm", file, map[string]any{"caseId": caseID})
	require.Empty(t, res.Errors)
	second, res := a.upload("copy-of-1.dcm", file, map[string]any{"caseId": caseID})
	require.Empty(t, res.Errors)
	require.True(t, second.UploadVolume.Duplicate)
	require.Equal(t, first.UploadVolume.Volume.ID, second.UploadVolume.Volume.ID)
	var n int
	require.NoError(t, a.raw.Get(&n, `SELECT count(*) FROM volumes`))
	require.Equal(t, 1, n)
}

// TestBadInputIsRejectedWithATypedErrorAndKept: each bad file gives a typed error, a
// REJECTED record that names the reason, and a server that stays healthy.
func TestBadInputIsRejectedWithATypedErrorAndKept(t *testing.T) {
	a := newAPI(t)
	caseID := a.createCase("S-bad")
	dcm := readFile(t, "dicom", "3.dcm")
	tests := []struct {
		name, file string
		content    []byte
		input      map[string]any
		reason     string
		says       string
		stored     bool
	}{
		{"truncated DICOM", "cut.dcm", dcm[:len(dcm)/2], nil, "TRUNCATED", "ends at byte", true},
		{"not DICOM named .dcm", "notes.dcm", []byte(strings.Repeat("just some text\n", 40)), nil, "NOT_DICOM", "not a DICOM file", true},
		{"TIFF with mismatched pages", "bad.tif", readFile(t, "fixtures", "mismatched.tif"), nil, "MISMATCHED_PAGES", "page", true},
		{"sidecar claims more bytes", "short.raw", rawVolume(2, 8, 8), map[string]any{"sidecar": `{"dims":[4,8,8],"dtype":"uint16"}`}, "DIMENSION_MISMATCH", "512", true},
		{"JPEG 2000 DICOM: stored, header read", "j2k.dcm", readFile(t, "fixtures", "j2k.dcm"), nil, "UNSUPPORTED_TRANSFER_SYNTAX", "1.2.840.10008.1.2.4.90", true},
		{"zero bytes", "empty.dcm", []byte{}, nil, "EMPTY", "empty", false},
		{"over the size limit", "huge.raw", make([]byte, maxUpload+10), map[string]any{"sidecar": `{"dims":[1,1,1],"dtype":"uint8"}`}, "TOO_LARGE", "limit", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			input := map[string]any{"caseId": caseID}
			for k, v := range tc.input {
				input[k] = v
			}
			d, res := a.upload(tc.file, tc.content, input)
			require.Equal(t, http.StatusOK, res.status)
			require.Len(t, res.Errors, 1)
			e := res.Errors[0]
			require.Equal(t, "INVALID_INPUT", e.Extensions["code"])
			require.Equal(t, tc.reason, e.Extensions["reason"])
			require.Contains(t, e.Message, tc.says)
			require.Equal(t, []any{"uploadVolume"}, e.Path)

			v := d.UploadVolume.Volume
			require.Equal(t, "REJECTED", v.Status)
			require.Equal(t, tc.reason, *v.ErrorCode)
			require.Equal(t, e.Extensions["volumeId"], v.ID)
			var got struct{ Volume volumeData }
			a.mustQuery(`query($id: ID!) { volume(id: $id) { status errorCode error sha256 dims { z y x } } }`, map[string]any{"id": v.ID}, &got)
			require.Equal(t, "REJECTED", got.Volume.Status)
			require.Contains(t, *got.Volume.Error, tc.says)
			require.Equal(t, tc.stored, got.Volume.Sha256 != nil, "bytes kept in storage")
			if tc.reason == "UNSUPPORTED_TRANSFER_SYNTAX" {
				require.Equal(t, [3]int{2, 64, 32}, [3]int{got.Volume.Dims.Z, got.Volume.Dims.Y, got.Volume.Dims.X}, "the header is still read")
			}
			a.healthy()
		})
	}
}

func TestTwoStepUploadThroughPresignedPUT(t *testing.T) {
	a := newAPI(t)
	caseID := a.createCase("S-big")
	content := readFile(t, "dicom", "2.dcm")
	var tk struct {
		RequestVolumeUpload struct {
			UploadID, URL, Method string
		}
	}
	a.mustQuery(`mutation($in: RequestVolumeUploadInput!) { requestVolumeUpload(input: $in) { uploadId url method expiresAt } }`,
		map[string]any{"in": map[string]any{"caseId": caseID, "filename": "2.dcm", "sizeBytes": len(content)}}, &tk)
	require.Equal(t, "PUT", tk.RequestVolumeUpload.Method)

	complete := `mutation($id: ID!) { completeVolumeUpload(uploadId: $id) { duplicate volume { id status sha256 dims { z y x } } } }`
	// Completing before the bytes are there is a conflict, not a volume.
	res := a.query(complete, map[string]any{"id": tk.RequestVolumeUpload.UploadID})
	require.Len(t, res.Errors, 1)
	require.Equal(t, "CONFLICT", res.Errors[0].Extensions["code"])

	req, _ := http.NewRequest(http.MethodPut, tk.RequestVolumeUpload.URL, strings.NewReader(string(content)))
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)

	var done struct {
		CompleteVolumeUpload struct {
			Duplicate bool
			Volume    volumeData
		}
	}
	a.mustQuery(complete, map[string]any{"id": tk.RequestVolumeUpload.UploadID}, &done)
	v := done.CompleteVolumeUpload.Volume
	require.Equal(t, "READY", v.Status)
	require.Equal(t, sha(content), *v.Sha256)
	// Completing again is idempotent.
	var again struct {
		CompleteVolumeUpload struct{ Volume volumeData }
	}
	a.mustQuery(complete, map[string]any{"id": tk.RequestVolumeUpload.UploadID}, &again)
	require.Equal(t, v.ID, again.CompleteVolumeUpload.Volume.ID)

	res = a.query(complete, map[string]any{"id": "nope"})
	require.Equal(t, "NOT_FOUND", res.Errors[0].Extensions["code"])
}

// TestVolumeSlices: a READY volume renders any plane across each axis as a PNG of the
// right size; a plane outside the volume and a rejected volume are INVALID_INPUT.
func TestVolumeSlices(t *testing.T) {
	a := newAPI(t)
	caseID := a.createCase("S-SLICES")
	up, res := a.upload("1.dcm", readFile(t, "dicom", "1.dcm"), map[string]any{"caseId": caseID})
	require.Empty(t, res.Errors)
	vol := up.UploadVolume.Volume
	q := `query($id: ID!, $axis: SliceAxis!, $i: Int!) { volume(id: $id) { slice(axis: $axis, index: $i) { axis index count width height png } } }`
	for _, c := range []struct {
		axis        string
		w, h, count int
	}{
		{"Z", vol.Dims.X, vol.Dims.Y, vol.Dims.Z},
		{"Y", vol.Dims.X, vol.Dims.Z, vol.Dims.Y},
		{"X", vol.Dims.Y, vol.Dims.Z, vol.Dims.X},
	} {
		var d struct {
			Volume struct {
				Slice struct {
					Axis                        string
					Index, Count, Width, Height int
					Png                         string
				}
			}
		}
		a.mustQuery(q, map[string]any{"id": vol.ID, "axis": c.axis, "i": c.count - 1}, &d)
		s := d.Volume.Slice
		require.Equal(t, []int{c.w, c.h, c.count}, []int{s.Width, s.Height, s.Count}, c.axis)
		b64, ok := strings.CutPrefix(s.Png, "data:image/png;base64,")
		require.True(t, ok)
		raw, err := base64.StdEncoding.DecodeString(b64)
		require.NoError(t, err)
		img, err := png.Decode(bytes.NewReader(raw))
		require.NoError(t, err)
		require.Equal(t, image.Pt(c.w, c.h), img.Bounds().Size(), c.axis)
	}
	res = a.query(q, map[string]any{"id": vol.ID, "axis": "Y", "i": vol.Dims.Y})
	require.Equal(t, "INVALID_INPUT", res.Errors[0].Extensions["code"])

	_, res = a.upload("empty.tif", []byte{}, map[string]any{"caseId": caseID})
	rejected, ok := res.Errors[0].Extensions["volumeId"].(string)
	require.True(t, ok, "the rejection names the volume it kept: %+v", res.Errors)
	res = a.query(q, map[string]any{"id": rejected, "axis": "Z", "i": 0})
	require.Equal(t, "INVALID_INPUT", res.Errors[0].Extensions["code"])
	require.Contains(t, res.Errors[0].Message, "REJECTED")
}

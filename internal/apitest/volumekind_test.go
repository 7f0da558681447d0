package apitest

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aomas/aomas/internal/auth"
	"github.com/aomas/aomas/internal/testenv"
	"github.com/aomas/aomas/rbac"
)

const kindUpload = `mutation($file: Upload!, $input: UploadVolumeInput!) {
  uploadVolume(file: $file, input: $input) {
    duplicate
    volume { id status errorCode error sourceFormat dims { x y z } spacingUm { x y z } umPerPx pixelSizeSource volumeKind volumeKindSource }
  }
}`

type kindVolume struct {
	ID               string
	Status           string
	ErrorCode        *string
	SourceFormat     string
	Dims             struct{ X, Y, Z int }
	SpacingUm        struct{ X, Y, Z *float64 }
	UmPerPx          *float64
	PixelSizeSource  string
	VolumeKind       string
	VolumeKindSource string
}

func (a *api) kindUpload(name string, content []byte, input map[string]any) (kindVolume, bool, response) {
	a.t.Helper()
	res := a.uploadQuery(kindUpload, name, content, input)
	var d struct {
		UploadVolume *struct {
			Duplicate bool
			Volume    kindVolume
		}
	}
	require.NoError(a.t, decode(res, &d))
	if d.UploadVolume == nil {
		return kindVolume{}, false, res
	}
	return d.UploadVolume.Volume, d.UploadVolume.Duplicate, res
}

// TestOCTVolumesArriveAsOCT: an uploaded Heidelberg .vol becomes an OCT_VOLUME read from the
// FILE, with x A-scans, y B-scans, z depth, its spacing from the file (pixel size source
// FILE), and a B-scan is the slice at axis Y. A TIFF stack stated OCT_VOLUME is one by the
// UPLOADER, its pages B-scans, and is read the same way again for slices; unstated, it is a
// FRAME_STACK by DEFAULT.
func TestOCTVolumesArriveAsOCT(t *testing.T) {
	a := newAPI(t)
	caseID := a.createCase("S-OCT")
	vol := testenv.VolFile(16, 4, 12, 0.0115, 0.12, 0.0039, func(b, z, x int) float32 { return float32(1+b+z*x) / 200 })
	v, dup, res := a.kindUpload("macula.vol", vol, map[string]any{"caseId": caseID})
	require.Empty(t, res.Errors)
	require.False(t, dup)
	require.Equal(t, "READY", v.Status, "%+v", v)
	require.Equal(t, "vol", v.SourceFormat)
	require.Equal(t, "OCT_VOLUME", v.VolumeKind)
	require.Equal(t, "FILE", v.VolumeKindSource)
	require.Equal(t, struct{ X, Y, Z int }{16, 4, 12}, v.Dims)
	require.InDelta(t, 11.5, *v.SpacingUm.X, 1e-9)
	require.InDelta(t, 120, *v.SpacingUm.Y, 1e-9)
	require.InDelta(t, 3.9, *v.SpacingUm.Z, 1e-9)
	require.Equal(t, "FILE", v.PixelSizeSource)

	var sl struct {
		Volume struct {
			Slice struct{ Count, Width, Height int }
		}
	}
	a.mustQuery(`query($id: ID!) { volume(id: $id) { slice(axis: Y, index: 2) { count width height } } }`, map[string]any{"id": v.ID}, &sl)
	require.Equal(t, struct{ Count, Width, Height int }{4, 16, 12}, sl.Volume.Slice, "B-scan 2: A-scans across, depth down")

	pix := make([]byte, 10*6)
	for i := range pix {
		pix[i] = byte(i)
	}
	tif := testenv.DeflateTIFF(10, 6, 3, pix)
	plain, _, res := a.kindUpload("stack.tif", tif, map[string]any{"caseId": caseID})
	require.Empty(t, res.Errors)
	require.Equal(t, "FRAME_STACK", plain.VolumeKind)
	require.Equal(t, "DEFAULT", plain.VolumeKindSource)
	require.Equal(t, struct{ X, Y, Z int }{10, 6, 3}, plain.Dims)

	stated, dup, res := a.kindUpload("stack.tif", tif, map[string]any{"caseId": caseID, "volumeKind": "OCT_VOLUME"})
	require.Empty(t, res.Errors)
	require.False(t, dup, "another stated kind is another volume")
	require.NotEqual(t, plain.ID, stated.ID)
	require.Equal(t, "OCT_VOLUME", stated.VolumeKind)
	require.Equal(t, "UPLOADER", stated.VolumeKindSource)
	require.Equal(t, struct{ X, Y, Z int }{10, 3, 6}, stated.Dims, "pages are B-scans")
	a.mustQuery(`query($id: ID!) { volume(id: $id) { slice(axis: Y, index: 1) { count width height } } }`, map[string]any{"id": stated.ID}, &sl)
	require.Equal(t, struct{ Count, Width, Height int }{3, 10, 6}, sl.Volume.Slice)
}

// TestVolumeKindCannotContradictTheFile: an upload stating FRAME_STACK for a .vol is kept
// REJECTED with KIND_CONFLICT, not read as a frame stack; a kind that is not one is refused
// by the schema and stores nothing.
func TestVolumeKindCannotContradictTheFile(t *testing.T) {
	a := newAPI(t)
	caseID := a.createCase("S-OCT-CONFLICT")
	vol := testenv.VolFile(8, 2, 6, 0.01, 0.1, 0.004, func(b, z, x int) float32 { return 0.5 })
	v, _, res := a.kindUpload("scan.vol", vol, map[string]any{"caseId": caseID, "volumeKind": "FRAME_STACK"})
	require.Equal(t, "REJECTED", v.Status)
	require.Equal(t, "KIND_CONFLICT", *v.ErrorCode)
	require.NotEmpty(t, res.Errors, "the response says why")

	var before, after int
	require.NoError(t, a.raw.Get(&before, `SELECT count(*) FROM volumes`))
	_, _, res = a.kindUpload("scan.vol", vol, map[string]any{"caseId": caseID, "volumeKind": "DEPTH"})
	require.NotEmpty(t, res.Errors)
	require.NoError(t, a.raw.Get(&after, `SELECT count(*) FROM volumes`))
	require.Equal(t, before, after)
}

// TestVolumeKindAuthorization: every role reads Volume.volumeKind and volumeKindSource
// exactly when the stored policy lets it (through Query.node); a scanner, which may not
// read volumes, reads the kind recorded for its own upload in the upload's payload.
func TestVolumeKindAuthorization(t *testing.T) {
	a := newAPI(t)
	caseID := a.createCase("S-OCT-RBAC")
	v, _, res := a.kindUpload("scan.vol", testenv.VolFile(8, 2, 6, 0.01, 0.1, 0.004, func(b, z, x int) float32 { return 0.25 }),
		map[string]any{"caseId": caseID})
	require.Empty(t, res.Errors)
	ctx := context.Background()
	allowed := 0
	for _, role := range rbac.Roles() {
		u, tok := a.accountFor(role)
		want := true
		for _, obj := range []string{"Query.node", "Volume.volumeKind", "Volume.volumeKindSource"} {
			ok, err := a.policy.Allowed(ctx, rbac.UserSubject(u.ID), auth.DefaultProject, obj, rbac.ActRead)
			require.NoError(t, err)
			want = want && ok
		}
		res := a.as(tok).query(fmt.Sprintf(`{ node(id: %q) { ... on Volume { volumeKind volumeKindSource } } }`, v.ID), nil)
		denied := forbiddenAlong(res, []any{"node"}) || forbiddenAlong(res, []any{"node", "volumeKind"})
		require.Equal(t, want, !denied, "%s: %+v", role, res.Errors)
		if want {
			allowed++
			require.Contains(t, string(res.Data), `"volumeKind":"OCT_VOLUME"`)
		}
	}
	require.GreaterOrEqual(t, allowed, 5, "every data role reads the kind")

	_, tok := a.accountFor(rbac.RoleScanner)
	scanner := a.as(tok)
	var created struct {
		CreateCase struct{ Case struct{ ID string } }
	}
	scanner.mustQuery(`mutation { createCase(input: {subjectCode: "S-OCT-SCANNER", eye: OD}) { case { id } } }`, nil, &created)
	res = scanner.uploadQuery(`mutation($file: Upload!, $input: UploadVolumeInput!) { uploadVolume(file: $file, input: $input) { volume { id volumeKind volumeKindSource } } }`,
		"own.vol", testenv.VolFile(8, 2, 6, 0.01, 0.1, 0.004, func(b, z, x int) float32 { return 0.75 }),
		map[string]any{"caseId": created.CreateCase.Case.ID, "volumeKind": "OCT_VOLUME"})
	require.Empty(t, res.Errors)
	require.Contains(t, string(res.Data), `"volumeKind":"OCT_VOLUME","volumeKindSource":"FILE"`)
}

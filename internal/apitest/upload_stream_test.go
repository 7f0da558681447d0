package apitest

import (
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestStreamedUploadStoresNothingHalf: uploadVolume streams the file into object storage
// while it arrives, and an upload that ends as no stored volume leaves no object: one over
// the size limit (a typed TOO_LARGE rejection, recorded), one cut off by the client, and a
// duplicate (the earlier object answers). A READY upload keeps exactly one object.
func TestStreamedUploadStoresNothingHalf(t *testing.T) {
	a := newAPI(t)
	ctx := context.Background()
	caseID := a.createCase("S-STREAM")
	keys := func() []string {
		k, err := a.store.Keys(ctx, "volumes/")
		require.NoError(t, err)
		return k
	}

	// Over the limit: rejected with its code, nothing stored.
	big := make([]byte, maxUpload+1)
	d, res := a.upload("big.raw", big, map[string]any{"caseId": caseID, "sidecar": `{"dims":[1,1,1],"dtype":"uint8"}`})
	require.Equal(t, "REJECTED", d.UploadVolume.Volume.Status, "%v", res.Errors)
	require.Equal(t, "TOO_LARGE", *d.UploadVolume.Volume.ErrorCode)
	require.Empty(t, keys())

	// A READY upload: one object; the same bytes again: a duplicate, still one object.
	raw := rawVolume(2, 64, 64)
	in := map[string]any{"caseId": caseID, "sidecar": `{"dims":[2,64,64],"dtype":"uint16"}`}
	d, res = a.upload("v.raw", raw, in)
	require.Empty(t, res.Errors)
	require.Equal(t, "READY", d.UploadVolume.Volume.Status)
	require.Len(t, keys(), 1)
	d, res = a.upload("v.raw", raw, in)
	require.Empty(t, res.Errors)
	require.True(t, d.UploadVolume.Duplicate)
	require.Len(t, keys(), 1)

	// Cut off mid-file by the client: no volume, no object.
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		_ = mw.WriteField("operations", `{"query":"mutation($file: Upload!, $input: UploadVolumeInput!) { uploadVolume(file: $file, input: $input) { volume { id } } }","variables":{"file":null,"input":{"caseId":"`+caseID+`","sidecar":"{\"dims\":[64,64,64],\"dtype\":\"uint16\"}"}}}`)
		_ = mw.WriteField("map", `{"0":["variables.file"]}`)
		part, _ := mw.CreateFormFile("0", "cut.raw")
		_, _ = part.Write(make([]byte, 3<<20))
		pw.CloseWithError(io.ErrUnexpectedEOF) // the client goes away
	}()
	req, _ := http.NewRequest(http.MethodPost, a.url, pr)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+a.token)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		_ = resp.Body.Close()
	}
	// The server notices the cut when its read fails: give its handler time to finish.
	require.Eventually(t, func() bool { return len(keys()) == 1 }, 10*time.Second, 100*time.Millisecond, "the aborted upload's parts are gone")
	var n int
	require.NoError(t, a.raw.Get(&n, `SELECT count(*) FROM volumes WHERE filename = 'cut.raw'`))
	require.Zero(t, n)
}

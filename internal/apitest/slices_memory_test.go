package apitest

import (
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aomas/aomas/internal/testenv"
)

const sliceQuery = `query($id: ID!, $axis: SliceAxis!, $i: Int!) { volume(id: $id) { slice(axis: $axis, index: $i) { width height count png } } }`

// TestTinyCompressedFileDeclaringAHugeVolumeIsRefused (issue 13, finding 3): an 8 KB
// Deflate TIFF declaring 1024×1024×64 is refused at upload, with a reason, before anything
// decodes it; a small compressed stack is still accepted and sliced page by page.
func TestTinyCompressedFileDeclaringAHugeVolumeIsRefused(t *testing.T) {
	a := newAPI(t)
	caseID := a.createCase("S-BOMB")
	bomb := testenv.DeflateTIFF(1024, 1024, 64, make([]byte, 1024*1024))
	require.Less(t, len(bomb), 12<<10)
	d, res := a.upload("bomb.tif", bomb, map[string]any{"caseId": caseID})
	require.Equal(t, []string{"INVALID_INPUT"}, codesAt(res, "uploadVolume"))
	require.Equal(t, "TOO_LARGE", res.Errors[0].Extensions["reason"])
	require.Contains(t, res.Errors[0].Message, "times its size")
	require.Equal(t, "REJECTED", d.UploadVolume.Volume.Status)
	res = a.query(sliceQuery, map[string]any{"id": d.UploadVolume.Volume.ID, "axis": "Z", "i": 0})
	require.Equal(t, []string{"INVALID_INPUT"}, codesAt(res, "volume", "slice"))

	pix := make([]byte, 64*48)
	for i := range pix {
		pix[i] = byte(i * 7)
	}
	ok, res := a.upload("small.tif", testenv.DeflateTIFF(64, 48, 3, pix), map[string]any{"caseId": caseID})
	require.Empty(t, res.Errors)
	require.Equal(t, "READY", ok.UploadVolume.Volume.Status)
	for axis, want := range map[string][3]int{"Z": {64, 48, 3}, "Y": {64, 3, 48}, "X": {48, 3, 64}} {
		var s struct {
			Volume struct {
				Slice struct{ Width, Height, Count int }
			}
		}
		a.mustQuery(sliceQuery, map[string]any{"id": ok.UploadVolume.Volume.ID, "axis": axis, "i": 1}, &s)
		require.Equal(t, want, [3]int{s.Volume.Slice.Width, s.Volume.Slice.Height, s.Volume.Slice.Count}, axis)
	}
	a.healthy()
}

// TestSlicesPerRequestAreBounded (issue 13, finding 3): aliases of Volume.slice beyond the
// per-operation cap are refused, each an INVALID_INPUT, and the rest are answered.
func TestSlicesPerRequestAreBounded(t *testing.T) {
	a := newAPI(t)
	caseID := a.createCase("S-ALIASES")
	up, res := a.upload("v.raw", rawVolume(4, 16, 16), map[string]any{"caseId": caseID, "sidecar": `{"dims":[4,16,16],"dtype":"uint16"}`})
	require.Empty(t, res.Errors)
	var q strings.Builder
	q.WriteString(`query($id: ID!) { volume(id: $id) {`)
	for i := range 8 {
		fmt.Fprintf(&q, " s%d: slice(axis: Z, index: %d) { width }", i, i%4)
	}
	q.WriteString(` } }`)
	res = a.query(q.String(), map[string]any{"id": up.UploadVolume.Volume.ID})
	require.Len(t, res.Errors, 4, "%+v", res.Errors)
	for _, e := range res.Errors {
		require.Equal(t, "INVALID_INPUT", e.Extensions["code"])
		require.Contains(t, e.Message, "at most 4 slices")
	}
}

// TestSliceMemoryIsBounded (issue 13, finding 3): 20 clients asking at once for slices of a
// volume whose decoded float32 form is 64 MiB keep the process's live heap far below what
// decoding the volume per request took (≥ 80 MiB a request, over 1 GiB for 20). The bound
// is loose on purpose: the test process is also the 20 clients.
func TestSliceMemoryIsBounded(t *testing.T) {
	a := newAPI(t)
	caseID := a.createCase("S-MEMORY")
	const z, y, x = 16, 1024, 1024
	id := func() string { // the volume's bytes are garbage once uploaded
		vol := make([]byte, z*y*x)
		for i := range vol {
			vol[i] = byte(i*31 + i/x)
		}
		up, res := a.upload("big.raw", vol, map[string]any{"caseId": caseID, "sidecar": fmt.Sprintf(`{"dims":[%d,%d,%d],"dtype":"uint8"}`, z, y, x)})
		require.Empty(t, res.Errors)
		return up.UploadVolume.Volume.ID
	}()

	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	var peak uint64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		var m runtime.MemStats
		for {
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
			}
			runtime.ReadMemStats(&m)
			peak = max(peak, m.HeapAlloc)
		}
	}()
	var wg sync.WaitGroup
	errs := make([]string, 20)
	for c := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			axis, i := "Z", c%z
			switch {
			case c >= 18:
				axis, i = "X", c*37%x
			case c >= 16:
				axis, i = "Y", c*41%y
			}
			res := a.query(sliceQuery, map[string]any{"id": id, "axis": axis, "i": i})
			if len(res.Errors) > 0 {
				errs[c] = res.Errors[0].Message
			}
		}()
	}
	wg.Wait()
	close(stop)
	<-sampled
	for _, e := range errs {
		require.Empty(t, e)
	}
	grew := float64(peak-min(base, peak)) / (1 << 20)
	t.Logf("live heap grew by at most %.0f MiB while 20 clients asked for slices", grew)
	require.Less(t, grew, 256.0, "slices must not decode the whole volume per request")
}

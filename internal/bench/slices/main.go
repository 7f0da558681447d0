// Command slices measures `aomas serve`'s peak resident memory while 20 clients ask at once
// for slices of the largest volume ingest's default limits allow: 2048×2048 planes (the
// plane limit) × 256 frames of uint8 (the 1 GiB decoded-size limit), of noise, so that
// every PNG is as large as it gets. It starts the server as its own process, uploads the
// volume through uploadVolume (streamed, never held in memory), then has 20 clients ask
// together: 16 for distinct Z planes, 2 for one Y plane and 2 for one X plane (each of
// those reads every frame). It prints the wall time and the server's VmHWM. `make bench`
// runs it.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/aomas/aomas/internal/bench/benchserver"
)

func main() {
	bin := flag.String("bin", "bin/aomas", "aomas binary")
	edge := flag.Int("edge", 2048, "plane edge: edge×edge pixels (the default plane limit is 2048×2048)")
	frames := flag.Int("frames", 256, "frames (256 of 2048×2048 uint8 is the default 1 GiB decoded-size limit)")
	clients := flag.Int("clients", 20, "clients asking at once")
	bucket := flag.String("bucket", "aomas-bench", "object storage bucket the server uses")
	flag.Parse()
	if err := run(context.Background(), *bin, *bucket, *edge, *frames, *clients); err != nil {
		fmt.Fprintln(os.Stderr, "slices bench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, bin, bucket string, edge, frames, clients int) error {
	size := int64(edge) * int64(edge) * int64(frames)
	srv, err := benchserver.Start(ctx, benchserver.Options{Bin: bin, Name: "slices", Bucket: bucket, MaxUploadBytes: size + 1<<20})
	if err != nil {
		return err
	}
	defer srv.Close()
	caseID, err := srv.CreateCase(ctx, "S-slices-bench")
	if err != nil {
		return err
	}
	afterStart, err := srv.PeakRSS()
	if err != nil {
		return err
	}
	volumeID, err := upload(ctx, srv, caseID, edge, frames)
	if err != nil {
		return err
	}
	afterUpload, err := srv.PeakRSS()
	if err != nil {
		return err
	}

	q := `query($id: ID!, $axis: SliceAxis!, $i: Int!) { volume(id: $id) { slice(axis: $axis, index: $i) { width height png } } }`
	var wg sync.WaitGroup
	errs := make([]error, clients)
	start := time.Now()
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			axis, i := "Z", c*frames/clients
			switch {
			case c >= clients-2:
				axis, i = "X", edge/3
			case c >= clients-4:
				axis, i = "Y", edge/2
			}
			body, _ := json.Marshal(map[string]any{"query": q, "variables": map[string]any{"id": volumeID, "axis": axis, "i": i}})
			resp, err := srv.Post(ctx, "application/json", bytes.NewReader(body))
			if err != nil {
				errs[c] = err
				return
			}
			b, _ := io.ReadAll(resp.Body)
			_ = resp.Body.Close()
			if !bytes.Contains(b, []byte(`"png":"data:image/png;base64,`)) {
				errs[c] = fmt.Errorf("client %d (%s %d): %.300s", c, axis, i, b)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if err := errors.Join(errs...); err != nil {
		return err
	}
	hwm, err := srv.PeakRSS()
	if err != nil {
		return err
	}
	fmt.Printf("Slices of the largest volume the limits allow (%d×%d×%d uint8 = %.0f MiB, noise), %d clients at once\n",
		edge, edge, frames, float64(size)/(1<<20), clients)
	fmt.Printf("  all answered in %.1f s; server peak RSS %.0f MiB (target < 512 MiB; %.0f MiB after start, %.0f MiB after the upload)\n",
		elapsed.Seconds(), float64(hwm)/1024, float64(afterStart)/1024, float64(afterUpload)/1024)
	return nil
}

// upload streams the volume (xorshift noise, fresh each run) through uploadVolume.
func upload(ctx context.Context, srv *benchserver.Server, caseID string, edge, frames int) (string, error) {
	sidecar := fmt.Sprintf(`{"dims":[%d,%d,%d],"dtype":"uint8","spacingUm":[1,1,3]}`, frames, edge, edge)
	seed := uint64(time.Now().UnixNano()) | 1
	resp, err := srv.PostVolume(ctx, caseID, sidecar, "largest.raw", func(w io.Writer) error {
		row := make([]byte, edge)
		s := seed
		for range frames * edge {
			for x := 0; x < edge; x += 8 {
				s ^= s << 13
				s ^= s >> 7
				s ^= s << 17
				for k := 0; k < 8 && x+k < edge; k++ {
					row[x+k] = byte(s >> (8 * k))
				}
			}
			if _, err := w.Write(row); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	defer func() { _ = resp.Body.Close() }()
	var out struct {
		Data struct {
			UploadVolume struct{ Volume struct{ ID, Status string } }
		}
		Errors []struct{ Message string }
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return "", fmt.Errorf("upload: %w", err)
	}
	if v := out.Data.UploadVolume.Volume; v.Status != "READY" {
		return "", fmt.Errorf("upload: volume %q is %q: %+v", v.ID, v.Status, out.Errors)
	}
	return out.Data.UploadVolume.Volume.ID, nil
}

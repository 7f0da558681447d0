// Command upload measures a large volume upload through the real API: it starts `aomas
// serve` as its own process, streams a raw uint16 volume (generated on the fly, never held
// in memory) through uploadVolume per the multipart request spec into MinIO, and prints
// MB/s and the server's peak resident memory. `make bench` runs it.
package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/aomas/aomas/internal/bench/benchserver"
)

func main() {
	bin := flag.String("bin", "bin/aomas", "aomas binary")
	n := flag.Int("n", 512, "volume edge: n×n×n uint16 voxels")
	flag.Parse()
	if err := run(context.Background(), *bin, *n); err != nil {
		fmt.Fprintln(os.Stderr, "upload bench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, bin string, n int) error {
	size := int64(n) * int64(n) * int64(n) * 2
	srv, err := benchserver.Start(ctx, benchserver.Options{Bin: bin, Name: "upload", Bucket: "aomas-bench", MaxUploadBytes: size + 1<<20})
	if err != nil {
		return err
	}
	defer srv.Close()
	caseID, err := srv.CreateCase(ctx, "S-bench")
	if err != nil {
		return err
	}
	sidecar := fmt.Sprintf(`{"dims":[%d,%d,%d],"dtype":"uint16","spacingUm":[1,1,3]}`, n, n, n)

	seed := time.Now().UnixNano() // fresh bytes each run, so the upload is never a duplicate
	start := time.Now()
	resp, err := srv.PostVolume(ctx, caseID, sidecar, "bench.raw", func(w io.Writer) error {
		row := make([]byte, n*2)
		for z := 0; z < n*n; z++ {
			for x := 0; x < n; x++ {
				binary.LittleEndian.PutUint16(row[2*x:], uint16(int64(z*31+x)^seed))
			}
			if _, err := w.Write(row); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	elapsed := time.Since(start)
	if !bytes.Contains(body, []byte(`"status":"READY"`)) {
		return fmt.Errorf("upload answered %s", body)
	}
	hwm, err := srv.PeakRSS()
	if err != nil {
		return err
	}
	mb := float64(size) / 1e6
	fmt.Printf("Upload through uploadVolume into MinIO (%d³ uint16 = %.0f MB, loopback)\n", n, mb)
	fmt.Printf("  %.0f MB/s   (%.2f s; target >= 300 MB/s)   server peak RSS %.0f MiB (target < 128 MiB)\n",
		mb/elapsed.Seconds(), elapsed.Seconds(), float64(hwm)/1024)
	return nil
}

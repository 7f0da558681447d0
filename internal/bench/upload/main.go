// Command upload measures a large volume upload through the real API: it starts `aomas
// serve` as its own process, streams a raw uint16 volume (generated on the fly, never held
// in memory) through uploadVolume per the multipart request spec into MinIO, and prints
// MB/s and the server's peak resident memory. In the same run it puts the same bytes into
// the same MinIO with minio-go alone (known size, its default part handling), the
// baseline the upload's throughput is given against.
// `make bench` runs it.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

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
	voxels := func(w io.Writer) error {
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
	}
	plain, err := plainPut(ctx, size, voxels)
	if err != nil {
		return err
	}
	start := time.Now()
	resp, err := srv.PostVolume(ctx, caseID, sidecar, "bench.raw", voxels)
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
	ours, theirs := mb/elapsed.Seconds(), mb/plain.Seconds()
	fmt.Printf("Upload through uploadVolume into MinIO (%d³ uint16 = %.0f MB, loopback)\n", n, mb)
	fmt.Printf("  uploadVolume %.0f MB/s (%.2f s)   plain MinIO put of the same bytes %.0f MB/s (%.2f s)   ratio %.2fx (target >= 0.9x)\n",
		ours, elapsed.Seconds(), theirs, plain.Seconds(), ours/theirs)
	fmt.Printf("  server peak RSS (VmHWM) %.0f MiB (target < 128 MiB)\n", float64(hwm)/1024)
	return nil
}

// plainPut puts size bytes from write into the services' MinIO with minio-go alone, the
// size known (as `mc cp` of a file would), and returns how long it took.
func plainPut(ctx context.Context, size int64, write func(io.Writer) error) (time.Duration, error) {
	c, err := minio.New(os.Getenv("AOMAS_S3_ENDPOINT"), &minio.Options{
		Creds: credentials.NewStaticV4(os.Getenv("AOMAS_S3_ACCESS_KEY"), os.Getenv("AOMAS_S3_SECRET_KEY"), ""),
	})
	if err != nil {
		return 0, err
	}
	const bucket = "aomas-bench-plain"
	if ok, err := c.BucketExists(ctx, bucket); err != nil {
		return 0, fmt.Errorf("plain put: %w", err)
	} else if !ok {
		if err := c.MakeBucket(ctx, bucket, minio.MakeBucketOptions{}); err != nil {
			return 0, fmt.Errorf("plain put: %w", err)
		}
	}
	pr, pw := io.Pipe()
	go func() {
		bw := bufio.NewWriterSize(pw, 1<<20)
		err := write(bw)
		if err == nil {
			err = bw.Flush()
		}
		pw.CloseWithError(err)
	}()
	start := time.Now()
	if _, err := c.PutObject(ctx, bucket, "plain.raw", pr, size, minio.PutObjectOptions{ContentType: "application/octet-stream"}); err != nil {
		return 0, fmt.Errorf("plain put: %w", err)
	}
	took := time.Since(start)
	_ = c.RemoveObject(ctx, bucket, "plain.raw", minio.RemoveObjectOptions{})
	return took, nil
}

// Command dicomstore measures DICOM C-STORE into aomas against dcmtk's own storescp on the
// same machine in the same run: the same instances sent by dcmtk's storescu, in one
// association and in four at once, to `aomas serve --dicom-listen` (started as its own
// process) and to `storescp` writing files. It prints instances/s and MB/s of each and their
// ratio, and for aomas also the time until every instance is a READY volume. `make bench`
// runs it.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"
	_ "github.com/lib/pq"

	"github.com/aomas/aomas/internal/bench/benchserver"
	"github.com/aomas/aomas/internal/testenv"
)

func main() {
	bin := flag.String("bin", "bin/aomas", "aomas binary")
	n := flag.Int("n", 240, "instances per run")
	edge := flag.Int("edge", 512, "frame edge: edge×edge uint16 pixels per instance")
	frames := flag.Int("frames", 40, "instances per acquisition (each acquisition becomes one volume)")
	flag.Parse()
	if err := run(context.Background(), *bin, *n, *edge, *frames); err != nil {
		fmt.Fprintln(os.Stderr, "dicomstore bench:", err)
		os.Exit(1)
	}
}

func freePort(ctx context.Context) (string, error) {
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer func() { _ = ln.Close() }()
	_, p, _ := net.SplitHostPort(ln.Addr().String())
	return p, nil
}

// waitEcho waits until a C-ECHO from ae to port succeeds.
func waitEcho(ctx context.Context, ae, called, port string) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		err := exec.CommandContext(ctx, "echoscu", "-aet", ae, "-aec", called, "127.0.0.1", port).Run()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no C-ECHO answer on port %s: %w", port, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// write makes n instances under dir, tag making their UIDs new to the server.
func write(dir, tag string, n, edge, frames int) ([]string, int64, error) {
	var files []string
	var total int64
	for i := range n {
		d := testenv.DICOMImage{SOPClassUID: "1.2.840.10008.5.1.4.1.1.7", SOPInstanceUID: fmt.Sprintf("2.25.77%s%06d", tag, i),
			StudyUID: "2.25.77" + tag, SeriesUID: fmt.Sprintf("2.25.78%s%04d", tag, i/frames), PatientID: "BENCH-" + tag,
			Laterality: "R", Acquisition: 1, Instance: i%frames + 1, Rows: edge, Cols: edge, Seed: i}
		b := d.DICOM()
		p := filepath.Join(dir, fmt.Sprintf("%s-%06d.dcm", tag, i))
		if err := os.WriteFile(p, b, 0o644); err != nil {
			return nil, 0, err
		}
		files = append(files, p)
		total += int64(len(b))
	}
	return files, total, nil
}

// send runs storescu over files in parallel associations and times it.
func send(ctx context.Context, ae, called, port string, files []string, parallel int) (time.Duration, error) {
	start := time.Now()
	var wg sync.WaitGroup
	errs := make([]error, parallel)
	for i := range parallel {
		var part []string
		for j := i; j < len(files); j += parallel {
			part = append(part, files[j])
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			args := append([]string{"-aet", ae, "-aec", called, "127.0.0.1", port}, part...)
			out, err := exec.CommandContext(ctx, "storescu", args...).CombinedOutput()
			if err != nil {
				errs[i] = fmt.Errorf("storescu: %w: %s", err, out)
			}
		}()
	}
	wg.Wait()
	return time.Since(start), errors.Join(errs...)
}

func run(ctx context.Context, bin string, n, edge, frames int) error {
	for _, tool := range []string{"storescu", "storescp", "echoscu"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("dcmtk's %s is not installed (scripts/apt.sh dcmtk)", tool)
		}
	}
	dir, err := os.MkdirTemp("", "aomas-dicomstore-bench")
	if err != nil {
		return err
	}
	defer func() { _ = os.RemoveAll(dir) }()
	aomasPort, err := freePort(ctx)
	if err != nil {
		return err
	}
	srv, err := benchserver.Start(ctx, benchserver.Options{Bin: bin, Name: "dicomstore", Bucket: "aomas-bench", MaxUploadBytes: 1 << 30,
		Args: []string{"--dicom-listen", "127.0.0.1:" + aomasPort, "--dicom-allow", "BENCHSCU=bench", "--dicom-quiet", "500ms"}})
	if err != nil {
		return err
	}
	defer srv.Close()
	if err := waitEcho(ctx, "BENCHSCU", "AOMAS", aomasPort); err != nil {
		return err
	}
	conn, err := sqlx.Open("postgres", os.Getenv("AOMAS_DATABASE_URL"))
	if err != nil {
		return err
	}
	defer func() { _ = conn.Close() }()

	scpPort, err := freePort(ctx)
	if err != nil {
		return err
	}
	scpDir := filepath.Join(dir, "storescp")
	if err := os.MkdirAll(scpDir, 0o755); err != nil {
		return err
	}
	// --fork: a process per association, so that storescp too takes four at once.
	scp := exec.CommandContext(ctx, "storescp", "--fork", "-aet", "STORESCP", "-od", scpDir, scpPort)
	if err := scp.Start(); err != nil {
		return err
	}
	defer func() { _ = scp.Process.Kill(); _ = scp.Wait() }()
	if err := waitEcho(ctx, "BENCHSCU", "STORESCP", scpPort); err != nil {
		return err
	}

	fmt.Printf("C-STORE by dcmtk storescu on loopback: %d instances of %d×%d uint16 (%d frames per acquisition)\n", n, edge, edge, frames)
	stamp := strconv.FormatInt(time.Now().Unix()%1_000_000, 10)
	for _, parallel := range []int{1, 4} {
		tag := fmt.Sprintf("%s%d", stamp, parallel)
		files, total, err := write(dir, tag, n, edge, frames)
		if err != nil {
			return err
		}
		mb := float64(total) / 1e6
		theirs, err := send(ctx, "BENCHSCU", "STORESCP", scpPort, files, parallel)
		if err != nil {
			return err
		}
		ours, err := send(ctx, "BENCHSCU", "AOMAS", aomasPort, files, parallel)
		if err != nil {
			return err
		}
		// Until every instance is part of a READY volume (grouped, stored in MinIO, recorded).
		landed := time.Now()
		for {
			var ready int
			if err := conn.GetContext(ctx, &ready, `SELECT count(*) FROM dicom_instances WHERE sop_instance_uid LIKE $1 AND status = 'READY'`,
				"2.25.77"+tag+"%"); err != nil {
				return err
			}
			if ready == n {
				break
			}
			if time.Since(landed) > 5*time.Minute {
				return fmt.Errorf("%d of %d instances READY after 5 minutes", ready, n)
			}
			time.Sleep(50 * time.Millisecond)
		}
		volumes := time.Since(landed) + ours
		fmt.Printf("  %d association(s), %.0f MB:\n", parallel, mb)
		fmt.Printf("    storescp (files)     %7.0f instances/s %7.0f MB/s  (%.2f s)\n", float64(n)/theirs.Seconds(), mb/theirs.Seconds(), theirs.Seconds())
		fmt.Printf("    aomas (acknowledged) %7.0f instances/s %7.0f MB/s  (%.2f s)   ratio %.2fx storescp (target >= 1x)\n",
			float64(n)/ours.Seconds(), mb/ours.Seconds(), ours.Seconds(), theirs.Seconds()/ours.Seconds())
		fmt.Printf("    aomas (all volumes READY, incl. 500 ms quiet period) %.0f instances/s %.0f MB/s  (%.2f s)\n",
			float64(n)/volumes.Seconds(), mb/volumes.Seconds(), volumes.Seconds())
		for _, f := range files {
			_ = os.Remove(f)
		}
		_ = os.RemoveAll(scpDir)
		_ = os.MkdirAll(scpDir, 0o755)
	}
	return nil
}

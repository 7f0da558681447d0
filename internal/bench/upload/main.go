// Command upload measures a large volume upload through the real API: it starts `aomas
// serve` as its own process, streams a raw uint16 volume (generated on the fly, never held
// in memory) through uploadVolume per the multipart request spec into MinIO, and prints
// MB/s and the server's peak resident memory. `make bench` runs it.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
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
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	size := int64(n) * int64(n) * int64(n) * 2
	tmp, err := os.MkdirTemp("", "aomas-upload-bench")
	if err != nil {
		return err
	}
	defer func() { _ = os.RemoveAll(tmp) }()
	token, err := benchToken(ctx, bin)
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, bin, "serve", "--listen", addr, "--data-dir", tmp, "--s3-bucket", "aomas-bench", "--migrate",
		"--max-upload-bytes", strconv.FormatInt(size+1<<20, 10))
	cmd.Stderr = os.Stderr
	cmd.Env = append(os.Environ(), "TMPDIR="+tmp)
	if err := cmd.Start(); err != nil {
		return err
	}
	defer func() { _ = cmd.Process.Signal(os.Interrupt); _ = cmd.Wait() }()
	url := "http://" + addr + "/graphql"
	if err := waitReady(ctx, "http://"+addr+"/readyz"); err != nil {
		return err
	}
	caseID, err := createCase(ctx, url, token)
	if err != nil {
		return err
	}
	sidecar := fmt.Sprintf(`{"dims":[%d,%d,%d],"dtype":"uint16","spacingUm":[1,1,3]}`, n, n, n)

	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	seed := time.Now().UnixNano() // fresh bytes each run, so the upload is never a duplicate
	go func() {
		ops, _ := json.Marshal(map[string]any{
			"query":     `mutation($f: Upload!, $in: UploadVolumeInput!) { uploadVolume(file: $f, input: $in) { volume { id status sizeBytes } } }`,
			"variables": map[string]any{"f": nil, "in": map[string]any{"caseId": caseID, "sidecar": sidecar}},
		})
		_ = mw.WriteField("operations", string(ops))
		_ = mw.WriteField("map", `{"0":["variables.f"]}`)
		part, _ := mw.CreateFormFile("0", "bench.raw")
		bw := bufio.NewWriterSize(part, 1<<20)
		row := make([]byte, n*2)
		for z := 0; z < n*n; z++ {
			for x := 0; x < n; x++ {
				binary.LittleEndian.PutUint16(row[2*x:], uint16(int64(z*31+x)^seed))
			}
			if _, err := bw.Write(row); err != nil {
				pw.CloseWithError(err)
				return
			}
		}
		_ = bw.Flush()
		pw.CloseWithError(mw.Close())
	}()
	start := time.Now()
	resp, err := post(ctx, url, token, mw.FormDataContentType(), pr)
	if err != nil {
		return err
	}
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	elapsed := time.Since(start)
	if !bytes.Contains(body, []byte(`"status":"READY"`)) {
		return fmt.Errorf("upload answered %s", body)
	}
	hwm, err := peakRSS(cmd.Process.Pid)
	if err != nil {
		return err
	}
	mb := float64(size) / 1e6
	fmt.Printf("Upload through uploadVolume into MinIO (%d³ uint16 = %.0f MB, loopback)\n", n, mb)
	fmt.Printf("  %.0f MB/s   (%.2f s; target >= 300 MB/s)   server peak RSS %.0f MiB (target < 128 MiB)\n",
		mb/elapsed.Seconds(), elapsed.Seconds(), float64(hwm)/1024)
	return nil
}

// benchToken migrates the database the server will use and makes an account and a
// personal API token for the bench, as a scanner would hold: mutations need a signed-in
// caller.
func benchToken(ctx context.Context, bin string) (string, error) {
	if out, err := exec.CommandContext(ctx, bin, "migrate", "up").CombinedOutput(); err != nil {
		return "", fmt.Errorf("migrate: %w: %s", err, out)
	}
	const email = "upload-bench@aomas.local"
	user := exec.CommandContext(ctx, bin, "user", "create", "--email", email, "--role", "tech", "--project", "*", "--password-stdin")
	user.Stdin = strings.NewReader("upload-bench-password\n")
	if out, err := user.CombinedOutput(); err != nil && !bytes.Contains(out, []byte("exists")) {
		return "", fmt.Errorf("create bench account: %w: %s", err, out)
	}
	out, err := exec.CommandContext(ctx, bin, "token", "create", "--email", email, "--ttl", "1h").Output()
	if err != nil {
		return "", fmt.Errorf("create bench token: %w", err)
	}
	token := strings.TrimSpace(string(out))
	if token == "" {
		return "", errors.New("create bench token: nothing printed")
	}
	return token, nil
}

// post is http.Post with a context and the bench's bearer token.
func post(ctx context.Context, url, token, contentType string, body io.Reader) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Authorization", "Bearer "+token)
	return http.DefaultClient.Do(req)
}

func waitReady(ctx context.Context, url string) error {
	for i := 0; i < 300; i++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, http.NoBody)
		if err != nil {
			return err
		}
		if resp, err := http.DefaultClient.Do(req); err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("server at %s not ready", url)
}

func createCase(ctx context.Context, url, token string) (string, error) {
	body := `{"query":"mutation { createCase(input: {subjectCode: \"S-bench\", eye: OD}) { case { id } } }"}`
	resp, err := post(ctx, url, token, "application/json", strings.NewReader(body))
	if err != nil {
		return "", err
	}
	defer func() { _ = resp.Body.Close() }()
	var out struct {
		Data struct {
			CreateCase struct{ Case struct{ ID string } }
		}
		Errors []struct{ Message string }
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return "", fmt.Errorf("create case: %w", err)
	}
	if out.Data.CreateCase.Case.ID == "" {
		if len(out.Errors) > 0 {
			return "", fmt.Errorf("create case: %s", out.Errors[0].Message)
		}
		return "", errors.New("create case: the answer has no case id")
	}
	return out.Data.CreateCase.Case.ID, nil
}

// peakRSS reads VmHWM (kB) of pid.
func peakRSS(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			return strconv.ParseInt(strings.Fields(line)[1], 10, 64)
		}
	}
	return 0, fmt.Errorf("no VmHWM for %d", pid)
}

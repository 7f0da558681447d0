// Package benchserver starts `aomas serve` as its own process for the benches under
// internal/bench, with a bench account and a personal API token, and holds the helpers they
// share (bearer-token POST, createCase, peak resident memory).
package benchserver

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
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

// Options configures Start.
type Options struct {
	// Bin is the aomas binary.
	Bin string
	// Name names the bench: its account is <Name>-bench@aomas.local and its temporary
	// directory aomas-<Name>-bench*.
	Name string
	// Bucket is the object storage bucket the server uses.
	Bucket string
	// MaxUploadBytes is the server's --max-upload-bytes.
	MaxUploadBytes int64
	// Args are more flags for aomas serve.
	Args []string
	// Stderr takes the server's log; nil: this process's standard error.
	Stderr io.Writer
}

// Server is a running `aomas serve` process.
type Server struct {
	// Cmd is the server process.
	Cmd *exec.Cmd
	// URL is the GraphQL endpoint.
	URL string
	// Token is a personal API token of a tech account allowed on every project.
	Token string
	tmp   string
}

// Start migrates the database, makes the bench account and token, starts the server on a
// free loopback port with a data and temporary directory of its own, and waits until it is
// ready. Close stops it.
func Start(ctx context.Context, o Options) (_ *Server, err error) {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	s := &Server{URL: "http://" + addr + "/graphql"}
	s.tmp, err = os.MkdirTemp("", "aomas-"+o.Name+"-bench")
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			s.Close()
		}
	}()
	s.Token, err = benchToken(ctx, o.Bin, o.Name)
	if err != nil {
		return nil, err
	}
	args := append([]string{"serve", "--listen", addr, "--data-dir", s.tmp, "--s3-bucket", o.Bucket, "--migrate",
		"--max-upload-bytes", strconv.FormatInt(o.MaxUploadBytes, 10)}, o.Args...)
	cmd := exec.CommandContext(ctx, o.Bin, args...)
	cmd.Stderr = os.Stderr
	if o.Stderr != nil {
		cmd.Stderr = o.Stderr
	}
	cmd.Env = append(os.Environ(), "TMPDIR="+s.tmp)
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s.Cmd = cmd
	if err := waitReady(ctx, "http://"+addr+"/readyz"); err != nil {
		return nil, err
	}
	return s, nil
}

// Close stops the server and removes its directory.
func (s *Server) Close() {
	if s.Cmd != nil {
		_ = s.Cmd.Process.Signal(os.Interrupt)
		_ = s.Cmd.Wait()
	}
	_ = os.RemoveAll(s.tmp)
}

// PeakRSS reads the server's VmHWM (kB).
func (s *Server) PeakRSS() (int64, error) {
	pid := s.Cmd.Process.Pid
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

// Post is http.Post to the GraphQL endpoint with a context and the bench's bearer token.
func (s *Server) Post(ctx context.Context, contentType string, body io.Reader) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL, body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Authorization", "Bearer "+s.Token)
	return http.DefaultClient.Do(req)
}

// PostVolume streams a volume into the case through uploadVolume (the multipart request
// spec), never holding it in memory: write writes the raw voxels that sidecar describes,
// buffered, as the request is sent. It returns the server's answer, whose body the caller
// closes.
func (s *Server) PostVolume(ctx context.Context, caseID, sidecar, filename string, write func(io.Writer) error) (*http.Response, error) {
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		ops, _ := json.Marshal(map[string]any{
			"query":     `mutation($f: Upload!, $in: UploadVolumeInput!) { uploadVolume(file: $f, input: $in) { volume { id status } } }`,
			"variables": map[string]any{"f": nil, "in": map[string]any{"caseId": caseID, "sidecar": sidecar}},
		})
		_ = mw.WriteField("operations", string(ops))
		_ = mw.WriteField("map", `{"0":["variables.f"]}`)
		part, _ := mw.CreateFormFile("0", filename)
		bw := bufio.NewWriterSize(part, 1<<20)
		if err := write(bw); err != nil {
			pw.CloseWithError(err)
			return
		}
		_ = bw.Flush()
		pw.CloseWithError(mw.Close())
	}()
	return s.Post(ctx, mw.FormDataContentType(), pr)
}

// CreateCase creates a case (right eye) with subject code subject and returns its id.
func (s *Server) CreateCase(ctx context.Context, subject string) (string, error) {
	body, _ := json.Marshal(map[string]any{
		"query": `mutation { createCase(input: {subjectCode: ` + strconv.Quote(subject) + `, eye: OD}) { case { id } } }`,
	})
	resp, err := s.Post(ctx, "application/json", bytes.NewReader(body))
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

// benchToken migrates the database the server will use and makes a tech account and a
// personal API token for the bench, as a scanner would hold: mutations need a signed-in
// caller.
func benchToken(ctx context.Context, bin, name string) (string, error) {
	if out, err := exec.CommandContext(ctx, bin, "migrate", "up").CombinedOutput(); err != nil {
		return "", fmt.Errorf("migrate: %w: %s", err, out)
	}
	email := name + "-bench@aomas.local"
	user := exec.CommandContext(ctx, bin, "user", "create", "--email", email, "--role", "tech", "--project", "*", "--password-stdin")
	user.Stdin = strings.NewReader(name + "-bench-password\n")
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

func waitReady(ctx context.Context, url string) error {
	for range 300 {
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

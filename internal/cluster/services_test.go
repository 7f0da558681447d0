//go:build cluster

package cluster

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/aomas/aomas/db"
	"github.com/aomas/aomas/internal/testenv"
	"github.com/aomas/aomas/storage"
)

// services are PostgreSQL, Redis and MinIO of the test's own, in one namespace.
type services struct {
	DatabaseURL string
	RedisURL    string
	S3          storage.Config
}

// startServices starts the three in h, listening on h's address only.
func startServices(t *testing.T, h *host) services {
	t.Helper()
	s := services{
		DatabaseURL: fmt.Sprintf("postgres://postgres@%s:5432/postgres?sslmode=disable", h.addr),
		RedisURL:    fmt.Sprintf("redis://%s:6379/0", h.addr),
		S3: storage.Config{Endpoint: h.addr + ":9000", AccessKey: "aomas", SecretKey: "aomas-cluster-secret",
			Bucket: "aomas", Region: "us-east-1"},
	}
	startPostgres(t, h)
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Fatal("redis-server not found (apt-get install redis-server)")
	}
	start(t, "redis", h, nil, bin, "--bind", h.addr, "--port", "6379", "--protected-mode", "no", "--save", "",
		"--appendonly", "no", "--dir", t.TempDir(), "--daemonize", "no", "--loglevel", "warning")
	minio := filepath.Join(testenv.RepoRoot(t), ".local", "bin", "minio")
	if _, err := os.Stat(minio); err != nil {
		t.Fatalf("MinIO server not found at %s: run `make services` once", minio)
	}
	start(t, "minio", h, []string{"MINIO_ROOT_USER=" + s.S3.AccessKey, "MINIO_ROOT_PASSWORD=" + s.S3.SecretKey, "MINIO_BROWSER=off"},
		minio, "server", "--quiet", "--address", s.S3.Endpoint, "--console-address", "127.0.0.1:9001", t.TempDir())

	waitUntil(t, "PostgreSQL", 60*time.Second, func(ctx context.Context) error {
		conn, err := db.Open(ctx, s.DatabaseURL)
		if err == nil {
			_ = conn.Close()
		}
		return err
	})
	waitUntil(t, "Redis", 30*time.Second, func(ctx context.Context) error {
		opt, _ := redis.ParseURL(s.RedisURL)
		rdb := redis.NewClient(opt)
		defer func() { _ = rdb.Close() }()
		return rdb.Ping(ctx).Err()
	})
	waitUntil(t, "MinIO", 60*time.Second, func(ctx context.Context) error {
		return httpOK(ctx, "http://"+s.S3.Endpoint+"/minio/health/live")
	})
	return s
}

// startPostgres initialises a cluster that trusts the subnet and runs it in h.
func startPostgres(t *testing.T, h *host) {
	t.Helper()
	bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(bins) == 0 {
		t.Fatal("PostgreSQL server binaries not found under /usr/lib/postgresql (apt-get install postgresql)")
	}
	sort.Strings(bins)
	binDir := filepath.Dir(bins[len(bins)-1])
	base, err := os.MkdirTemp("", "aomas-cluster-pg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(base) })
	data := filepath.Join(base, "data")
	if err := os.Mkdir(data, 0o700); err != nil {
		t.Fatal(err)
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		t.Fatalf("running as root needs a postgres user: %v", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	for _, p := range []string{base, data} {
		if err := os.Chown(p, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(base, 0o755); err != nil {
		t.Fatal(err)
	}
	ip(t, "runuser", "-u", "postgres", "--", filepath.Join(binDir, "initdb"), "-D", data, "-U", "postgres", "--auth=trust", "--no-sync")
	hba, err := os.OpenFile(filepath.Join(data, "pg_hba.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, err = fmt.Fprintf(hba, "host all all %s.0/24 trust\n", subnet)
	if cerr := hba.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	start(t, "postgres", h, nil, "runuser", "-u", "postgres", "--", filepath.Join(binDir, "postgres"), "-D", data,
		"-p", "5432", "-k", base, "-c", "listen_addresses="+h.addr, "-c", "fsync=off", "-c", "max_connections=300")
}

// waitUntil calls f until it succeeds, failing the test after limit.
func waitUntil(t testing.TB, what string, limit time.Duration, f func(ctx context.Context) error) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		err := f(ctx)
		cancel()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not up within %v: %v", what, limit, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func httpOK(ctx context.Context, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, http.NoBody)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", url, resp.Status)
	}
	return nil
}

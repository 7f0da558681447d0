package testenv

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aomas/aomas/storage"
)

// Private services are instances of PostgreSQL, Redis and MinIO that one test owns, so that
// it can stop and restart them (fault tests) without disturbing the shared ones.

// FreePort returns a TCP port on 127.0.0.1 that nothing listens on right now.
func FreePort(t testing.TB) int {
	t.Helper()
	var lc net.ListenConfig
	l, err := lc.Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("find a free port: %v", err)
	}
	defer func() { _ = l.Close() }()
	return l.Addr().(*net.TCPAddr).Port
}

// RepoRoot returns the directory that holds go.mod, walking up from the working directory.
func RepoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the working directory")
		}
		dir = parent
	}
}

// privateDir makes a directory that the postgres user can reach, removed after t.
func privateDir(t testing.TB, prefix string) string {
	t.Helper()
	dir, err := os.MkdirTemp("", prefix)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	return dir
}

// PrivatePostgres is a PostgreSQL server of one test's own.
type PrivatePostgres struct {
	t    testing.TB
	bin  string
	data string
	log  string
	Port int
	// URL reaches its postgres database.
	URL string
}

// StartPostgres initialises and starts a PostgreSQL server on a free port; it is stopped
// and removed after t. As root it runs as the postgres user, as PostgreSQL requires.
func StartPostgres(t testing.TB) *PrivatePostgres {
	t.Helper()
	bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(bins) == 0 {
		t.Fatal("PostgreSQL server binaries not found under /usr/lib/postgresql (apt-get install postgresql)")
	}
	sort.Strings(bins)
	base := privateDir(t, "aomas-pg-")
	p := &PrivatePostgres{t: t, bin: filepath.Dir(bins[len(bins)-1]), data: filepath.Join(base, "data"),
		log: filepath.Join(base, "postgres.log"), Port: FreePort(t)}
	p.URL = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", p.Port)
	if err := os.Mkdir(p.data, 0o700); err != nil {
		t.Fatal(err)
	}
	p.chown(base, p.data)
	if out, err := p.cmd(filepath.Join(p.bin, "initdb"), "-D", p.data, "-U", "postgres", "--auth=trust", "--no-sync").CombinedOutput(); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	p.Start()
	t.Cleanup(func() { _ = p.ctl("-m", "immediate", "stop") })
	return p
}

func (p *PrivatePostgres) chown(paths ...string) {
	if os.Geteuid() != 0 {
		return
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		p.t.Fatalf("running as root needs a postgres user: %v", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	for _, path := range paths {
		if err := os.Chown(path, uid, gid); err != nil {
			p.t.Fatal(err)
		}
	}
}

func (p *PrivatePostgres) cmd(name string, args ...string) *exec.Cmd {
	// The servers started here outlive any one context: child.stop ends them, after t.
	if os.Geteuid() == 0 {
		return exec.Command("runuser", append([]string{"-u", "postgres", "--", name}, args...)...) //nolint:noctx // see above
	}
	return exec.Command(name, args...) //nolint:noctx // see above
}

func (p *PrivatePostgres) ctl(args ...string) error {
	all := append([]string{"-D", p.data, "-l", p.log}, args...)
	out, err := p.cmd(filepath.Join(p.bin, "pg_ctl"), all...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("pg_ctl %v: %w\n%s", args, err, out)
	}
	return nil
}

// Start starts the server and waits until it accepts connections.
func (p *PrivatePostgres) Start() {
	p.t.Helper()
	opts := fmt.Sprintf("-p %d -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200", p.Port)
	if err := p.ctl("-w", "-o", opts, "start"); err != nil {
		p.t.Fatal(err)
	}
}

// Stop stops the server at once, as a crash would (no checkpoint; recovery on start).
func (p *PrivatePostgres) Stop() {
	p.t.Helper()
	if err := p.ctl("-m", "immediate", "-w", "stop"); err != nil {
		p.t.Fatal(err)
	}
}

// child is a service run as a child process of the test.
type child struct {
	t    testing.TB
	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
	make func() *exec.Cmd
	up   func() bool
	what string
}

func (c *child) start() {
	c.t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	cmd := c.make()
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		c.t.Fatalf("start %s: %v", c.what, err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	c.cmd, c.done = cmd, done
	deadline := time.Now().Add(30 * time.Second)
	for !c.up() {
		select {
		case <-done:
			c.t.Fatalf("%s exited at start", c.what)
		default:
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("%s did not come up within 30 s", c.what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (c *child) stop() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cmd == nil {
		return
	}
	_ = c.cmd.Process.Signal(syscall.SIGKILL)
	<-c.done
	c.cmd = nil
}

// PrivateRedis is a Redis server of one test's own, without persistence: a restart loses
// every key, the harshest case for the queue.
type PrivateRedis struct {
	c    *child
	Port int
	// URL is its database 0.
	URL string
}

// StartRedis starts a Redis server on a free port; it is killed after t.
func StartRedis(t testing.TB) *PrivateRedis {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Fatal("redis-server not found (apt-get install redis-server)")
	}
	dir := privateDir(t, "aomas-redis-")
	r := &PrivateRedis{Port: FreePort(t)}
	r.URL = fmt.Sprintf("redis://127.0.0.1:%d/0", r.Port)
	addr := fmt.Sprintf("127.0.0.1:%d", r.Port)
	r.c = &child{t: t, what: "redis-server", make: func() *exec.Cmd {
		//nolint:noctx // a server that outlives any one context: child.stop ends it, after t
		return exec.Command(bin, "--bind", "127.0.0.1", "--port", strconv.Itoa(r.Port), "--save", "", "--appendonly", "no",
			"--dir", dir, "--daemonize", "no", "--loglevel", "warning")
	}, up: func() bool { return redisPing(addr) }}
	r.c.start()
	t.Cleanup(r.c.stop)
	return r
}

// Stop kills the server.
func (r *PrivateRedis) Stop() { r.c.stop() }

// Start starts it again on the same port, empty.
func (r *PrivateRedis) Start() { r.c.start() }

func redisPing(addr string) bool {
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return false
	}
	defer func() { _ = conn.Close() }()
	_ = conn.SetDeadline(time.Now().Add(500 * time.Millisecond))
	if _, err := conn.Write([]byte("PING\r\n")); err != nil {
		return false
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	return err == nil && line == "+PONG\r\n"
}

// PrivateMinIO is a MinIO server of one test's own; its data survives Stop and Start.
type PrivateMinIO struct {
	c *child
	// Config reaches a bucket of its own (made by Store).
	Config storage.Config
}

// StartMinIO starts the MinIO server that `make services` builds into .local/bin on a free
// port; it is killed after t.
func StartMinIO(t testing.TB) *PrivateMinIO {
	t.Helper()
	bin := filepath.Join(RepoRoot(t), ".local", "bin", "minio")
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("MinIO server not found at %s: run `make services` once", bin)
	}
	dir := privateDir(t, "aomas-minio-")
	port := FreePort(t)
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	m := &PrivateMinIO{Config: storage.Config{Endpoint: addr, AccessKey: "aomas", SecretKey: "aomas-private-secret",
		Bucket: "aomas-private", Region: "us-east-1"}}
	m.c = &child{t: t, what: "minio", make: func() *exec.Cmd {
		//nolint:noctx // a server that outlives any one context: child.stop ends it, after t
		cmd := exec.Command(bin, "server", "--quiet", "--address", addr, "--console-address", fmt.Sprintf("127.0.0.1:%d", FreePort(t)), dir)
		cmd.Env = append(os.Environ(), "MINIO_ROOT_USER="+m.Config.AccessKey, "MINIO_ROOT_PASSWORD="+m.Config.SecretKey, "MINIO_BROWSER=off")
		return cmd
	}, up: func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/minio/health/live", http.NoBody)
		if err != nil {
			return false
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return false
		}
		_ = resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}}
	m.c.start()
	t.Cleanup(m.c.stop)
	return m
}

// Stop kills the server.
func (m *PrivateMinIO) Stop() { m.c.stop() }

// Start starts it again on the same port and data.
func (m *PrivateMinIO) Start() { m.c.start() }

// Store returns a store on its bucket, creating the bucket.
func (m *PrivateMinIO) Store(t testing.TB) *storage.Store {
	t.Helper()
	s, err := storage.New(m.Config)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.EnsureBucket(ctx); err != nil {
		t.Fatalf("private MinIO bucket: %v", err)
	}
	return s
}

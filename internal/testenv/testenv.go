// Package testenv gives each test its own slice of the real services: a fresh PostgreSQL
// database, a Redis database of its own and a MinIO bucket of its own, all removed when the
// test ends. `make test` starts the services and sets AOMAS_TEST_*; a test that cannot reach
// one fails and says why. It never skips.
package testenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/redis/go-redis/v9"

	"github.com/aomas/aomas/db"
	"github.com/aomas/aomas/storage"
)

const hint = "run `make test`, or `make services && . .local/services.env` before `go test`"

func env(t testing.TB, name string) string {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		t.Fatalf("%s is not set: %s", name, hint)
	}
	return v
}

func suffix() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func ctx(t testing.TB) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

// DatabaseURL creates an empty database for t and returns its URL; it is dropped after t.
func DatabaseURL(t testing.TB) string {
	t.Helper()
	admin := env(t, "AOMAS_TEST_DATABASE_URL")
	conn, err := db.Open(ctx(t), admin)
	if err != nil {
		t.Fatalf("PostgreSQL at AOMAS_TEST_DATABASE_URL not reachable: %v (%s)", err, hint)
	}
	name := "aomas_test_" + suffix()
	if _, err := conn.Exec("CREATE DATABASE " + name); err != nil {
		_ = conn.Close()
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		defer func() { _ = conn.Close() }()
		if _, err := conn.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)"); err != nil {
			t.Errorf("drop test database %s: %v", name, err)
		}
	})
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatalf("AOMAS_TEST_DATABASE_URL: %v", err)
	}
	u.Path = "/" + name
	return u.String()
}

// Postgres returns a connection to a fresh, fully migrated database for t.
func Postgres(t testing.TB) *sqlx.DB {
	t.Helper()
	c := ctx(t)
	conn, err := db.Open(c, DatabaseURL(t))
	if err != nil {
		t.Fatalf("open test database: %v", err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	m, err := db.NewMigrator(conn.DB)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Up(c); err != nil {
		t.Fatalf("migrate test database: %v", err)
	}
	return conn
}

// Redis returns a client on a Redis database that no other test holds, flushed before and
// after use, and that database's URL (for asynq and for child processes).
func Redis(t testing.TB) (*redis.Client, string) {
	t.Helper()
	base := env(t, "AOMAS_TEST_REDIS_URL")
	opt, err := redis.ParseURL(base)
	if err != nil {
		t.Fatalf("AOMAS_TEST_REDIS_URL: %v", err)
	}
	c := ctx(t)
	lockOpt := *opt
	lockOpt.DB = 0
	lock := redis.NewClient(&lockOpt)
	t.Cleanup(func() { _ = lock.Close() })
	if err := lock.Ping(c).Err(); err != nil {
		t.Fatalf("Redis at AOMAS_TEST_REDIS_URL not reachable: %v (%s)", err, hint)
	}
	token := suffix()
	deadline := time.Now().Add(60 * time.Second)
	for {
		// Databases 1–15 are handed out under a lease in database 0, so that test
		// packages running at once never share one.
		for n := 1; n <= 15; n++ {
			key := fmt.Sprintf("aomas:testenv:redis-db:%d", n)
			ok, err := lock.SetNX(c, key, token, 10*time.Minute).Result()
			if err != nil {
				t.Fatalf("lease a Redis database: %v", err)
			}
			if !ok {
				continue
			}
			dbOpt := *opt
			dbOpt.DB = n
			client := redis.NewClient(&dbOpt)
			if err := client.FlushDB(c).Err(); err != nil {
				t.Fatalf("flush Redis db %d: %v", n, err)
			}
			t.Cleanup(func() {
				cctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				_ = client.FlushDB(cctx).Err()
				_ = client.Close()
				_ = lock.Del(cctx, key).Err()
			})
			u, _ := url.Parse(base)
			u.Path = fmt.Sprintf("/%d", n)
			return client, u.String()
		}
		if time.Now().After(deadline) {
			t.Fatal("no free Redis database for this test after 60 s")
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// S3Config returns the test MinIO's settings with a bucket name unique to t.
func S3Config(t testing.TB) storage.Config {
	t.Helper()
	name := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			return r
		case r >= 'A' && r <= 'Z':
			return r + ('a' - 'A')
		}
		return '-'
	}, t.Name())
	if len(name) > 30 {
		name = name[:30]
	}
	return storage.Config{
		Endpoint:  env(t, "AOMAS_TEST_S3_ENDPOINT"),
		AccessKey: env(t, "AOMAS_TEST_S3_ACCESS_KEY"),
		SecretKey: env(t, "AOMAS_TEST_S3_SECRET_KEY"),
		Bucket:    strings.Trim("t-"+name+"-"+suffix(), "-."),
		Region:    "us-east-1",
	}
}

// Store returns a store over a fresh bucket for t, emptied and removed after t.
func Store(t testing.TB) *storage.Store {
	t.Helper()
	cfg := S3Config(t)
	s, err := storage.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.EnsureBucket(ctx(t)); err != nil {
		t.Fatalf("MinIO at AOMAS_TEST_S3_ENDPOINT not reachable: %v (%s)", err, hint)
	}
	t.Cleanup(func() {
		cctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := s.RemoveBucket(cctx); err != nil {
			t.Errorf("remove test bucket: %v", err)
		}
	})
	return s
}

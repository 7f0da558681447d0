package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/redis/go-redis/v9"

	"github.com/aomas/aomas/db"
)

const (
	dbName  = "aomas_load"
	bucket  = "aomas-load"
	appName = "aomas-load" // this tool's own connections, left out of the counts
)

// services is the private database, Redis database and bucket the load runs in, on the
// local services of .local/services.env.
type services struct {
	DatabaseURL string
	RedisURL    string
	// Admin is a connection to the server's maintenance database, for pg_stat_activity.
	Admin *sqlx.DB
	// DB is one connection to the load's database, to follow runs.
	DB *sqlx.DB
	// Redis is the load's Redis database.
	Redis *redis.Client
	lock  *redis.Client
	lease string
	s3    *minio.Client
	keep  bool
}

// setupServices makes a fresh database, leases a Redis database the way internal/testenv
// does (so tests running beside the load never share it), empties the bucket, and points
// the AOMAS_* variables the child processes inherit at them.
func setupServices(ctx context.Context, keep bool) (_ *services, err error) {
	s := &services{keep: keep}
	defer func() {
		if err != nil {
			s.close()
		}
	}()
	adminURL, err := need("AOMAS_TEST_DATABASE_URL")
	if err != nil {
		return nil, err
	}
	if s.Admin, err = db.Open(ctx, adminURL); err != nil {
		return nil, err
	}
	s.Admin.SetMaxOpenConns(2)
	if _, err := s.Admin.ExecContext(ctx, `DROP DATABASE IF EXISTS `+dbName+` WITH (FORCE)`); err != nil {
		return nil, fmt.Errorf("drop %s: %w", dbName, err)
	}
	if _, err := s.Admin.ExecContext(ctx, `CREATE DATABASE `+dbName); err != nil {
		return nil, fmt.Errorf("create %s: %w", dbName, err)
	}
	u, err := url.Parse(adminURL)
	if err != nil {
		return nil, fmt.Errorf("AOMAS_TEST_DATABASE_URL: %w", err)
	}
	u.Path = "/" + dbName
	s.DatabaseURL = u.String()
	q := u.Query()
	q.Set("application_name", appName)
	u.RawQuery = q.Encode()
	if s.DB, err = db.Open(ctx, u.String()); err != nil {
		return nil, err
	}
	s.DB.SetMaxOpenConns(1)

	if err := s.leaseRedis(ctx); err != nil {
		return nil, err
	}
	if err := s.emptyBucket(ctx, false); err != nil {
		return nil, err
	}
	for k, v := range map[string]string{"AOMAS_DATABASE_URL": s.DatabaseURL, "AOMAS_REDIS_URL": s.RedisURL,
		"AOMAS_S3_BUCKET": bucket, "AOMAS_EXPORT_S3_BUCKET": "off"} {
		if err := os.Setenv(k, v); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func need(name string) (string, error) {
	v := os.Getenv(name)
	if v == "" {
		return "", fmt.Errorf("%s is not set: source .local/services.env (make load does)", name)
	}
	return v, nil
}

// leaseRedis takes one of Redis databases 1–15 under testenv's lease (a key in database 0),
// renewed while the load runs, and flushes it.
func (s *services) leaseRedis(ctx context.Context) error {
	base, err := need("AOMAS_TEST_REDIS_URL")
	if err != nil {
		return err
	}
	opt, err := redis.ParseURL(base)
	if err != nil {
		return fmt.Errorf("AOMAS_TEST_REDIS_URL: %w", err)
	}
	lockOpt := *opt
	lockOpt.DB = 0
	s.lock = redis.NewClient(&lockOpt)
	token := make([]byte, 8)
	_, _ = rand.Read(token)
	s.lease = hex.EncodeToString(token)
	deadline := time.Now().Add(2 * time.Minute)
	for {
		for n := 1; n <= 15; n++ {
			key := fmt.Sprintf("aomas:testenv:redis-db:%d", n)
			ok, err := s.lock.SetNX(ctx, key, s.lease, 10*time.Minute).Result()
			if err != nil {
				return fmt.Errorf("lease a redis database: %w", err)
			}
			if !ok {
				continue
			}
			dbOpt := *opt
			dbOpt.DB = n
			s.Redis = redis.NewClient(&dbOpt)
			if err := s.Redis.FlushDB(ctx).Err(); err != nil {
				return fmt.Errorf("flush redis db %d: %w", n, err)
			}
			u, _ := url.Parse(base)
			u.Path = fmt.Sprintf("/%d", n)
			s.RedisURL = u.String()
			go s.renew(key)
			return nil
		}
		if time.Now().After(deadline) {
			return errors.New("no free redis database after 2 minutes")
		}
		time.Sleep(time.Second)
	}
}

// renew keeps the lease while it is ours (the load outlasts its 10 minutes).
func (s *services) renew(key string) {
	for {
		time.Sleep(time.Minute)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		v, err := s.lock.Get(ctx, key).Result()
		if err == nil && v == s.lease {
			_ = s.lock.Expire(ctx, key, 10*time.Minute).Err()
		}
		cancel()
		if err != nil || v != s.lease {
			return
		}
	}
}

// emptyBucket removes every object of the load's bucket, and with drop the bucket too.
func (s *services) emptyBucket(ctx context.Context, drop bool) error {
	if s.s3 == nil {
		endpoint, err := need("AOMAS_S3_ENDPOINT")
		if err != nil {
			return err
		}
		s.s3, err = minio.New(endpoint, &minio.Options{Creds: credentials.NewStaticV4(os.Getenv("AOMAS_S3_ACCESS_KEY"), os.Getenv("AOMAS_S3_SECRET_KEY"), "")})
		if err != nil {
			return fmt.Errorf("minio: %w", err)
		}
	}
	ok, err := s.s3.BucketExists(ctx, bucket)
	if err != nil || !ok {
		return err
	}
	objs := s.s3.ListObjects(ctx, bucket, minio.ListObjectsOptions{Recursive: true})
	for e := range s.s3.RemoveObjects(ctx, bucket, objs, minio.RemoveObjectsOptions{}) {
		if e.Err != nil {
			return fmt.Errorf("empty bucket %s: %w", bucket, e.Err)
		}
	}
	if drop {
		return s.s3.RemoveBucket(ctx, bucket)
	}
	return nil
}

// close gives everything back: the Redis database flushed and its lease released, and
// unless kept, the database dropped and the bucket removed.
func (s *services) close() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if s.Redis != nil {
		_ = s.Redis.FlushDB(ctx).Err()
		_ = s.Redis.Close()
	}
	if s.lock != nil {
		for n := 1; n <= 15; n++ {
			key := fmt.Sprintf("aomas:testenv:redis-db:%d", n)
			if v, err := s.lock.Get(ctx, key).Result(); err == nil && v == s.lease {
				_ = s.lock.Del(ctx, key).Err()
			}
		}
		_ = s.lock.Close()
	}
	if s.DB != nil {
		_ = s.DB.Close()
	}
	if s.keep {
		if s.Admin != nil {
			_ = s.Admin.Close()
		}
		return
	}
	if s.s3 != nil {
		if err := s.emptyBucket(ctx, true); err != nil {
			fmt.Fprintln(os.Stderr, "load: remove bucket:", err)
		}
	}
	if s.Admin != nil {
		if _, err := s.Admin.ExecContext(ctx, `DROP DATABASE IF EXISTS `+dbName+` WITH (FORCE)`); err != nil {
			fmt.Fprintln(os.Stderr, "load: drop database:", err)
		}
		_ = s.Admin.Close()
	}
}

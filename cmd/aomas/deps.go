package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/redis/go-redis/v9"

	"github.com/aomas/aomas/db"
	"github.com/aomas/aomas/storage"
)

// deps are the connections a service command holds for its lifetime.
type deps struct {
	db    *sqlx.DB
	redis *redis.Client
	store *storage.Store
}

// connect reaches PostgreSQL, Redis and object storage, waiting up to wait for services
// that are still starting, and makes the bucket.
func connect(ctx context.Context, c *config, logger *slog.Logger, wait time.Duration) (*deps, error) {
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	d := &deps{}
	if err := retry(ctx, logger, "postgres", func() error {
		var err error
		d.db, err = db.Open(ctx, c.DatabaseURL)
		return err
	}); err != nil {
		return nil, err
	}
	opt, err := redis.ParseURL(c.RedisURL)
	if err != nil {
		return nil, fmt.Errorf("redis url: %w", err)
	}
	d.redis = redis.NewClient(opt)
	if err := retry(ctx, logger, "redis", func() error { return d.redis.Ping(ctx).Err() }); err != nil {
		d.close()
		return nil, fmt.Errorf("connect to redis: %w", err)
	}
	if d.store, err = storage.New(c.S3); err != nil {
		d.close()
		return nil, err
	}
	if err := retry(ctx, logger, "object storage", func() error { return d.store.EnsureBucket(ctx) }); err != nil {
		d.close()
		return nil, err
	}
	return d, nil
}

func (d *deps) close() {
	if d.db != nil {
		_ = d.db.Close()
	}
	if d.redis != nil {
		_ = d.redis.Close()
	}
}

// retry calls f until it succeeds or ctx ends, backing off up to two seconds.
func retry(ctx context.Context, logger *slog.Logger, what string, f func() error) error {
	delay := 100 * time.Millisecond
	for {
		err := f()
		if err == nil {
			return nil
		}
		logger.Warn("waiting for service", "service", what, "err", err)
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s not reachable: %w", what, err)
		case <-time.After(delay):
		}
		delay = min(2*delay, 2*time.Second)
	}
}

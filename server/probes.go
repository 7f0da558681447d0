package server

import (
	"context"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/redis/go-redis/v9"

	"github.com/aomas/aomas/internal/health"
	"github.com/aomas/aomas/storage"
)

// NewChecker probes the three services aomas depends on; the probe names are the Health
// type's fields. Each probe is bounded so that one hung service can't stall the answer,
// and every caller within a quarter second shares one round of probes.
func NewChecker(conn *sqlx.DB, rdb redis.UniversalClient, store *storage.Store) *health.Checker {
	return &health.Checker{
		Timeout: 1500 * time.Millisecond,
		MaxAge:  250 * time.Millisecond,
		Probes: []health.Probe{
			{Name: health.Postgres, Check: conn.PingContext},
			{Name: health.Redis, Check: func(ctx context.Context) error { return rdb.Ping(ctx).Err() }},
			{Name: health.ObjectStorage, Check: store.Ping},
		},
	}
}

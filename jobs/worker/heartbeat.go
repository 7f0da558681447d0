package worker

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/aomas/aomas/jobs"
)

// ID names a worker process.
func ID(host string, pid int) string { return fmt.Sprintf("%s:%d", host, pid) }

// Heartbeat advertises w in Redis until ctx ends, refreshing the entry well before it
// expires, so that the workers query lists live workers only.
func Heartbeat(ctx context.Context, rdb *redis.Client, w jobs.WorkerInfo, every time.Duration) {
	b, _ := json.Marshal(w)
	key := jobs.WorkerKey(w.ID)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		_ = rdb.Set(ctx, key, b, 3*every).Err()
		select {
		case <-ctx.Done():
			dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
			_ = rdb.Del(dctx, key).Err()
			cancel()
			return
		case <-t.C:
		}
	}
}

// Package follow streams a stored row while it changes, for the subscriptions of long work
// (evaluations, exports): the row as stored, then again whenever Redis announces a change on
// the row's channel or a second passes without one, until the row is final or the context
// ends. The poll makes good an announcement lost with a Redis restart, or no Redis at all.
package follow

import (
	"context"
	"time"

	"github.com/redis/go-redis/v9"
)

// Row follows one row: load reads it, key tells one state from the next (a row is sent
// when its key differs from the last one sent), final says when to stop. With rdb nil only
// the poll runs. The channel closes when the row is final (after sending it), when load
// fails, or when ctx ends.
func Row[T any, K comparable](ctx context.Context, rdb *redis.Client, channel string,
	load func(context.Context) (T, error), key func(T) K, final func(T) bool) (<-chan T, error) {
	var msgs <-chan *redis.Message
	var ps *redis.PubSub
	if rdb != nil {
		ps = rdb.Subscribe(ctx, channel)
		if _, err := ps.Receive(ctx); err != nil {
			_ = ps.Close()
			return nil, err
		}
		msgs = ps.Channel()
	}
	out := make(chan T, 8)
	go func() {
		defer close(out)
		if ps != nil {
			defer func() { _ = ps.Close() }()
		}
		var last *K
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			row, err := load(ctx)
			if err != nil {
				return
			}
			if k := key(row); last == nil || *last != k {
				last = &k
				select {
				case out <- row:
				case <-ctx.Done():
					return
				}
			}
			if final(row) {
				return
			}
			select {
			case <-ctx.Done():
				return
			case <-msgs:
			case <-tick.C:
			}
		}
	}()
	return out, nil
}

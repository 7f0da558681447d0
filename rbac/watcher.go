package rbac

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"sync"
	"time"

	"github.com/casbin/casbin/v2/persist"
	"github.com/redis/go-redis/v9"
)

// DefaultChannel is the Redis pub/sub channel on which replicas announce policy changes.
const DefaultChannel = "aomas:rbac:policy"

// Watcher is a Casbin watcher over Redis pub/sub: Update announces a change, and every other
// watcher on the channel calls its callback (a policy reload). After a lost connection it
// calls the callback too, since announcements made meanwhile are gone.
type Watcher struct {
	client  *redis.Client
	channel string
	id      string
	ps      *redis.PubSub
	done    chan struct{}

	mu sync.Mutex
	cb func(string)
}

var _ persist.Watcher = (*Watcher)(nil)

// NewWatcher subscribes to channel and returns once Redis has confirmed the subscription,
// so that no announcement made after it returns is missed.
func NewWatcher(ctx context.Context, client *redis.Client, channel string) (*Watcher, error) {
	var b [8]byte
	_, _ = rand.Read(b[:])
	w := &Watcher{client: client, channel: channel, id: hex.EncodeToString(b[:]), done: make(chan struct{})}
	w.ps = client.Subscribe(ctx, channel)
	if _, err := w.ps.Receive(ctx); err != nil {
		_ = w.ps.Close()
		return nil, fmt.Errorf("subscribe to %s: %w", channel, err)
	}
	go w.loop(w.ps.ChannelWithSubscriptions(redis.WithChannelHealthCheckInterval(10 * time.Second)))
	return w, nil
}

func (w *Watcher) loop(ch <-chan any) {
	defer close(w.done)
	for m := range ch {
		switch m := m.(type) {
		case *redis.Message:
			if m.Payload != w.id {
				w.call(m.Payload)
			}
		case *redis.Subscription:
			// A subscribe confirmation here means go-redis reconnected.
			if m.Kind == "subscribe" {
				w.call("resubscribed")
			}
		}
	}
}

func (w *Watcher) call(msg string) {
	w.mu.Lock()
	cb := w.cb
	w.mu.Unlock()
	if cb != nil {
		cb(msg)
	}
}

// SetUpdateCallback sets what to run when another replica changed the policy.
func (w *Watcher) SetUpdateCallback(f func(string)) error {
	w.mu.Lock()
	w.cb = f
	w.mu.Unlock()
	return nil
}

// Update announces a policy change to every other watcher on the channel.
func (w *Watcher) Update() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := w.client.Publish(ctx, w.channel, w.id).Err(); err != nil {
		return fmt.Errorf("announce policy change: %w", err)
	}
	return nil
}

// Close unsubscribes; the callback is not called after Close returns.
func (w *Watcher) Close() {
	_ = w.ps.Close()
	<-w.done
	_ = w.SetUpdateCallback(nil)
}

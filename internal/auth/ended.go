package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// EndedChannel starts the Redis pub/sub channel on which every replica, and the CLI,
// announce credentials that ended: a logout, a revoked token, a disabled account.
const EndedChannel = "aomas:auth:ended"

// endedChannel is the channel of the deployment client belongs to. Pub/sub spans every
// database of a Redis server, so the channel names the database: deployments (and tests)
// that share a server on different databases never end each other's sockets.
func endedChannel(client *redis.Client) string {
	return EndedChannel + ":" + strconv.Itoa(client.Options().DB)
}

// SessionKey names one browser session (by its hash) for Ends; TokenKey and UserKey name
// one token and everything of one account.
func SessionKey(hash string) string { return "session:" + hash }

// TokenKey names one API token for Ends.
func TokenKey(id int64) string { return "token:" + strconv.FormatInt(id, 10) }

// UserKey names every credential of one account for Ends.
func UserKey(id int64) string { return "user:" + strconv.FormatInt(id, 10) }

// keys are the announcements that end a connection of p.
func keys(p Principal) []string {
	out := []string{UserKey(p.UserID)}
	if p.SessionHash != "" {
		out = append(out, SessionKey(p.SessionHash))
	}
	if p.TokenID != 0 {
		out = append(out, TokenKey(p.TokenID))
	}
	return out
}

// Ends keeps the long-lived connections (websockets) of this process by the credential
// they were opened with, and ends them when that credential ends, here or on any replica
// that announces it over Redis. A connection's operations are ended at once; the
// connection's own close is the caller's (Conn.OnEnd).
type Ends struct {
	mu    sync.Mutex
	conns map[string]map[*Conn]struct{}

	client *redis.Client
	ps     *redis.PubSub
	done   chan struct{}
	log    *slog.Logger
	// resync is told when announcements may have been missed (Redis reconnected).
	resync chan struct{}
}

// NewEnds returns an Ends that hears announcements over client, subscribed before it
// returns; a nil client keeps to this process (one replica, tests).
func NewEnds(ctx context.Context, client *redis.Client, log *slog.Logger) (*Ends, error) {
	if log == nil {
		log = slog.Default()
	}
	e := &Ends{conns: map[string]map[*Conn]struct{}{}, client: client, done: make(chan struct{}), log: log,
		resync: make(chan struct{}, 1)}
	if client == nil {
		close(e.done)
		return e, nil
	}
	e.ps = client.Subscribe(ctx, endedChannel(client))
	if _, err := e.ps.Receive(ctx); err != nil {
		_ = e.ps.Close()
		return nil, fmt.Errorf("subscribe to %s: %w", endedChannel(client), err)
	}
	go e.loop(e.ps.ChannelWithSubscriptions(redis.WithChannelHealthCheckInterval(10 * time.Second)))
	return e, nil
}

func (e *Ends) loop(ch <-chan any) {
	defer close(e.done)
	first := true
	for m := range ch {
		switch m := m.(type) {
		case *redis.Message:
			e.endLocal(m.Payload, "ended elsewhere")
		case *redis.Subscription:
			if m.Kind == "subscribe" && !first {
				select { // announcements made while disconnected are gone: check everything
				case e.resync <- struct{}{}:
				default:
				}
			}
			first = false
		}
	}
}

// Close stops listening.
func (e *Ends) Close() {
	if e.ps != nil {
		_ = e.ps.Close()
	}
	<-e.done
}

// Announce ends the connections of every key here and tells the other replicas.
func (e *Ends) Announce(ctx context.Context, keys ...string) {
	for _, k := range keys {
		e.endLocal(k, "announced")
	}
	if e.client != nil {
		if err := PublishEnded(ctx, e.client, keys...); err != nil {
			// Ended here; the others end theirs at their next sweep or operation.
			e.log.Warn("announce ended credential", "err", err)
		}
	}
}

// PublishEnded tells every replica listening on client that keys ended (for commands that
// hold no Ends, such as the CLI).
func PublishEnded(ctx context.Context, client *redis.Client, keys ...string) error {
	for _, k := range keys {
		if err := client.Publish(ctx, endedChannel(client), k).Err(); err != nil {
			return fmt.Errorf("announce %s ended: %w", k, err)
		}
	}
	return nil
}

func (e *Ends) endLocal(key, why string) {
	e.mu.Lock()
	var ending []*Conn
	for c := range e.conns[key] {
		ending = append(ending, c)
	}
	e.mu.Unlock()
	for _, c := range ending {
		c.End(why)
	}
}

// Len returns how many connections are kept.
func (e *Ends) Len() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	seen := map[*Conn]bool{}
	for _, cs := range e.conns {
		for c := range cs {
			seen[c] = true
		}
	}
	return len(seen)
}

// Track keeps a connection opened by p until ctx ends, and ends it when p's credential
// ends: announced, or at its expiry. onEnd runs once when it ends (not when ctx does).
func (e *Ends) Track(ctx context.Context, p Principal, onEnd func()) *Conn {
	c := NewConn(p)
	c.onEnd = onEnd
	ks := keys(p)
	e.mu.Lock()
	for _, k := range ks {
		if e.conns[k] == nil {
			e.conns[k] = map[*Conn]struct{}{}
		}
		e.conns[k][c] = struct{}{}
	}
	e.mu.Unlock()
	var timer *time.Timer
	if !p.ExpiresAt.IsZero() {
		timer = time.AfterFunc(time.Until(p.ExpiresAt), func() { c.End("expired") })
	}
	context.AfterFunc(ctx, func() {
		if timer != nil {
			timer.Stop()
		}
		e.mu.Lock()
		for _, k := range ks {
			delete(e.conns[k], c)
			if len(e.conns[k]) == 0 {
				delete(e.conns, k)
			}
		}
		e.mu.Unlock()
	})
	return c
}

// Sweep checks every kept connection's credential with check every interval (and after
// Redis reconnects) and ends those refused, until ctx ends: the safety net for
// announcements that never arrived (Redis down, a command that could not reach it).
func (e *Ends) Sweep(ctx context.Context, every time.Duration, check func(context.Context, Principal) error) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-e.resync:
		}
		e.mu.Lock()
		all := map[*Conn]struct{}{}
		for _, cs := range e.conns {
			for c := range cs {
				all[c] = struct{}{}
			}
		}
		e.mu.Unlock()
		for c := range all {
			if c.Ended() {
				continue
			}
			if err := check(ctx, c.p); err != nil {
				if ctx.Err() != nil {
					return
				}
				if IsRefusal(err) {
					c.End("refused on sweep")
				} else {
					e.log.Warn("check open connection's credential", "err", err)
				}
			}
		}
	}
}

// IsRefusal reports whether err refuses a credential (rather than failing to check it).
func IsRefusal(err error) bool { return errors.Is(err, ErrUnauthenticated) }

// Conn is one long-lived connection opened with a credential.
type Conn struct {
	p     Principal
	mu    sync.Mutex
	ended bool
	why   string
	ops   map[*opEntry]struct{}
	onEnd func()
}

type opEntry struct{ cancel context.CancelFunc }

// NewConn returns a connection of p that no Ends keeps: it is still checked at every
// operation, and ended by the first refusal.
func NewConn(p Principal) *Conn { return &Conn{p: p, ops: map[*opEntry]struct{}{}} }

// Principal returns who opened the connection.
func (c *Conn) Principal() Principal { return c.p }

// Ended reports whether the connection's credential has ended.
func (c *Conn) Ended() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ended
}

// End marks the credential ended, cancels every running operation and runs onEnd (once).
func (c *Conn) End(why string) {
	c.mu.Lock()
	if c.ended {
		c.mu.Unlock()
		return
	}
	c.ended, c.why = true, why
	ops := c.ops
	c.ops = nil
	c.mu.Unlock()
	for op := range ops {
		op.cancel()
	}
	if c.onEnd != nil {
		c.onEnd()
	}
}

// Operation returns a context for one operation of the connection, cancelled when the
// credential ends (at once if it has), and forgotten when ctx ends.
func (c *Conn) Operation(ctx context.Context) context.Context {
	ctx, cancel := context.WithCancel(ctx)
	op := &opEntry{cancel: cancel}
	c.mu.Lock()
	if c.ended {
		c.mu.Unlock()
		cancel()
		return ctx
	}
	c.ops[op] = struct{}{}
	c.mu.Unlock()
	context.AfterFunc(ctx, func() {
		c.mu.Lock()
		delete(c.ops, op)
		c.mu.Unlock()
	})
	return ctx
}

type connKey struct{}

// WithConn returns ctx carrying the connection it runs on.
func WithConn(ctx context.Context, c *Conn) context.Context {
	return context.WithValue(ctx, connKey{}, c)
}

// ConnFrom returns the connection ctx runs on, or nil for a plain request.
func ConnFrom(ctx context.Context) *Conn {
	c, _ := ctx.Value(connKey{}).(*Conn)
	return c
}

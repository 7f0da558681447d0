package follow_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/aomas/aomas/internal/follow"
	"github.com/aomas/aomas/internal/testenv"
)

// row is a stored row as the followers see it: a status and a version that changes.
type row struct {
	Status  string
	Version int
}

type store struct {
	mu  sync.Mutex
	row row
	err error
}

func (s *store) load(context.Context) (row, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.row, s.err
}

func (s *store) set(r row) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.row = r
}

func next(t *testing.T, ch <-chan row, within time.Duration) (row, bool) {
	t.Helper()
	select {
	case r, ok := <-ch:
		return r, ok
	case <-time.After(within):
		t.Fatalf("nothing within %s", within)
		return row{}, false
	}
}

// TestRowFollowsAnnouncementsAndPolls: the stored row first; a change announced on Redis
// at once (well before the one-second poll); an unannounced change by the poll; no repeat
// of an unchanged row; the final row, then the end.
func TestRowFollowsAnnouncementsAndPolls(t *testing.T) {
	rdb, _ := testenv.Redis(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	channel := fmt.Sprintf("aomas:test:follow:%d", time.Now().UnixNano())
	s := &store{row: row{"RUNNING", 1}}
	ch, err := follow.Row(ctx, rdb, channel, s.load, func(r row) int { return r.Version }, func(r row) bool { return r.Status == "DONE" })
	require.NoError(t, err)

	r, ok := next(t, ch, time.Second)
	require.True(t, ok)
	require.Equal(t, row{"RUNNING", 1}, r)

	s.set(row{"RUNNING", 2})
	start := time.Now()
	require.NoError(t, rdb.Publish(ctx, channel, "1").Err())
	r, _ = next(t, ch, 2*time.Second)
	require.Equal(t, 2, r.Version)
	require.Less(t, time.Since(start), 500*time.Millisecond, "an announcement is followed at once")

	// An announcement with nothing changed sends nothing; an unannounced change comes with the poll.
	require.NoError(t, rdb.Publish(ctx, channel, "1").Err())
	time.Sleep(300 * time.Millisecond) // the announcement is taken before the change
	s.set(row{"RUNNING", 3})
	r, _ = next(t, ch, 3*time.Second)
	require.Equal(t, 3, r.Version)

	s.set(row{"DONE", 4})
	require.NoError(t, rdb.Publish(ctx, channel, "1").Err())
	r, _ = next(t, ch, 2*time.Second)
	require.Equal(t, row{"DONE", 4}, r)
	_, ok = next(t, ch, 2*time.Second)
	require.False(t, ok, "closed after the final row")
}

// TestRowWithoutRedisPolls: with no Redis the poll alone follows the row; a failing load
// or a cancelled context ends the stream.
func TestRowWithoutRedisPolls(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s := &store{row: row{"RUNNING", 1}}
	ch, err := follow.Row(ctx, nil, "unused", s.load, func(r row) row { return r }, func(r row) bool { return r.Status == "DONE" })
	require.NoError(t, err)
	r, _ := next(t, ch, time.Second)
	require.Equal(t, 1, r.Version)
	s.set(row{"RUNNING", 2})
	r, _ = next(t, ch, 3*time.Second)
	require.Equal(t, 2, r.Version)

	s.mu.Lock()
	s.err = context.DeadlineExceeded
	s.mu.Unlock()
	_, ok := next(t, ch, 3*time.Second)
	require.False(t, ok, "a failing load ends the stream")

	s.err = nil
	ch, err = follow.Row(ctx, nil, "unused", s.load, func(r row) row { return r }, func(r row) bool { return false })
	require.NoError(t, err)
	_, _ = next(t, ch, time.Second)
	cancel()
	_, ok = next(t, ch, 3*time.Second)
	require.False(t, ok, "a cancelled context ends the stream")
}

// TestRowRefusesWhenRedisIsDown: a subscription that cannot reach Redis is an error, not a
// silent poll.
func TestRowRefusesWhenRedisIsDown(t *testing.T) {
	rdb, _ := testenv.Redis(t)
	opt := *rdb.Options()
	opt.Addr = "127.0.0.1:1" // nothing listens there
	down := redis.NewClient(&opt)
	defer func() { _ = down.Close() }()
	s := &store{}
	_, err := follow.Row(context.Background(), down, "x", s.load, func(r row) int { return r.Version }, func(row) bool { return true })
	require.Error(t, err)
}

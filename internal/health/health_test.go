package health_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aomas/aomas/internal/health"
)

func TestCheckersShareRounds(t *testing.T) {
	var calls atomic.Int64
	release := make(chan struct{})
	c := &health.Checker{MaxAge: time.Hour, Probes: []health.Probe{
		{Name: "slow", Check: func(ctx context.Context) error { calls.Add(1); <-release; return nil }},
		{Name: "down", Check: func(ctx context.Context) error { return errors.New("dial tcp 10.0.0.7:9000: connection refused") }},
	}}
	var wg sync.WaitGroup
	reports := make([]health.Report, 50)
	for i := range reports {
		wg.Go(func() { reports[i] = c.Check(context.Background()) })
	}
	time.Sleep(50 * time.Millisecond)
	close(release)
	wg.Wait()
	require.Equal(t, int64(1), calls.Load(), "50 concurrent checks, one round")
	for _, r := range reports {
		require.False(t, r.OK())
		down, _ := r.Lookup("down")
		require.Equal(t, "unavailable", down.Summary)
	}
	c.Check(context.Background())
	require.Equal(t, 1, c.Rounds(), "a report younger than MaxAge is reused")

	// A caller that gives up gets failed results; the round goes on.
	block := &health.Checker{Probes: []health.Probe{{Name: "hung", Check: func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() }}}, Timeout: time.Second}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	rep := block.Check(ctx)
	hung, _ := rep.Lookup("hung")
	require.False(t, hung.OK)
	require.Equal(t, "timed out", hung.Summary)
}

// TestProbeBoundedWhenItsClientIgnoresTheContext: a Redis cut by a partition leaves go-redis
// waiting on its own read timeout (3 s), past the probe's context; the report (and so
// /readyz) still comes within Timeout, saying the service timed out.
func TestProbeBoundedWhenItsClientIgnoresTheContext(t *testing.T) {
	// The client gives up on its own after 3 s, as go-redis does.
	c := &health.Checker{Timeout: 100 * time.Millisecond, Probes: []health.Probe{
		{Name: "partitioned", Check: func(context.Context) error { time.Sleep(3 * time.Second); return errors.New("i/o timeout") }},
		{Name: "up", Check: func(context.Context) error { return nil }},
	}}
	start := time.Now()
	rep := c.Check(context.Background())
	require.Less(t, time.Since(start), time.Second, "the report does not wait for a probe past Timeout")
	cut, _ := rep.Lookup("partitioned")
	require.False(t, cut.OK)
	require.Equal(t, "timed out", cut.Summary)
	up, _ := rep.Lookup("up")
	require.True(t, up.OK)
}

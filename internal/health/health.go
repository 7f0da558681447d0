// Package health checks whether the services aomas depends on answer.
package health

import (
	"context"
	"errors"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
)

// Names of the services aomas depends on, as the Health GraphQL type spells them.
const (
	Postgres      = "postgres"
	Redis         = "redis"
	ObjectStorage = "objectStorage"
)

// Probe is one dependency that can be asked whether it answers.
type Probe struct {
	Name  string
	Check func(ctx context.Context) error
}

// Result is the outcome of one probe.
type Result struct {
	Name      string
	OK        bool
	LatencyMs float64
	// Error is the probe's error as the client library wrote it: it may name internal
	// addresses, so only signed-in callers see it.
	Error string
	// Summary is what anyone may read of a failure: "timed out" or "unavailable".
	Summary string
}

// Report is the outcome of all probes at one moment.
type Report struct {
	CheckedAt time.Time
	Results   []Result
}

// OK reports whether every probe succeeded.
func (r Report) OK() bool {
	for _, res := range r.Results {
		if !res.OK {
			return false
		}
	}
	return true
}

// Lookup returns the result of the probe called name.
func (r Report) Lookup(name string) (Result, bool) {
	for _, res := range r.Results {
		if res.Name == name {
			return res, true
		}
	}
	return Result{}, false
}

// Checker runs probes concurrently, each bounded by Timeout so that one service that
// hangs cannot hold up the answer about the others. Callers share probes: concurrent
// Checks wait for one round, and a report younger than MaxAge is answered again, so
// however many health fields, subscriptions and readiness checks ask, the services see
// at most one round of probes per MaxAge.
type Checker struct {
	Probes  []Probe
	Timeout time.Duration
	// MaxAge is how long a report is reused; zero: each Check not overlapping another
	// probes anew.
	MaxAge time.Duration
	Now    func() time.Time

	flight singleflight.Group
	mu     sync.Mutex
	last   Report
	lastAt time.Time // on the monotonic clock
	rounds int
}

// Rounds returns how many rounds of probes the checker has run.
func (c *Checker) Rounds() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.rounds
}

// Check returns the results of every probe in probe order, from the last round when it
// is younger than MaxAge, else from a round shared with every concurrent caller. A caller
// whose ctx ends first gets failed results; the round goes on for the others.
func (c *Checker) Check(ctx context.Context) Report {
	c.mu.Lock()
	if c.MaxAge > 0 && c.rounds > 0 && time.Since(c.lastAt) < c.MaxAge {
		rep := c.last
		c.mu.Unlock()
		return rep
	}
	c.mu.Unlock()
	ch := c.flight.DoChan("probe", func() (any, error) {
		rep := c.probe(context.WithoutCancel(ctx))
		c.mu.Lock()
		c.last, c.lastAt = rep, time.Now()
		c.rounds++
		c.mu.Unlock()
		return rep, nil
	})
	select {
	case res := <-ch:
		return res.Val.(Report)
	case <-ctx.Done():
		rep := Report{CheckedAt: c.now().UTC(), Results: make([]Result, len(c.Probes))}
		for i, p := range c.Probes {
			rep.Results[i] = Result{Name: p.Name, Error: ctx.Err().Error(), Summary: summary(ctx.Err())}
		}
		return rep
	}
}

func (c *Checker) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func summary(err error) string {
	if errors.Is(err, context.DeadlineExceeded) {
		return "timed out"
	}
	return "unavailable"
}

// probe runs every probe once.
func (c *Checker) probe(ctx context.Context) Report {
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = 2 * time.Second
	}
	results := make([]Result, len(c.Probes))
	var wg sync.WaitGroup
	for i, p := range c.Probes {
		wg.Go(func() {
			pctx, cancel := context.WithTimeout(ctx, timeout)
			defer cancel()
			start := time.Now()
			// A client may hold on past its context (go-redis keeps to its own read and dial
			// timeouts unless told otherwise, 3 and 5 s): the answer does not wait for it. The
			// probe left behind ends with the client's own timeout.
			done := make(chan error, 1)
			go func() { done <- p.Check(pctx) }()
			var err error
			select {
			case err = <-done:
			case <-pctx.Done():
				err = pctx.Err()
			}
			res := Result{Name: p.Name, OK: err == nil, LatencyMs: float64(time.Since(start).Microseconds()) / 1000}
			if err != nil {
				res.Error, res.Summary = err.Error(), summary(err)
			}
			results[i] = res
		})
	}
	wg.Wait()
	return Report{CheckedAt: c.now().UTC(), Results: results}
}

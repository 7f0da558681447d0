// Package health checks whether the services aomas depends on answer.
package health

import (
	"context"
	"sync"
	"time"
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
	Error     string
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
// hangs cannot hold up the answer about the others.
type Checker struct {
	Probes  []Probe
	Timeout time.Duration
	Now     func() time.Time
}

// Check runs every probe and returns their results in probe order.
func (c *Checker) Check(ctx context.Context) Report {
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = 2 * time.Second
	}
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	results := make([]Result, len(c.Probes))
	var wg sync.WaitGroup
	for i, p := range c.Probes {
		wg.Go(func() {
			pctx, cancel := context.WithTimeout(ctx, timeout)
			defer cancel()
			start := time.Now()
			err := p.Check(pctx)
			res := Result{Name: p.Name, OK: err == nil, LatencyMs: float64(time.Since(start).Microseconds()) / 1000}
			if err != nil {
				res.Error = err.Error()
			}
			results[i] = res
		})
	}
	wg.Wait()
	return Report{CheckedAt: now().UTC(), Results: results}
}

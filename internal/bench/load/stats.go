package main

import (
	"slices"
	"sort"
	"sync"
	"time"

	"gonum.org/v1/gonum/stat"
)

// recorder keeps every operation's latencies and errors.
type recorder struct {
	mu  sync.Mutex
	ops map[string]*opStats
}

// opStats is one operation's record.
type opStats struct {
	lat  []time.Duration
	errs int
	// first holds the first few error messages, for the report.
	first []string
}

func newRecorder() *recorder { return &recorder{ops: map[string]*opStats{}} }

// observe records one call of op that took d and ended with err.
func (r *recorder) observe(op string, d time.Duration, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.ops[op]
	if s == nil {
		s = &opStats{}
		r.ops[op] = s
	}
	s.lat = append(s.lat, d)
	if err != nil {
		s.errs++
		if len(s.first) < 3 {
			s.first = append(s.first, err.Error())
		}
	}
}

// opSummary is one row of the operations table.
type opSummary struct {
	Op            string
	Count, Errors int
	P50, P99, Max time.Duration
	FirstErrors   []string
}

// summary returns a row per operation, by name.
func (r *recorder) summary() []opSummary {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]opSummary, 0, len(r.ops))
	for op, s := range r.ops {
		lat := slices.Clone(s.lat)
		slices.Sort(lat)
		out = append(out, opSummary{Op: op, Count: len(lat), Errors: s.errs, P50: percentile(lat, 0.50), P99: percentile(lat, 0.99),
			Max: percentile(lat, 1), FirstErrors: slices.Clone(s.first)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Op < out[j].Op })
	return out
}

// percentile is the nearest-rank q-quantile of sorted values (0 for none).
func percentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q*float64(len(sorted))+0.5) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// slope is the least-squares slope of y over x (0 with fewer than two points).
func slope(x, y []float64) float64 {
	if len(x) < 2 {
		return 0
	}
	_, beta := stat.LinearRegression(x, y, nil, false)
	return beta
}

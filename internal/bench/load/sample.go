package main

import (
	"bufio"
	"context"
	"maps"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hibiken/asynq"
)

// sample is what the sampler read at one moment.
type sample struct {
	T     float64 // seconds since the sampler started
	Phase string
	// RSS is each live process's resident memory in MiB, by name.
	RSS map[string]float64
	// PGConns counts the load database's connections (this tool's own left out).
	PGConns int
	// Waiting counts tasks pending, scheduled or waiting to retry; Active those at work.
	Waiting, Active int
	// Goroutines is serve's go_goroutines (its /metrics), a leak's other sign; -1 unread.
	Goroutines int
	// RedisKeys counts the keys of the load's Redis database (asynq's tasks, heartbeats).
	RedisKeys int
}

// sampler reads every process's RSS, the database's connections and the queues at a
// fixed interval.
type sampler struct {
	svc *services
	// metrics is serve's /metrics URL.
	metrics string
	hc      *http.Client
	insp    *asynq.Inspector
	start   time.Time

	mu      sync.Mutex
	phase   string
	procs   map[string]int
	samples []sample
}

func newSampler(svc *services, insp *asynq.Inspector, metricsURL string) *sampler {
	return &sampler{svc: svc, insp: insp, metrics: metricsURL, hc: &http.Client{Timeout: 2 * time.Second},
		start: time.Now(), procs: map[string]int{}}
}

// setPhase names the phase the next samples belong to.
func (s *sampler) setPhase(p string) {
	s.mu.Lock()
	s.phase = p
	s.mu.Unlock()
}

// watch adds a process (by name) to follow; forget drops it.
func (s *sampler) watch(name string, pid int) {
	s.mu.Lock()
	s.procs[name] = pid
	s.mu.Unlock()
}

func (s *sampler) forget(name string) {
	s.mu.Lock()
	delete(s.procs, name)
	s.mu.Unlock()
}

// elapsed is seconds since the sampler started.
func (s *sampler) elapsed() float64 { return time.Since(s.start).Seconds() }

// loop samples every interval until ctx ends.
func (s *sampler) loop(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		s.once(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (s *sampler) once(ctx context.Context) {
	s.mu.Lock()
	procs := maps.Clone(s.procs)
	phase := s.phase
	s.mu.Unlock()
	sm := sample{T: s.elapsed(), Phase: phase, RSS: map[string]float64{}, PGConns: -1, Waiting: -1, Active: -1, Goroutines: s.goroutines(ctx), RedisKeys: -1}
	for name, pid := range procs {
		if kib, err := rssKiB(pid); err == nil {
			sm.RSS[name] = float64(kib) / 1024
		}
	}
	qctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := s.svc.Admin.GetContext(qctx, &sm.PGConns,
		`SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND application_name <> $2`, dbName, appName); err != nil {
		sm.PGConns = -1
	}
	if n, err := s.svc.Redis.DBSize(qctx).Result(); err == nil {
		sm.RedisKeys = int(n)
	}
	if qs, err := s.insp.Queues(); err == nil {
		sm.Waiting, sm.Active = 0, 0
		for _, q := range qs {
			if info, err := s.insp.GetQueueInfo(q); err == nil {
				sm.Waiting += info.Pending + info.Scheduled + info.Retry
				sm.Active += info.Active
			}
		}
	}
	s.mu.Lock()
	s.samples = append(s.samples, sm)
	s.mu.Unlock()
}

// goroutines reads go_goroutines from serve's /metrics (-1 when it cannot).
func (s *sampler) goroutines(ctx context.Context) int {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.metrics, http.NoBody)
	if err != nil {
		return -1
	}
	resp, err := s.hc.Do(req)
	if err != nil {
		return -1
	}
	defer func() { _ = resp.Body.Close() }()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "go_goroutines "); ok {
			if n, err := strconv.ParseFloat(v, 64); err == nil {
				return int(n)
			}
		}
	}
	return -1
}

// all returns a copy of the samples so far.
func (s *sampler) all() []sample {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]sample(nil), s.samples...)
}

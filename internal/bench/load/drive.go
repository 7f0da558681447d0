package main

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aomas/aomas/imaging"
)

// cohorts are the tags the cases carry; analysts page one cohort at a time.
var cohorts = []string{"cohort-a", "cohort-b", "cohort-c", "pilot"}

// pool is what the load made so far: case and volume ids, shared by the drivers.
type pool struct {
	mu      sync.Mutex
	cases   []string
	volumes []string
}

func (p *pool) addCase(id string) {
	p.mu.Lock()
	p.cases = append(p.cases, id)
	p.mu.Unlock()
}

func (p *pool) addVolume(id string) {
	p.mu.Lock()
	p.volumes = append(p.volumes, id)
	p.mu.Unlock()
}

// pick returns a random id of list ("" when it is empty).
func (p *pool) pick(rng *rand.Rand, volumes bool) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	list := p.cases
	if volumes {
		list = p.volumes
	}
	if len(list) == 0 {
		return ""
	}
	return list[rng.IntN(len(list))]
}

// sleep waits about d (uniformly 0.5–1.5 d) or until ctx ends; false when it ended.
func sleep(ctx context.Context, rng *rand.Rand, d time.Duration) bool {
	t := time.NewTimer(time.Duration(float64(d) * (0.5 + rng.Float64())))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// timed runs f as operation op and records it, unless ctx ended meanwhile (the load's end
// cancelling a request is not the server's error).
func timed(ctx context.Context, rec *recorder, op string, f func() error) error {
	t0 := time.Now()
	err := f()
	if ctx.Err() != nil {
		return ctx.Err()
	}
	rec.observe(op, time.Since(t0), err)
	return err
}

// makeCases creates n cases spread over the cohorts, as the technician.
func makeCases(ctx context.Context, tech *client, p *pool, rec *recorder, n int) error {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range n {
		id, err := createCase(ctx, tech, rec, rng, fmt.Sprintf("L-%04d", i+1))
		if err != nil {
			return fmt.Errorf("create case: %w", err)
		}
		p.addCase(id)
	}
	return nil
}

func createCase(ctx context.Context, c *client, rec *recorder, rng *rand.Rand, subject string) (string, error) {
	eye := "OD"
	if rng.IntN(2) == 1 {
		eye = "OS"
	}
	in := map[string]any{"subjectCode": subject, "eye": eye, "eccentricityDeg": math.Round(rng.Float64()*100) / 10,
		"acquiredOn": time.Date(2026, time.Month(1+rng.IntN(11)), 1+rng.IntN(28), 0, 0, 0, 0, time.UTC).Format(time.DateOnly),
		"tags":       []string{cohorts[rng.IntN(len(cohorts))], "load"}}
	var out struct {
		CreateCase struct{ Case struct{ ID string } }
	}
	err := timed(ctx, rec, "createCase", func() error {
		return c.do(ctx, `mutation($in: CreateCaseInput!) { createCase(input: $in) { case { id } } }`, map[string]any{"in": in}, &out)
	})
	return out.CreateCase.Case.ID, err
}

// phantom returns a small cone-mosaic stack as raw little-endian uint16 and its sidecar;
// a fresh seed gives fresh bytes, so no upload is a duplicate.
func phantom(seed uint64, edge, frames int) ([]byte, string) {
	stack, _ := imaging.PhantomConeStack(imaging.ConePhantomOptions{Width: edge, Height: edge, Frames: frames, Seed: seed,
		EccentricityDeg: 1 + float64(seed%40)/10, UmPerPx: 0.6})
	lo, hi := float32(math.Inf(1)), float32(math.Inf(-1))
	for _, f := range stack {
		for _, v := range f.Pix {
			lo, hi = min(lo, v), max(hi, v)
		}
	}
	scale := float32(65535) / max(hi-lo, 1e-6)
	raw := make([]byte, 0, 2*edge*edge*frames)
	for _, f := range stack {
		for _, v := range f.Pix {
			raw = binary.LittleEndian.AppendUint16(raw, uint16((v-lo)*scale))
		}
	}
	return raw, fmt.Sprintf(`{"dims":[%d,%d,%d],"dtype":"uint16","axes":["frame","y","x"]}`, frames, edge, edge)
}

// scanner uploads a phantom volume about every cfg.UploadEvery into a random case, and
// every tenth time first makes a case of its own.
func scanner(ctx context.Context, cfg config, c *client, p *pool, rec *recorder, id int, seeds *atomic.Uint64) {
	rng := rand.New(rand.NewPCG(uint64(id), 7))
	for i := 0; ; i++ {
		if i > 0 && !sleep(ctx, rng, cfg.UploadEvery) {
			return
		}
		if i%10 == 9 {
			if cid, err := createCase(ctx, c, rec, rng, fmt.Sprintf("L-S%d-%d", id, i)); err == nil {
				p.addCase(cid)
			}
		}
		caseID := p.pick(rng, false)
		raw, sidecar := phantom(seeds.Add(1), cfg.Edge, cfg.Frames)
		var vol string
		err := timed(ctx, rec, "uploadVolume", func() error {
			var err error
			vol, err = c.upload(ctx, caseID, sidecar, 0.6, raw)
			return err
		})
		if err == nil {
			p.addVolume(vol)
		}
		if ctx.Err() != nil {
			return
		}
	}
}

// starter starts n runs evenly over d on random uploaded volumes, a third of them batch;
// each on time in its own request (at most 32 at once), so slow answers do not thin them out.
func starter(ctx context.Context, c *client, p *pool, rec *recorder, n int, d time.Duration) {
	if n == 0 {
		return
	}
	rng := rand.New(rand.NewPCG(3, 4))
	every := d / time.Duration(n)
	next := time.Now()
	sem := make(chan struct{}, 32)
	var wg sync.WaitGroup
	defer wg.Wait()
	for i := range n {
		if wait := time.Until(next); wait > 0 {
			select {
			case <-ctx.Done():
				return
			case <-time.After(wait):
			}
		}
		next = next.Add(every)
		vol := p.pick(rng, true)
		for vol == "" {
			select {
			case <-ctx.Done():
				return
			case <-time.After(200 * time.Millisecond):
			}
			vol = p.pick(rng, true)
		}
		priority := "interactive"
		if i%3 == 2 {
			priority = "batch"
		}
		select {
		case <-ctx.Done():
			return
		case sem <- struct{}{}:
		}
		wg.Go(func() {
			defer func() { <-sem }()
			_ = timed(ctx, rec, "startRun", func() error { return startRun(ctx, c, vol, priority) })
		})
	}
}

func startRun(ctx context.Context, c *client, volumeID, priority string) error {
	return c.do(ctx, `mutation($in: StartRunInput!) { startRun(input: $in) { id status } }`,
		map[string]any{"in": map[string]any{"volumeId": volumeID, "priority": priority}}, nil)
}

// The analysts' queries: what the cases list, the metrics export of docs/examples and the
// analyst's table ask for.
const (
	casesQuery = `query($after: String, $tag: String!) {
  cases(first: 20, after: $after, filter: {tags: [$tag]}, orderBy: {field: ACQUIRED_ON, direction: DESC}) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { id subject { code } eye eccentricityDeg acquiredOn tags
      volumes { id filename status currentRun { id status detector } } latestRun { id status } } }
  }
}`
	metricsQuery = `query($after: String, $tag: String, $name: String) {
  metrics(first: 100, after: $after, filter: {cohortTag: $tag, name: $name}) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { name value unit ci95Low ci95High run { id volume { case { id } } } } }
  }
}`
	tableQuery = `query($after: String, $tag: String) {
  metricTable(first: 50, after: $after, filter: {cohortTag: $tag}) {
    metricNames totalCount pageInfo { hasNextPage endCursor }
    rows { run { id } subjectCode eye eccentricityDeg acquiredOn filename modality modelVersion values { value unit ci95Low ci95High } }
  }
}`
	caseQuery = `query($id: ID!) {
  case(id: $id) { id subject { code } eye tags
    volumes { id dims { z y x } umPerPx pixelSizeSource runs { id status createdAt finishedAt metrics { name value unit } qcFlags { code } } } }
}`
)

type page struct {
	PageInfo struct {
		HasNextPage bool
		EndCursor   string
	}
}

// analyst pages a cohort's cases, its metrics of one name, the analyst's table, or looks
// at one case, pausing about cfg.Think between requests.
func analyst(ctx context.Context, cfg config, c *client, p *pool, rec *recorder, id int, metricNames []string) {
	rng := rand.New(rand.NewPCG(uint64(id), 11))
	for sleep(ctx, rng, cfg.Think) {
		tag := cohorts[rng.IntN(len(cohorts))]
		var op, query string
		vars := map[string]any{"tag": tag}
		pages := 3
		switch r := rng.IntN(100); {
		case r < 30:
			op, query = "cases", casesQuery
		case r < 60:
			op, query = "metrics", metricsQuery
			if len(metricNames) > 0 {
				vars["name"] = metricNames[rng.IntN(len(metricNames))]
			}
		case r < 85:
			op, query, pages = "metricTable", tableQuery, 2
		default:
			caseID := p.pick(rng, false)
			if caseID == "" {
				continue
			}
			_ = timed(ctx, rec, "case", func() error { return c.do(ctx, caseQuery, map[string]any{"id": caseID}, nil) })
			continue
		}
		for range pages {
			var out map[string]page
			if err := timed(ctx, rec, op, func() error { return c.do(ctx, query, vars, &out) }); err != nil {
				break
			}
			pi := out[op].PageInfo
			if !pi.HasNextPage || !sleep(ctx, rng, cfg.Think/2) {
				break
			}
			vars["after"] = pi.EndCursor
		}
	}
}

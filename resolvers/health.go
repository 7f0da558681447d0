package resolvers

import (
	"context"
	"time"

	"github.com/aomas/aomas/graph/model"
	"github.com/aomas/aomas/internal/health"
)

func healthModel(rep health.Report) *model.Health {
	h := &model.Health{CheckedAt: rep.CheckedAt, Services: make([]*model.ServiceHealth, 0, len(rep.Results))}
	for _, res := range rep.Results {
		sh := &model.ServiceHealth{Name: res.Name, Ok: res.OK, LatencyMs: res.LatencyMs}
		if res.Error != "" {
			sh.Error = &res.Error
		}
		h.Services = append(h.Services, sh)
		switch res.Name {
		case health.Postgres:
			h.Postgres = res.OK
		case health.Redis:
			h.Redis = res.OK
		case health.ObjectStorage:
			h.ObjectStorage = res.OK
		}
	}
	return h
}

func (r *Resolver) minHealthInterval() time.Duration {
	if r.MinHealthInterval > 0 {
		return r.MinHealthInterval
	}
	return 500 * time.Millisecond
}

// streamHealth sends a report at once and then every interval until ctx ends; it closes ch.
func (r *Resolver) streamHealth(ctx context.Context, every time.Duration, ch chan<- *model.Health) {
	defer close(ch)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case ch <- healthModel(r.Checker.Check(ctx)):
		case <-ctx.Done():
			return
		}
		select {
		case <-t.C:
		case <-ctx.Done():
			return
		}
	}
}

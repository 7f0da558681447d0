package resolvers

import (
	"context"
	"time"

	"github.com/aomas/aomas/graph/model"
	"github.com/aomas/aomas/internal/auth"
	"github.com/aomas/aomas/internal/health"
)

// healthModel reports rep; a signed-out caller reads only a failure's summary, since the
// probe's own error may name internal addresses.
func healthModel(ctx context.Context, rep health.Report) *model.Health {
	_, signedIn := auth.PrincipalFrom(ctx)
	h := &model.Health{CheckedAt: rep.CheckedAt, Services: make([]*model.ServiceHealth, 0, len(rep.Results))}
	for _, res := range rep.Results {
		sh := &model.ServiceHealth{Name: res.Name, Ok: res.OK, LatencyMs: res.LatencyMs}
		msg := res.Summary
		if signedIn {
			msg = res.Error
		}
		if msg != "" {
			sh.Error = &msg
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

// streamHealth sends a report at once and then every interval until ctx ends; it closes
// ch. Reports are shared between callers, so one already sent is not sent again.
func (r *Resolver) streamHealth(ctx context.Context, every time.Duration, ch chan<- *model.Health) {
	defer close(ch)
	t := time.NewTicker(every)
	defer t.Stop()
	var last time.Time
	for {
		if rep := r.Checker.Check(ctx); rep.CheckedAt.After(last) {
			last = rep.CheckedAt
			select {
			case ch <- healthModel(ctx, rep):
			case <-ctx.Done():
				return
			}
		}
		select {
		case <-t.C:
		case <-ctx.Done():
			return
		}
	}
}

package jobs

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/aomas/aomas/db"
)

// Redis pub/sub channels.
const (
	progressChannelPrefix = "aomas:progress:"
	// RunsChannel carries the id of every run whose status or progress changed.
	RunsChannel = "aomas:runs"
)

// ProgressChannel is the Redis channel of a run's progress events (JSON db.RunProgress).
func ProgressChannel(runID int64) string {
	return progressChannelPrefix + strconv.FormatInt(runID, 10)
}

// Final reports whether a run status is final.
func Final(status string) bool {
	return status == db.StatusSucceeded || status == db.StatusFailed || status == db.StatusCanceled
}

// LastProgress returns the last progress stored for a run.
func (p *Pipeline) LastProgress(ctx context.Context, runID int64) (db.RunProgress, error) {
	return db.LastProgress(ctx, p.db, runID)
}

// SubscribeProgress streams a run's progress: first the stored state, then every newer
// event in order (by sequence number, older or repeated ones dropped), until the run
// reaches a final status (sent, then the channel closes) or ctx ends. The stored state is
// also polled after each quiet second, so an event lost with a Redis restart is made good.
func (p *Pipeline) SubscribeProgress(ctx context.Context, runID int64) (<-chan db.RunProgress, error) {
	ps := p.redis.Subscribe(ctx, ProgressChannel(runID))
	if _, err := ps.Receive(ctx); err != nil {
		_ = ps.Close()
		return nil, fmt.Errorf("subscribe to progress of run %d: %w", runID, err)
	}
	first, err := db.LastProgress(ctx, p.db, runID)
	if err != nil {
		_ = ps.Close()
		return nil, err
	}
	out := make(chan db.RunProgress, 16)
	go func() {
		defer close(out)
		defer func() { _ = ps.Close() }()
		var last int64
		// send delivers ev if it is newer and says whether to go on.
		send := func(ev db.RunProgress) bool {
			if ev.Seq <= last {
				return true
			}
			last = ev.Seq
			select {
			case out <- ev:
			case <-ctx.Done():
				return false
			}
			return !Final(ev.Status)
		}
		if !send(first) {
			return
		}
		msgs := ps.Channel()
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case m, ok := <-msgs:
				if !ok {
					return
				}
				// The poll only stands in for a quiet channel: polled while messages are
				// still queued, it would jump ahead and the queued events would be
				// dropped as older.
				tick.Reset(time.Second)
				var ev db.RunProgress
				if json.Unmarshal([]byte(m.Payload), &ev) == nil && !send(ev) {
					return
				}
			case <-tick.C:
				ev, err := db.LastProgress(ctx, p.db, runID)
				if err == nil && !send(ev) {
					return
				}
			}
		}
	}()
	return out, nil
}

// SubscribeRuns streams the ids of runs that changed until ctx ends.
func (p *Pipeline) SubscribeRuns(ctx context.Context) (<-chan int64, error) {
	ps := p.redis.Subscribe(ctx, RunsChannel)
	if _, err := ps.Receive(ctx); err != nil {
		_ = ps.Close()
		return nil, fmt.Errorf("subscribe to run changes: %w", err)
	}
	out := make(chan int64, 64)
	go func() {
		defer close(out)
		defer func() { _ = ps.Close() }()
		msgs := ps.Channel()
		for {
			select {
			case <-ctx.Done():
				return
			case m, ok := <-msgs:
				if !ok {
					return
				}
				id, err := strconv.ParseInt(m.Payload, 10, 64)
				if err != nil {
					continue
				}
				select {
				case out <- id:
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	return out, nil
}

// Run returns a run by id.
func (p *Pipeline) Run(ctx context.Context, id int64) (db.Run, error) {
	return db.PipelineRun(ctx, p.db, id, false)
}

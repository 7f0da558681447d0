package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// QueueStats is one queue as the asynq inspector sees it.
type QueueStats struct {
	Name      string
	Pending   int
	Active    int
	Scheduled int
	Retry     int
	Archived  int
	Completed int
	Processed int
	Failed    int
	Paused    bool
	// Latency is how long the oldest pending task has waited.
	Latency time.Duration
}

// Queues returns the state of every queue that holds or held tasks.
func (p *Pipeline) Queues(ctx context.Context) ([]QueueStats, error) {
	names, err := p.inspector.Queues()
	if err != nil {
		return nil, fmt.Errorf("list queues: %w", err)
	}
	slices.Sort(names)
	out := make([]QueueStats, 0, len(names))
	for _, q := range names {
		info, err := p.inspector.GetQueueInfo(q)
		if err != nil {
			return nil, fmt.Errorf("queue %s: %w", q, err)
		}
		out = append(out, QueueStats{Name: q, Pending: info.Pending, Active: info.Active, Scheduled: info.Scheduled,
			Retry: info.Retry, Archived: info.Archived, Completed: info.Completed, Processed: info.Processed,
			Failed: info.Failed, Paused: info.Paused, Latency: info.Latency})
	}
	return out, nil
}

// WorkerInfo describes a running worker process.
type WorkerInfo struct {
	ID   string `json:"id"`
	Host string `json:"host"`
	PID  int    `json:"pid"`
	// Device is where its models run (cpu or cuda); DeviceAsked what it was started with
	// (auto picks one).
	Device      string    `json:"device"`
	DeviceAsked string    `json:"device_asked,omitempty"`
	Queues      []string  `json:"queues"`
	Concurrency int       `json:"concurrency"`
	StartedAt   time.Time `json:"started_at"`
	// Tasks are the tasks it is processing now.
	Tasks []WorkerTask `json:"-"`
}

// WorkerTask is a task a worker is processing.
type WorkerTask struct {
	ID        string
	Type      string
	Queue     string
	StartedAt time.Time
	// RunID and Step are set for pipeline steps.
	RunID int64
	Step  string
}

// Workers returns the live workers with the tasks they are processing.
func (p *Pipeline) Workers(ctx context.Context) ([]WorkerInfo, error) {
	var out []WorkerInfo
	iter := p.redis.Scan(ctx, 0, workerKeyPrefix+"*", 100).Iterator()
	for iter.Next(ctx) {
		b, err := p.redis.Get(ctx, iter.Val()).Bytes()
		if errors.Is(err, redis.Nil) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("worker %s: %w", iter.Val(), err)
		}
		var w WorkerInfo
		if json.Unmarshal(b, &w) == nil {
			out = append(out, w)
		}
	}
	if err := iter.Err(); err != nil {
		return nil, fmt.Errorf("list workers: %w", err)
	}
	servers, err := p.inspector.Servers()
	if err != nil {
		return nil, fmt.Errorf("list asynq servers: %w", err)
	}
	for i := range out {
		for _, s := range servers {
			if s.Host != out[i].Host || s.PID != out[i].PID {
				continue
			}
			for _, a := range s.ActiveWorkers {
				wt := WorkerTask{ID: a.TaskID, Type: a.TaskType, Queue: a.Queue, StartedAt: a.Started}
				if strings.HasPrefix(a.TaskType, stepTypePrefix) {
					var pl StepPayload
					if json.Unmarshal(a.TaskPayload, &pl) == nil {
						wt.RunID, wt.Step = pl.RunID, pl.Step
					}
				}
				out[i].Tasks = append(out[i].Tasks, wt)
			}
		}
	}
	slices.SortFunc(out, func(a, b WorkerInfo) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

package main

import (
	"fmt"
	"log/slog"

	"github.com/hibiken/asynq"

	"github.com/aomas/aomas/jobs"
)

// apiPipeline returns the pipeline the API starts and steers runs with, and a function
// that releases its queue connections.
func apiPipeline(c *config, d *deps, logger *slog.Logger) (*jobs.Pipeline, func(), error) {
	opt, err := asynq.ParseRedisURI(c.RedisURL)
	if err != nil {
		return nil, nil, fmt.Errorf("redis url: %w", err)
	}
	client := asynq.NewClient(opt)
	insp := asynq.NewInspector(opt)
	p := jobs.NewPipeline(jobs.Deps{DB: d.db, Queue: client, Redis: d.redis, Inspector: insp,
		Logger: logger.With("component", "pipeline")})
	return p, func() { _ = client.Close(); _ = insp.Close() }, nil
}

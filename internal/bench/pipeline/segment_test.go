package pipeline_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/aomas/aomas/db"
	"github.com/aomas/aomas/inference"
	"github.com/aomas/aomas/internal/models"
	"github.com/aomas/aomas/internal/testenv"
	"github.com/aomas/aomas/jobs"
	"github.com/aomas/aomas/jobs/worker"
)

// BenchmarkSegmentStep512 is the latency of the segment step (cones and capillaries) on a
// 512×512 image on one worker (concurrency 1, ONNX Runtime on the CPU): the shipped models
// with test-time augmentation (8 flips and rotations, for the uncertainty), without it, and
// the classical detectors, in the same run. The figure is the step's own time as its run
// records it (claim to completion), not the run's.
func BenchmarkSegmentStep512(b *testing.B) {
	lib := os.Getenv("AOMAS_ORT_LIB")
	if lib == "" {
		b.Fatal("AOMAS_ORT_LIB must name the ONNX Runtime library (make bench sets it)")
	}
	dev, err := inference.Init(lib, inference.CPU)
	if err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct {
		name, params string
		noTTA        bool
	}{
		{"detector=model/tta", `{"eccentricityDeg": 3}`, false},
		{"detector=model/no-tta", `{"eccentricityDeg": 3}`, true},
		{"detector=classical", `{"eccentricityDeg": 3, "detector": "classical"}`, false},
	} {
		b.Run(tc.name, func(b *testing.B) {
			conn := testenv.Postgres(b)
			store := testenv.Store(b)
			rdb, url := testenv.Redis(b)
			opt, err := asynq.ParseRedisURI(url)
			if err != nil {
				b.Fatal(err)
			}
			client, insp := asynq.NewClient(opt), asynq.NewInspector(opt)
			b.Cleanup(func() { _ = client.Close(); _ = insp.Close() })
			logger := slog.New(slog.NewTextHandler(io.Discard, nil))
			ctx := context.Background()
			if _, err := jobs.RegisterShipped(ctx, conn, store, models.Shipped, logger); err != nil {
				b.Fatal(err)
			}
			pool := inference.NewPool(b.TempDir(), 1)
			b.Cleanup(pool.Close)
			d := worker.Deps{DB: conn, Objects: store, Queue: client, Redis: rdb, Inspector: insp, Logger: logger, WorkerID: "bench",
				Models: &worker.Models{Pool: pool, Device: string(dev), NoTTA: tc.noTTA}}
			server(b, opt, workerPoll, 1, worker.NewServeMux(d))
			pipe := jobs.NewPipeline(jobs.Deps{DB: conn, Queue: client, Redis: rdb, Inspector: insp, Logger: logger})
			vol := testenv.PhantomVolume(b, conn, store, 1, 512, 1)
			// One run first loads the models (weights from MinIO, sessions): not measured.
			lat := make([]time.Duration, 0, b.N)
			for i := range b.N + 1 {
				run, err := pipe.StartRun(ctx, jobs.StartRunInput{VolumeID: vol, Params: tc.params})
				if err != nil {
					b.Fatal(err)
				}
				for {
					r, err := db.PipelineRun(ctx, conn, run.ID, false)
					if err != nil {
						b.Fatal(err)
					}
					if jobs.Final(r.Status) {
						if r.Status != db.StatusSucceeded {
							b.Fatalf("run %d %s", r.ID, r.Status)
						}
						break
					}
					time.Sleep(5 * time.Millisecond)
				}
				var took time.Duration
				if err := conn.Get(&took, `SELECT (extract(epoch FROM finished_at - started_at) * 1e9)::bigint FROM run_steps
					WHERE run_id = $1 AND name = 'segment'`, run.ID); err != nil {
					b.Fatal(err)
				}
				if i > 0 {
					lat = append(lat, took)
				}
			}
			b.ReportMetric(ms(percentile(lat, 0.5)), "p50-ms")
			b.ReportMetric(ms(percentile(lat, 0.99)), "p99-ms")
		})
	}
}

package jobs_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aomas/aomas/db"
	"github.com/aomas/aomas/jobs"
)

func TestRunStatusOf(t *testing.T) {
	steps := func(statuses ...string) []db.RunStep {
		out := make([]db.RunStep, len(statuses))
		for i, s := range statuses {
			out[i].Status = s
		}
		return out
	}
	for _, tc := range []struct {
		name  string
		steps []db.RunStep
		want  string
	}{
		{"new", steps("QUEUED", "PENDING", "PENDING"), "QUEUED"},
		{"first running", steps("RUNNING", "PENDING"), "RUNNING"},
		{"between steps", steps("SUCCEEDED", "QUEUED"), "RUNNING"},
		{"all done", steps("SUCCEEDED", "SUCCEEDED"), "SUCCEEDED"},
		{"failed", steps("SUCCEEDED", "FAILED", "PENDING"), "FAILED"},
		{"canceled", steps("SUCCEEDED", "CANCELED", "CANCELED"), "CANCELED"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, jobs.RunStatusOf(tc.steps))
		})
	}
}

// TestStartRunRefusals checks what StartRun turns away before anything is queued.
func TestStartRunRefusals(t *testing.T) {
	ctx := context.Background()
	e := newPipelineEnv(t)
	vol := newVolume(t, e.conn, e.store, 3, 32, 1)
	for _, tc := range []struct {
		name string
		in   jobs.StartRunInput
		want string
	}{
		{"priority", jobs.StartRunInput{VolumeID: vol, Priority: "urgent"}, "neither interactive nor batch"},
		{"params", jobs.StartRunInput{VolumeID: vol, Params: `{"umPerPx": "big"}`}, "params"},
		{"modality", jobs.StartRunInput{VolumeID: vol, Params: `{"modality": "oct"}`}, "modality"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.pipe.StartRun(ctx, tc.in)
			require.ErrorIs(t, err, jobs.ErrInvalidRun)
			require.Contains(t, err.Error(), tc.want)
		})
	}
	_, err := e.pipe.StartRun(ctx, jobs.StartRunInput{VolumeID: vol + 100})
	require.ErrorIs(t, err, db.ErrNotFound)
	_, err = e.conn.Exec(`UPDATE volumes SET status = 'REJECTED' WHERE id = $1`, vol)
	require.NoError(t, err)
	_, err = e.pipe.StartRun(ctx, jobs.StartRunInput{VolumeID: vol})
	require.ErrorIs(t, err, jobs.ErrInvalidRun)
	var n int
	require.NoError(t, e.conn.Get(&n, `SELECT count(*) FROM runs`))
	require.Zero(t, n)
}

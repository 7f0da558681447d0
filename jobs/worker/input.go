package worker

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/hibiken/asynq"

	"github.com/aomas/aomas/ingest"
	"github.com/aomas/aomas/jobs"
)

// parseInput reads the run's volume again, with what ingest recorded of it (sidecar, kind),
// and parses it, reporting progress done first. It returns the validate step's output too.
func parseInput(ctx context.Context, sc *stepContext, done float64) (validateOutput, *ingest.Result, error) {
	var in validateOutput
	if err := sc.input(jobs.StepValidate, &in); err != nil {
		return in, nil, err
	}
	raw, err := sc.get(ctx, in.VolumeKey)
	if err != nil {
		return in, nil, err
	}
	var opts ingest.Options
	if opts.Sidecar, opts.VolumeKind, err = readAgain(ctx, sc, in.VolumeID, in.SourceFormat); err != nil {
		return in, nil, err
	}
	if err := sc.report(ctx, done, "decoding"); err != nil {
		return in, nil, err
	}
	res, err := ingest.Parse(bytes.NewReader(raw), int64(len(raw)), in.Filename, opts)
	if err != nil {
		return in, nil, decodeError(in.VolumeID, err)
	}
	return in, res, nil
}

// decodeError wraps a failure to decode a volume; a rejection of the file is permanent, so
// the step is not retried.
func decodeError(volumeID int64, err error) error {
	var rej *ingest.RejectError
	if errors.As(err, &rej) {
		return fmt.Errorf("decode volume %d: %w: %w", volumeID, err, asynq.SkipRetry)
	}
	return fmt.Errorf("decode volume %d: %w", volumeID, err)
}

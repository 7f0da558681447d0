package worker

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"

	"github.com/hibiken/asynq"

	"github.com/aomas/aomas/db"
	"github.com/aomas/aomas/storage"
)

// validateOutput is what validate found: the stored volume.
type validateOutput struct {
	VolumeID     int64  `json:"volume_id"`
	VolumeKey    string `json:"volume_key"`
	SHA256       string `json:"sha256"`
	SizeBytes    int64  `json:"size_bytes"`
	SourceFormat string `json:"source_format"`
	Filename     string `json:"filename"`
}

// validateStep re-reads the stored volume and checks that it is READY and that its bytes
// still hash to the recorded SHA-256.
func validateStep(ctx context.Context, sc *stepContext) (*stepResult, error) {
	v, err := db.VolumeByIDForRun(ctx, sc.rt.db, sc.run.VolumeID)
	if errors.Is(err, db.ErrNotFound) {
		return nil, fmt.Errorf("%w: %w", err, asynq.SkipRetry)
	}
	if err != nil {
		return nil, err
	}
	if v.Status != "READY" || v.ObjectKey == nil || v.SHA256 == nil {
		return nil, fmt.Errorf("volume %d is %s, not READY: %w", v.ID, v.Status, asynq.SkipRetry)
	}
	if err := sc.report(ctx, 0.1, "hashing the stored volume"); err != nil {
		return nil, err
	}
	r, err := sc.rt.store.Get(ctx, *v.ObjectKey)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, fmt.Errorf("volume %d: %w: %w", v.ID, err, asynq.SkipRetry)
	}
	if err != nil {
		return nil, err
	}
	h := sha256.New()
	n, err := io.Copy(h, r)
	_ = r.Close()
	if err != nil {
		return nil, fmt.Errorf("read volume %d: %w", v.ID, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != *v.SHA256 {
		return nil, fmt.Errorf("volume %d: stored bytes hash to %s, recorded %s: %w", v.ID, got, *v.SHA256, asynq.SkipRetry)
	}
	return &stepResult{output: validateOutput{VolumeID: v.ID, VolumeKey: *v.ObjectKey, SHA256: *v.SHA256, SizeBytes: n,
		SourceFormat: v.SourceFormat, Filename: v.Filename}}, nil
}

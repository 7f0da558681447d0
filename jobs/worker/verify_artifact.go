package worker

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/hibiken/asynq"

	"github.com/aomas/aomas/db"
	"github.com/aomas/aomas/jobs"
	"github.com/aomas/aomas/storage"
)

// ErrDigestMismatch reports a stored object whose bytes no longer match their record.
var ErrDigestMismatch = errors.New("stored object does not match its recorded SHA-256")

type verifyArtifact struct{ d Deps }

// ProcessTask hashes the object as it streams from storage. A missing record or object, or a
// mismatch, is permanent; anything else (storage unreachable) is retried with backoff.
func (h *verifyArtifact) ProcessTask(ctx context.Context, t *asynq.Task) error {
	var p jobs.VerifyArtifactPayload
	if err := json.Unmarshal(t.Payload(), &p); err != nil {
		return fmt.Errorf("verify artifact payload: %w: %w", err, asynq.SkipRetry)
	}
	rec, err := db.ArtifactByKey(ctx, h.d.DB, p.ObjectKey)
	if errors.Is(err, db.ErrNotFound) {
		return fmt.Errorf("verify %s: %w: %w", p.ObjectKey, err, asynq.SkipRetry)
	}
	if err != nil {
		return err
	}
	r, err := h.d.Objects.Get(ctx, p.ObjectKey)
	if errors.Is(err, storage.ErrNotFound) {
		return fmt.Errorf("verify %s: %w: %w", p.ObjectKey, err, asynq.SkipRetry)
	}
	if err != nil {
		return err
	}
	defer func() { _ = r.Close() }()
	sum := sha256.New()
	if _, err := io.Copy(sum, r); err != nil {
		return fmt.Errorf("verify %s: read: %w", p.ObjectKey, err)
	}
	res := jobs.VerifyArtifactResult{ObjectKey: p.ObjectKey, Recorded: rec.SHA256, Actual: hex.EncodeToString(sum.Sum(nil))}
	res.OK = res.Recorded == res.Actual
	if b, err := json.Marshal(res); err == nil && t.ResultWriter() != nil {
		_, _ = t.ResultWriter().Write(b)
	}
	if !res.OK {
		return fmt.Errorf("verify %s: %w (recorded %s, actual %s): %w", p.ObjectKey, ErrDigestMismatch, res.Recorded, res.Actual, asynq.SkipRetry)
	}
	return nil
}

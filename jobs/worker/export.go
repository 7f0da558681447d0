package worker

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/hibiken/asynq"

	"github.com/aomas/aomas/internal/export"
	"github.com/aomas/aomas/jobs"
)

// exportHandler writes an export (jobs.TypeExport).
type exportHandler struct{ s *export.Service }

func (h *exportHandler) ProcessTask(ctx context.Context, t *asynq.Task) error {
	var p jobs.ExportPayload
	if err := json.Unmarshal(t.Payload(), &p); err != nil {
		return fmt.Errorf("export payload: %w: %w", err, asynq.SkipRetry)
	}
	return h.s.Run(ctx, p.ExportID)
}

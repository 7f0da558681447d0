package jobs

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jmoiron/sqlx"

	"github.com/aomas/aomas/imaging"
)

// volumeKind reads the kind the volume recorded at upload (volumes.volume_kind), or ""
// where the schema has no such column yet or the volume does not know it.
func volumeKind(ctx context.Context, q sqlx.QueryerContext, volumeID int64) (string, error) {
	var has bool
	if err := sqlx.GetContext(ctx, q, &has, `SELECT EXISTS (SELECT 1 FROM information_schema.columns
		WHERE table_schema = current_schema() AND table_name = 'volumes' AND column_name = 'volume_kind')`); err != nil {
		return "", fmt.Errorf("volume kind column: %w", err)
	}
	if !has {
		return "", nil
	}
	var kind *string
	if err := sqlx.GetContext(ctx, q, &kind, `SELECT volume_kind FROM volumes WHERE id = $1`, volumeID); err != nil {
		return "", fmt.Errorf("volume %d kind: %w", volumeID, err)
	}
	if kind == nil {
		return "", nil
	}
	return *kind, nil
}

// recordKind returns the run's params, for an OCT volume with the kind and the slab
// definitions filled in, so the run records what it was processed with. A kind the
// volume records wins over one the caller states, unless they agree; a volume that records
// none takes the caller's (default FRAME_STACK).
func recordKind(params string, rp RunParams, volKind string) (string, error) {
	kind := rp.VolumeKind
	if volKind != "" {
		if kind != "" && kind != volKind {
			return "", fmt.Errorf("%w: params: volumeKind %s, but the volume is %s", ErrInvalidRun, kind, volKind)
		}
		kind = volKind
	}
	if kind == "" || kind == KindFrameStack {
		// A frame stack's params stay as given.
		return params, nil
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(params), &doc); err != nil || doc == nil {
		doc = map[string]any{}
	}
	doc["volumeKind"] = kind
	if len(rp.Slabs) == 0 {
		doc["slabs"] = imaging.DefaultSlabs()
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return "", fmt.Errorf("record params: %w", err)
	}
	return string(b), nil
}

// kindOf reads the recorded kind back from a run's params.
func kindOf(params string) string {
	rp, err := ParseParams(params)
	if err != nil || rp.VolumeKind == "" {
		return KindFrameStack
	}
	return rp.VolumeKind
}

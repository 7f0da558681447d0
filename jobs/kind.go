package jobs

import (
	"encoding/json"
	"fmt"

	"github.com/aomas/aomas/db"
	"github.com/aomas/aomas/imaging"
	"github.com/aomas/aomas/ingest"
)

// volumeKind is the kind the volume recorded at upload, or "" where nobody stated one (the
// FRAME_STACK default), so that a run may state it.
func volumeKind(v db.Volume) string {
	if v.VolumeKindSource == ingest.KindSourceDefault {
		return ""
	}
	return v.VolumeKind
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

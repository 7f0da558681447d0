package intake

import (
	"context"
	"errors"
	"fmt"

	"github.com/aomas/aomas/db"
	"github.com/aomas/aomas/ingest"
	"github.com/aomas/aomas/storage"
)

// ErrNotReady reports a volume whose voxels are not there to decode (rejected, or still
// being received).
var ErrNotReady = errors.New("the volume is not READY")

// Planes reads a READY volume's planes from its stored file one at a time (Plane), with
// ranged reads: nothing holds the whole file or the whole decoded volume.
type Planes struct {
	*ingest.Result
	obj storage.ReadAtCloser
}

// Close releases the stored file.
func (p *Planes) Close() error { return p.obj.Close() }

// OpenPlanes opens v's stored file and reads its header under limits (the same limits
// ingest applied; the sidecar of a raw volume is rebuilt from the record).
func OpenPlanes(ctx context.Context, store *storage.Store, v db.Volume, limits ingest.Options) (*Planes, error) {
	if v.Status != "READY" || v.ObjectKey == nil {
		return nil, fmt.Errorf("volume %d is %s: %w", v.ID, v.Status, ErrNotReady)
	}
	obj, size, err := store.Open(ctx, *v.ObjectKey)
	if err != nil {
		return nil, err
	}
	opts := limits
	opts.Sidecar, opts.VolumeKind = nil, v.StatedKind()
	if v.SourceFormat == ingest.FormatRaw {
		opts.Sidecar, err = ingest.RecordedSidecar([3]int{v.DimZ, v.DimY, v.DimX}, v.DataType,
			[3]*float64{v.SpacingXUm, v.SpacingYUm, v.SpacingZUm}, v.Axes())
		if err != nil {
			_ = obj.Close()
			return nil, fmt.Errorf("sidecar of volume %d: %w", v.ID, err)
		}
	}
	res, err := ingest.Parse(obj, size, v.Filename, opts)
	if err != nil {
		_ = obj.Close()
		return nil, err
	}
	return &Planes{Result: res, obj: obj}, nil
}

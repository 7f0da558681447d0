package intake

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/aomas/aomas/db"
	"github.com/aomas/aomas/imaging"
	"github.com/aomas/aomas/ingest"
	"github.com/aomas/aomas/storage"
)

// ErrNotReady reports a volume whose voxels are not there to decode (rejected, or still
// being received).
var ErrNotReady = errors.New("the volume is not READY")

// Decode reads a READY volume's stored file and decodes its voxels.
func Decode(ctx context.Context, store *storage.Store, v db.Volume) (*imaging.Volume, error) {
	if v.Status != "READY" || v.ObjectKey == nil {
		return nil, fmt.Errorf("volume %d is %s: %w", v.ID, v.Status, ErrNotReady)
	}
	r, err := store.Get(ctx, *v.ObjectKey)
	if err != nil {
		return nil, err
	}
	defer func() { _ = r.Close() }()
	raw, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read volume %d: %w", v.ID, err)
	}
	var opts ingest.Options
	if v.SourceFormat == ingest.FormatRaw {
		opts.Sidecar, err = ingest.RecordedSidecar([3]int{v.DimZ, v.DimY, v.DimX}, v.DataType,
			[3]*float64{v.SpacingXUm, v.SpacingYUm, v.SpacingZUm})
		if err != nil {
			return nil, fmt.Errorf("sidecar of volume %d: %w", v.ID, err)
		}
	}
	res, err := ingest.Parse(bytes.NewReader(raw), int64(len(raw)), v.Filename, opts)
	if err != nil {
		return nil, err
	}
	return res.Volume()
}

package intake

import (
	"bytes"
	"context"
	"encoding/json"
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

// Sidecar rebuilds a raw volume's sidecar from what ingest recorded of it at upload.
func Sidecar(v db.Volume) ([]byte, error) {
	side := ingest.Sidecar{Dims: []int64{int64(v.DimZ), int64(v.DimY), int64(v.DimX)}, DType: v.DataType}
	if v.SpacingXUm != nil && v.SpacingYUm != nil {
		side.SpacingUm = []float64{*v.SpacingXUm, *v.SpacingYUm, 0}
		if v.SpacingZUm != nil {
			side.SpacingUm[2] = *v.SpacingZUm
		}
	}
	b, err := json.Marshal(side)
	if err != nil {
		return nil, fmt.Errorf("sidecar of volume %d: %w", v.ID, err)
	}
	return b, nil
}

// Decode reads a READY volume's stored file and decodes its voxels.
func Decode(ctx context.Context, store *storage.Store, v db.Volume) (*imaging.Volume, error) {
	if v.Status != "READY" || v.ObjectKey == nil {
		return nil, fmt.Errorf("volume %d is %s: %w", v.ID, v.Status, ErrNotReady)
	}
	r, err := store.Get(ctx, *v.ObjectKey)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	raw, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read volume %d: %w", v.ID, err)
	}
	var opts ingest.Options
	if v.SourceFormat == ingest.FormatRaw {
		if opts.Sidecar, err = Sidecar(v); err != nil {
			return nil, err
		}
	}
	res, err := ingest.Parse(bytes.NewReader(raw), int64(len(raw)), v.Filename, opts)
	if err != nil {
		return nil, err
	}
	return res.Volume()
}

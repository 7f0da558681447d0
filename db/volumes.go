package db

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// InsertVolume stores v (its ID and times are assigned) and returns the stored row.
func InsertVolume(ctx context.Context, q sqlx.ExtContext, v Volume) (Volume, error) {
	var out Volume
	err := sqlx.GetContext(ctx, q, &out, `
		INSERT INTO volumes (case_id, modality, dim_z, dim_y, dim_x, spacing_x_um, spacing_y_um, spacing_z_um,
			dtype, size_bytes, sha256, ingest_key, source_format, object_key, filename, status, error_code, error, pixel_size_source,
			volume_kind, volume_kind_source, raw_axes)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)
		RETURNING *`,
		v.CaseID, v.Modality, v.DimZ, v.DimY, v.DimX, v.SpacingXUm, v.SpacingYUm, v.SpacingZUm,
		v.DataType, v.SizeBytes, v.SHA256, v.IngestKey, v.SourceFormat, v.ObjectKey, v.Filename, v.Status, v.ErrorCode, v.Error,
		pixelSizeSource(v.PixelSizeSource), orDefault(v.VolumeKind, VolumeKindFrameStack), orDefault(v.VolumeKindSource, VolumeKindSourceDefault),
		v.RawAxes)
	if err != nil {
		return Volume{}, fmt.Errorf("insert volume: %w", err)
	}
	return out, nil
}

// ReadyVolumeByIngestKey returns the READY volume of case caseID read from the same bytes
// with the same inputs. It never looks outside the case.
func ReadyVolumeByIngestKey(ctx context.Context, q sqlx.QueryerContext, caseID int64, key string) (Volume, error) {
	var v Volume
	err := sqlx.GetContext(ctx, q, &v, `SELECT * FROM volumes WHERE case_id = $1 AND ingest_key = $2 AND status = 'READY'`, caseID, key)
	if err != nil {
		if isNoRows(err) {
			return v, fmt.Errorf("volume of case %d with ingest key %s: %w", caseID, key, ErrNotFound)
		}
		return v, fmt.Errorf("volume by ingest key: %w", err)
	}
	return v, nil
}

// VolumeUpload is a ticket for a two-step upload.
type VolumeUpload struct {
	ID        string   `db:"id"`
	CaseID    int64    `db:"case_id"`
	Filename  string   `db:"filename"`
	SizeBytes int64    `db:"size_bytes"`
	ObjectKey string   `db:"object_key"`
	UmPerPx   *float64 `db:"um_per_px"`
	Modality  *string  `db:"modality"`
	// VolumeKind is the kind stated with the ticket (FRAME_STACK or OCT_VOLUME), nil for none.
	VolumeKind *string   `db:"volume_kind"`
	Sidecar    *string   `db:"sidecar"`
	ExpiresAt  time.Time `db:"expires_at"`
	VolumeID   *int64    `db:"volume_id"`
	CreatedAt  time.Time `db:"created_at"`
	// UserID is the account that asked for the ticket; only it may complete the upload.
	UserID *int64 `db:"user_id"`
}

// InsertVolumeUpload records a ticket.
func InsertVolumeUpload(ctx context.Context, q sqlx.ExecerContext, u VolumeUpload) error {
	_, err := q.ExecContext(ctx, `
		INSERT INTO volume_uploads (id, case_id, filename, size_bytes, object_key, um_per_px, modality, sidecar, expires_at, user_id, volume_kind)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		u.ID, u.CaseID, u.Filename, u.SizeBytes, u.ObjectKey, u.UmPerPx, u.Modality, u.Sidecar, u.ExpiresAt, u.UserID, u.VolumeKind)
	if err != nil {
		return fmt.Errorf("insert upload ticket: %w", err)
	}
	return nil
}

// VolumeUploadByID returns a ticket.
func VolumeUploadByID(ctx context.Context, q sqlx.QueryerContext, id string) (VolumeUpload, error) {
	var u VolumeUpload
	if err := sqlx.GetContext(ctx, q, &u, `SELECT * FROM volume_uploads WHERE id = $1`, id); err != nil {
		if isNoRows(err) {
			return u, fmt.Errorf("upload %s: %w", id, ErrNotFound)
		}
		return u, fmt.Errorf("upload %s: %w", id, err)
	}
	return u, nil
}

// CompleteVolumeUpload ties a ticket to the volume it produced.
func CompleteVolumeUpload(ctx context.Context, q sqlx.ExecerContext, id string, volumeID int64) error {
	if _, err := q.ExecContext(ctx, `UPDATE volume_uploads SET volume_id = $2 WHERE id = $1`, id, volumeID); err != nil {
		return fmt.Errorf("complete upload %s: %w", id, err)
	}
	return nil
}

// Volume kinds and their sources as stored (volumes.volume_kind, volume_kind_source); the
// meanings are ingest's (ingest.KindFrameStack …).
const (
	VolumeKindFrameStack    = "FRAME_STACK"
	VolumeKindOCT           = "OCT_VOLUME"
	VolumeKindSourceDefault = "DEFAULT"
)

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func pixelSizeSource(s string) string {
	if s == "" {
		return PixelSizeNone
	}
	return s
}

// VolumeCalibration is a volume's in-plane pixel size and where it came from.
type VolumeCalibration struct {
	UmPerPx       *float64
	Source        string
	AxialLengthMM *float64
	ScanFOVDeg    *float64
	ScanFOVPx     *int
}

// SetVolumeCalibration records a volume's pixel size (square pixels) and its source, and
// returns the updated row.
func SetVolumeCalibration(ctx context.Context, q sqlx.QueryerContext, id int64, c VolumeCalibration) (Volume, error) {
	var v Volume
	err := sqlx.GetContext(ctx, q, &v, `UPDATE volumes SET spacing_x_um = $2, spacing_y_um = $2, pixel_size_source = $3,
			axial_length_mm = $4, scan_fov_deg = $5, scan_fov_px = $6, updated_at = now()
		WHERE id = $1 RETURNING *`, id, c.UmPerPx, pixelSizeSource(c.Source), c.AxialLengthMM, c.ScanFOVDeg, c.ScanFOVPx)
	if err != nil {
		if isNoRows(err) {
			return Volume{}, fmt.Errorf("volume %d: %w", id, ErrNotFound)
		}
		return Volume{}, fmt.Errorf("set calibration of volume %d: %w", id, err)
	}
	return v, nil
}

// LatestMeasuredRun returns the volume's most recent SUCCEEDED run, locked for update;
// ErrNotFound when it has none.
func LatestMeasuredRun(ctx context.Context, q sqlx.QueryerContext, volumeID int64) (Run, error) {
	var r Run
	err := sqlx.GetContext(ctx, q, &r, `SELECT `+runColumns+` FROM runs
		WHERE volume_id = $1 AND status = 'SUCCEEDED' ORDER BY id DESC LIMIT 1 FOR UPDATE`, volumeID)
	if err != nil {
		if isNoRows(err) {
			return Run{}, fmt.Errorf("measured run of volume %d: %w", volumeID, ErrNotFound)
		}
		return Run{}, fmt.Errorf("measured run of volume %d: %w", volumeID, err)
	}
	return r, nil
}

// StoredObjectBySHA returns the object key some volume keeps bytes of digest sha256 under,
// so that the same bytes uploaded again are stored once; ErrNotFound when none does.
func StoredObjectBySHA(ctx context.Context, q sqlx.QueryerContext, sha256 string) (string, error) {
	var key string
	err := sqlx.GetContext(ctx, q, &key, `SELECT object_key FROM volumes WHERE sha256 = $1 AND object_key IS NOT NULL ORDER BY id LIMIT 1`, sha256)
	if isNoRows(err) {
		return "", fmt.Errorf("object of %s: %w", sha256, ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("object of %s: %w", sha256, err)
	}
	return key, nil
}

// Package intake turns uploaded bytes into volumes: it hashes them, reads them with ingest,
// keeps them in object storage under their SHA-256 and records the volume (READY or
// REJECTED with the reason) in PostgreSQL. The GraphQL upload mutations and the drop
// folder share it. A repeated upload returns the earlier volume only within one case and
// for the same inputs; nothing outside the case is ever looked at, so an upload tells
// nothing about files elsewhere.
package intake

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"github.com/aomas/aomas/db"
	"github.com/aomas/aomas/ingest"
	"github.com/aomas/aomas/storage"
)

// Service ingests files into volumes.
type Service struct {
	DB         db.DB
	Store      *storage.Store
	SubjectKey []byte
	// MaxBytes refuses larger files (recorded as REJECTED, TOO_LARGE).
	MaxBytes int64
	// TempDir holds spooled uploads while they are read.
	TempDir string
	// Limits bound what a file may decode to (MaxVoxels, MaxDecodedBytes, MaxPlaneVoxels,
	// MaxCompressionRatio); zero fields take ingest's defaults. MaxBytes and Sidecar are
	// set per file.
	Limits ingest.Options
}

// Input says where a file goes and what the caller knows about it.
type Input struct {
	CaseID   int64
	Filename string
	UmPerPx  *float64
	Modality string
	Sidecar  []byte
	// VolumeKind is the kind the uploader states (ingest.KindFrameStack or
	// ingest.KindOCTVolume), "" for none.
	VolumeKind string
}

// Outcome is what became of a file.
type Outcome struct {
	Volume db.Volume
	// Duplicate is true when the same bytes were ingested into the same case with the same
	// inputs before, and that volume is READY; Volume is that volume.
	Duplicate bool
	// Reject says why the volume is REJECTED; nil when it is READY.
	Reject *ingest.RejectError
}

// VolumeKey is where a volume's bytes live: content addressed, so a retried upload
// writes the same object.
func VolumeKey(sha string) string { return "volumes/" + sha[:2] + "/" + sha }

// IngestReader spools r to a temporary file (never holding it in memory), then ingests it.
func (s *Service) IngestReader(ctx context.Context, r io.Reader, in Input) (Outcome, error) {
	if err := os.MkdirAll(s.TempDir, 0o750); err != nil {
		return Outcome{}, fmt.Errorf("temp dir: %w", err)
	}
	f, err := os.CreateTemp(s.TempDir, "upload-*")
	if err != nil {
		return Outcome{}, fmt.Errorf("spool upload: %w", err)
	}
	defer func() { _ = os.Remove(f.Name()) }()
	defer func() { _ = f.Close() }()
	// Read one byte past the limit so that an oversized file is known as such without
	// storing all of it.
	n, err := io.Copy(f, io.LimitReader(r, s.maxBytes()+1))
	if err != nil {
		return Outcome{}, fmt.Errorf("spool upload: %w", err)
	}
	return s.IngestFile(ctx, f, n, in)
}

// IngestFile ingests the size bytes of f.
func (s *Service) IngestFile(ctx context.Context, f io.ReaderAt, size int64, in Input) (Outcome, error) {
	switch {
	case size == 0:
		return s.refuse(ctx, in, size, &ingest.RejectError{Code: ingest.CodeEmpty, Reason: "the file is empty"})
	case size > s.maxBytes():
		return s.refuse(ctx, in, size, &ingest.RejectError{Code: ingest.CodeTooLarge,
			Reason: fmt.Sprintf("the file is over the upload limit of %d bytes", s.maxBytes())})
	}
	h := sha256.New()
	if _, err := io.Copy(h, io.NewSectionReader(f, 0, size)); err != nil {
		return Outcome{}, fmt.Errorf("hash upload: %w", err)
	}
	sha := hex.EncodeToString(h.Sum(nil))
	ik := ingestKey(sha, in)
	if v, err := db.ReadyVolumeByIngestKey(ctx, s.DB, in.CaseID, ik); err == nil {
		return Outcome{Volume: v, Duplicate: true}, nil
	} else if !errors.Is(err, db.ErrNotFound) {
		return Outcome{}, err
	}

	opts := s.Limits
	opts.MaxBytes, opts.Sidecar, opts.VolumeKind = s.maxBytes(), in.Sidecar, in.VolumeKind
	res, perr := ingest.Parse(f, size, in.Filename, opts)
	var rej *ingest.RejectError
	if perr != nil && !errors.As(perr, &rej) {
		return Outcome{}, fmt.Errorf("read upload: %w", perr)
	}
	key := VolumeKey(sha)
	obj, err := s.Store.PutReaderAt(ctx, key, f, size, sha, "application/octet-stream")
	if err != nil {
		return Outcome{}, err
	}
	return s.record(ctx, in, res, rej, stored{key: key, size: size, sha: sha, ingestKey: ik, contentType: obj.ContentType})
}

// stored is the object an upload's bytes are kept in, and what identifies them.
type stored struct {
	key, sha, ingestKey, contentType string
	size                             int64
}

// record inserts the volume a parsed upload makes (with its subject's identity when the
// file carries one and the case has none) and the artifact of its bytes, in one
// transaction. A concurrent upload of the same volume into the case wins: its volume is
// returned as a duplicate.
func (s *Service) record(ctx context.Context, in Input, res *ingest.Result, rej *ingest.RejectError, o stored) (Outcome, error) {
	v := volumeRow(in, res, o.size)
	v.SHA256, v.ObjectKey, v.IngestKey = &o.sha, &o.key, &o.ingestKey
	setReject(&v, rej)
	err := db.InTx(ctx, s.DB, func(tx *sqlx.Tx) error {
		c, err := db.CaseByID(ctx, tx, in.CaseID)
		if err != nil {
			return err
		}
		if id := res.Subject.PatientID; id != "" {
			if err := db.SetIdentityIfMissing(ctx, tx, c.SubjectID, id, res.Subject.PatientName, res.Subject.Sex, dicomDate(res.Subject.BirthDate)); err != nil {
				return err
			}
		}
		if v, err = db.InsertVolume(ctx, tx, v); err != nil {
			return err
		}
		_, err = db.RecordArtifact(ctx, tx, db.Artifact{ObjectKey: o.key, SizeBytes: o.size, SHA256: o.sha, ContentType: o.contentType, Kind: "volume"})
		return err
	})
	if db.IsUniqueViolation(err) {
		// Another request stored the same volume in this case between our check and our insert.
		if existing, err2 := db.ReadyVolumeByIngestKey(ctx, s.DB, in.CaseID, o.ingestKey); err2 == nil {
			return Outcome{Volume: existing, Duplicate: true}, nil
		}
	}
	if err != nil {
		return Outcome{}, err
	}
	return Outcome{Volume: v, Reject: rej}, nil
}

// ingestKey fingerprints the bytes (by their SHA-256) with every input that changes what is
// read from them or recorded about them, so that another sidecar, pixel size or modality
// makes another volume.
func ingestKey(sha string, in Input) string {
	b, _ := json.Marshal(struct {
		SHA256   string   `json:"sha256"`
		UmPerPx  *float64 `json:"um_per_px"`
		Modality string   `json:"modality"`
		Sidecar  []byte   `json:"sidecar"`
		Kind     string   `json:"volume_kind,omitempty"`
	}{sha, in.UmPerPx, in.Modality, in.Sidecar, in.VolumeKind})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// refuse records a file that was refused before any of its bytes were kept.
func (s *Service) refuse(ctx context.Context, in Input, size int64, rej *ingest.RejectError) (Outcome, error) {
	if _, err := db.CaseByID(ctx, s.DB, in.CaseID); err != nil {
		return Outcome{}, err
	}
	v := volumeRow(in, &ingest.Result{}, size)
	setReject(&v, rej)
	v, err := db.InsertVolume(ctx, s.DB, v)
	if err != nil {
		return Outcome{}, err
	}
	return Outcome{Volume: v, Reject: rej}, nil
}

func (s *Service) maxBytes() int64 {
	if s.MaxBytes > 0 {
		return s.MaxBytes
	}
	return ingest.DefaultMaxBytes
}

func volumeRow(in Input, res *ingest.Result, size int64) db.Volume {
	v := db.Volume{
		CaseID: in.CaseID, Modality: res.Modality, DimZ: res.Frames, DimY: res.Rows, DimX: res.Cols,
		DataType: res.DataType, SizeBytes: size, SourceFormat: res.Format, Filename: CleanFilename(in.Filename),
		Status: "READY",
	}
	if in.Modality != "" {
		v.Modality = in.Modality
	}
	// The pixel size, in order: what the uploader states, else the file's physical metadata
	// (ingest ignores a TIFF's 72/96-dpi default), else none; a device calibration may be
	// set later (setVolumeCalibration). The source is recorded: nothing is guessed.
	v.SpacingXUm, v.SpacingYUm, v.SpacingZUm = positive(res.SpacingUm[0]), positive(res.SpacingUm[1]), positive(res.SpacingUm[2])
	v.PixelSizeSource = db.PixelSizeNone
	if v.SpacingXUm != nil && v.SpacingYUm != nil {
		v.PixelSizeSource = db.PixelSizeFile
	}
	if in.UmPerPx != nil {
		v.SpacingXUm, v.SpacingYUm = in.UmPerPx, in.UmPerPx
		v.PixelSizeSource = db.PixelSizeUploader
	}
	// The kind as ingest settled it (file, sidecar, uploader, else the recorded default);
	// a file refused before it was read keeps what the uploader stated.
	v.VolumeKind, v.VolumeKindSource = res.VolumeKind, res.VolumeKindSource
	if v.VolumeKind == "" && in.VolumeKind != "" && ingest.ValidVolumeKind(in.VolumeKind) {
		v.VolumeKind, v.VolumeKindSource = in.VolumeKind, ingest.KindSourceUploader
	}
	if len(res.RawAxes) > 0 {
		axes := strings.Join(res.RawAxes, ",")
		v.RawAxes = &axes
	}
	return v
}

// maxFilename bounds a kept file name (bytes), as most file systems do.
const maxFilename = 255

// CleanFilename is the name a volume keeps of its file: the last element of a path written
// with either slash, without control characters, at most 255 bytes (cut on a rune boundary).
func CleanFilename(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == utf8.RuneError {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	if name == "." || name == ".." {
		return ""
	}
	for len(name) > maxFilename {
		_, size := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-size]
	}
	return name
}

func setReject(v *db.Volume, rej *ingest.RejectError) {
	if rej == nil {
		return
	}
	v.Status = "REJECTED"
	v.ErrorCode, v.Error = &rej.Code, &rej.Reason
}

func rejectOf(v db.Volume) *ingest.RejectError {
	if v.Status != "REJECTED" || v.ErrorCode == nil {
		return nil
	}
	r := &ingest.RejectError{Code: *v.ErrorCode}
	if v.Error != nil {
		r.Reason = *v.Error
	}
	return r
}

func positive(f float64) *float64 {
	if f > 0 {
		return &f
	}
	return nil
}

func dicomDate(s string) *time.Time {
	t, err := time.Parse("20060102", s)
	if err != nil {
		return nil
	}
	return &t
}

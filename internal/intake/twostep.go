package intake

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/aomas/aomas/db"
	"github.com/aomas/aomas/ingest"
	"github.com/aomas/aomas/storage"
)

// ErrUploadIncomplete reports a two-step upload whose bytes are not (all) in storage yet.
var ErrUploadIncomplete = errors.New("upload incomplete")

// ErrUploadExpired reports a ticket used after it expired.
var ErrUploadExpired = errors.New("upload ticket expired")

// Ticket lets a client PUT a large file straight into object storage.
type Ticket struct {
	ID        string
	URL       string
	ExpiresAt time.Time
}

// Owner is who may complete a two-step upload: the account that asked for the ticket,
// acting in the project of the ticket's case.
type Owner struct {
	UserID  int64
	Project string
}

// RequestUpload issues a ticket, which only owner may complete, for a file of size bytes
// going to in.CaseID. The caller has checked that the case is in owner's project.
func (s *Service) RequestUpload(ctx context.Context, in Input, owner Owner, size int64, ttl time.Duration, now time.Time) (Ticket, error) {
	if _, err := db.CaseByID(ctx, s.DB, in.CaseID); err != nil {
		return Ticket{}, err
	}
	if size <= 0 || size > s.maxBytes() {
		return Ticket{}, &ingest.RejectError{Code: ingest.CodeTooLarge,
			Reason: fmt.Sprintf("sizeBytes must be between 1 and the upload limit of %d bytes", s.maxBytes())}
	}
	var b [16]byte
	_, _ = rand.Read(b[:])
	id := hex.EncodeToString(b[:])
	key := "incoming/" + id
	u, err := s.Store.PresignPut(ctx, key, ttl)
	if err != nil {
		return Ticket{}, err
	}
	t := Ticket{ID: id, URL: u.String(), ExpiresAt: now.Add(ttl)}
	up := db.VolumeUpload{ID: id, CaseID: in.CaseID, Filename: in.Filename, SizeBytes: size, ObjectKey: key,
		UmPerPx: in.UmPerPx, ExpiresAt: t.ExpiresAt, UserID: &owner.UserID}
	if in.Modality != "" {
		up.Modality = &in.Modality
	}
	if in.Sidecar != nil {
		sc := string(in.Sidecar)
		up.Sidecar = &sc
	}
	if in.VolumeKind != "" {
		up.VolumeKind = &in.VolumeKind
	}
	if err := db.InsertVolumeUpload(ctx, s.DB, up); err != nil {
		return Ticket{}, err
	}
	return t, nil
}

// CompleteUpload ingests what the client PUT for ticket id. Completing twice returns the
// same volume. A ticket of another account, or whose case is outside owner's project, is
// db.ErrNotFound, exactly like one that does not exist.
func (s *Service) CompleteUpload(ctx context.Context, id string, owner Owner, now time.Time) (Outcome, error) {
	up, err := s.ownedUpload(ctx, id, owner)
	if err != nil {
		return Outcome{}, err
	}
	if up.VolumeID != nil {
		vs, err := db.VolumesByIDs(ctx, s.DB, []int64{*up.VolumeID})
		if err != nil || len(vs) != 1 {
			return Outcome{}, fmt.Errorf("volume of upload %s: %w", id, err)
		}
		return Outcome{Volume: vs[0], Duplicate: true, Reject: rejectOf(vs[0])}, nil
	}
	st, err := s.Store.Stat(ctx, up.ObjectKey)
	if errors.Is(err, storage.ErrNotFound) {
		if now.After(up.ExpiresAt) {
			return Outcome{}, ErrUploadExpired
		}
		return Outcome{}, fmt.Errorf("%w: nothing was PUT to the upload URL yet", ErrUploadIncomplete)
	}
	if err != nil {
		return Outcome{}, err
	}
	if st.Size != up.SizeBytes {
		return Outcome{}, fmt.Errorf("%w: %d of the %d bytes announced are stored", ErrUploadIncomplete, st.Size, up.SizeBytes)
	}
	r, err := s.Store.Get(ctx, up.ObjectKey)
	if err != nil {
		return Outcome{}, err
	}
	defer func() { _ = r.Close() }()
	in := Input{CaseID: up.CaseID, Filename: up.Filename, UmPerPx: up.UmPerPx}
	if up.Modality != nil {
		in.Modality = *up.Modality
	}
	if up.Sidecar != nil {
		in.Sidecar = []byte(*up.Sidecar)
	}
	if up.VolumeKind != nil {
		in.VolumeKind = *up.VolumeKind
	}
	out, err := s.IngestReader(ctx, io.LimitReader(r, up.SizeBytes), in)
	if err != nil {
		return Outcome{}, err
	}
	if err := db.CompleteVolumeUpload(ctx, s.DB, id, out.Volume.ID); err != nil {
		return Outcome{}, err
	}
	// The bytes now live under their content key; the staging copy can go.
	_ = s.Store.Delete(ctx, up.ObjectKey)
	return out, nil
}

func (s *Service) ownedUpload(ctx context.Context, id string, owner Owner) (db.VolumeUpload, error) {
	up, err := db.VolumeUploadByID(ctx, s.DB, id)
	if err != nil {
		return up, err
	}
	if up.UserID == nil || *up.UserID != owner.UserID {
		return db.VolumeUpload{}, fmt.Errorf("upload %s: %w", id, db.ErrNotFound)
	}
	ok, err := db.InProject(ctx, s.DB, "Case", up.CaseID, owner.Project)
	if err != nil {
		return db.VolumeUpload{}, err
	}
	if !ok {
		return db.VolumeUpload{}, fmt.Errorf("upload %s: %w", id, db.ErrNotFound)
	}
	return up, nil
}

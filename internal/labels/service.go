// Package labels owns the label workflow: saving annotation documents as numbered
// versions, the review states a label moves through (draft, in review, approved,
// returned), the history of both, and what each save changed (Describe).
package labels

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/jmoiron/sqlx"

	"github.com/aomas/aomas/db"
	"github.com/aomas/aomas/storage"
)

// maxDocument bounds one saved document (50,000 cone points are about 2 MB of JSON).
const maxDocument = 32 << 20

// knownKind reports whether kind is one of the kinds of label a volume can have, one
// label of each.
func knownKind(kind string) bool {
	switch kind {
	case "cones", "vessels", "nerve_fibres", "roi", LayersKind:
		return true
	}
	return false
}

// History actions.
const (
	ActionSaved     = "SAVED"
	ActionSubmitted = "SUBMITTED"
	ActionApproved  = "APPROVED"
	ActionReturned  = "RETURNED"
)

// Store is what the service needs of object storage; *storage.Store satisfies it.
type Store interface {
	Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) (storage.Object, error)
	Get(ctx context.Context, key string) (io.ReadCloser, error)
}

// Service saves, submits, reviews and reads labels. Its methods take row ids the caller
// has already checked the principal may reach.
type Service struct {
	DB    db.DB
	Store Store
}

// SaveInput is one save of a label's document.
type SaveInput struct {
	VolumeID int64
	Kind     string
	// BaseVersion is the version the edit started from (0 for a label not saved yet).
	BaseVersion int
	Document    string
	Author      string
}

func (in SaveInput) validate() error {
	if !knownKind(in.Kind) {
		return &InputError{Reason: fmt.Sprintf("kind %q is not one of cones, vessels, nerve_fibres, roi, layers", in.Kind)}
	}
	if len(in.Document) > maxDocument || !json.Valid([]byte(in.Document)) {
		return &InputError{Reason: fmt.Sprintf("document must be valid JSON of at most %d bytes", maxDocument)}
	}
	return nil
}

// DocumentKey is where a document of a volume's label of kind lives: content addressed,
// so the same bytes give the same key, a retried save writes nothing new and a save that
// fails after the write leaves nothing that needs cleaning.
func DocumentKey(volumeID int64, kind string, doc []byte) string {
	sum := sha256.Sum256(doc)
	return fmt.Sprintf("labels/%d/%s/%s.json", volumeID, kind, hex.EncodeToString(sum[:]))
}

// Save stores in.Document as the label's next version if in.BaseVersion is still its
// current one, recording in its history what changed; otherwise nothing is recorded and
// the error is a *StaleError naming the current version. A label in review or approved
// refuses edits with a *StateError.
//
// No row lock is held across an object-storage round trip: the previous document is read
// and the new one written first, and the transaction that locks the row only checks that
// the version is still the base and records the new one.
func (s *Service) Save(ctx context.Context, in SaveInput) (db.Label, error) {
	if in.Kind == LayersKind {
		// Its documents are built from checked boundaries only (SaveBoundary).
		return db.Label{}, &InputError{Reason: "a layers label is saved one boundary at a time (saveLayerBoundary)"}
	}
	return s.save(ctx, in)
}

func (s *Service) save(ctx context.Context, in SaveInput) (db.Label, error) {
	if err := in.validate(); err != nil {
		return db.Label{}, err
	}
	doc := []byte(in.Document)
	var prev []byte
	l, err := db.LabelOf(ctx, s.DB, in.VolumeID, in.Kind)
	switch {
	case errors.Is(err, db.ErrNotFound):
		if in.BaseVersion != 0 {
			return db.Label{}, &StaleError{Current: 0}
		}
	case err != nil:
		return db.Label{}, err
	default:
		if err := editable(l, in.BaseVersion); err != nil {
			return db.Label{}, err
		}
		// Versions never change once written, so the base's document is the one to
		// compare against even though the row is not locked yet.
		if l.Version > 0 {
			if prev, err = s.document(ctx, l); err != nil {
				return db.Label{}, err
			}
		}
	}
	changes := Describe(prev, doc)
	obj, err := s.Store.Put(ctx, DocumentKey(in.VolumeID, in.Kind, doc), bytes.NewReader(doc), int64(len(doc)), "application/json")
	if err != nil {
		return db.Label{}, fmt.Errorf("store label document: %w", err)
	}

	var out db.Label
	err = db.InTx(ctx, s.DB, func(tx *sqlx.Tx) error {
		l, err := db.LockLabel(ctx, tx, in.VolumeID, in.Kind)
		if errors.Is(err, db.ErrNotFound) {
			if in.BaseVersion != 0 {
				return &StaleError{Current: 0}
			}
			l, err = db.CreateLabel(ctx, tx, in.VolumeID, in.Kind)
		}
		if err != nil {
			return err
		}
		if err := editable(l, in.BaseVersion); err != nil {
			return err
		}
		out, err = db.AddLabelVersion(ctx, tx, db.LabelVersion{LabelID: l.ID, Version: l.Version + 1, ObjectKey: obj.Key,
			SizeBytes: obj.Size, SHA256: obj.SHA256, Author: in.Author}, changes)
		return err
	})
	if err != nil {
		return db.Label{}, err
	}
	return out, nil
}

// editable reports whether an edit that started from base may be saved over l.
func editable(l db.Label, base int) error {
	if l.Version != base {
		return &StaleError{Current: l.Version}
	}
	if l.State == db.LabelInReview || l.State == db.LabelApproved {
		return &StateError{State: l.State, Action: ActionSaved}
	}
	return nil
}

// Submit sends version of label id for review.
func (s *Service) Submit(ctx context.Context, id int64, version int, author string) (db.Label, error) {
	return s.move(ctx, id, version, []string{db.LabelDraft, db.LabelReturned}, db.LabelInReview, db.LabelEvent{Action: ActionSubmitted, Author: author})
}

// Verdict is a reviewer's decision on a version: approve it, or return it with a comment
// saying what to change. A return may name regions: only those go back to the labeler,
// each with what to change there, and the rest of the label is accepted.
type Verdict struct {
	Approve bool
	Comment string
	Regions []db.ReviewRegion
}

// Check reports a verdict the service refuses whatever the label: a return without a
// comment (on the whole or on every region), an approval with regions, regions that are
// not polygons in the image. Review checks it too; callers may check first to answer
// before any lookup.
func (v Verdict) Check() error {
	if v.Approve && len(v.Regions) > 0 {
		return &InputError{Reason: "an approval returns no regions"}
	}
	if err := checkRegions(v.Regions); err != nil {
		return err
	}
	if !v.Approve && strings.TrimSpace(v.Comment) == "" {
		if len(v.Regions) == 0 {
			return &InputError{Reason: "a returned label needs a comment saying what to change"}
		}
		for _, r := range v.Regions {
			if strings.TrimSpace(r.Comment) == "" {
				return &InputError{Reason: "each returned region needs a comment saying what to change there (or give one for the whole label)"}
			}
		}
	}
	if len(v.Comment) > maxComment {
		return &InputError{Reason: fmt.Sprintf("a comment is at most %d bytes", maxComment)}
	}
	return nil
}

// Review approves or returns version of label id, which must be in review.
func (s *Service) Review(ctx context.Context, id int64, version int, v Verdict, author string) (db.Label, error) {
	if err := v.Check(); err != nil {
		return db.Label{}, err
	}
	if v.Approve {
		return s.move(ctx, id, version, []string{db.LabelInReview}, db.LabelApproved, db.LabelEvent{Action: ActionApproved, Author: author, Comment: v.Comment})
	}
	return s.move(ctx, id, version, []string{db.LabelInReview}, db.LabelReturned,
		db.LabelEvent{Action: ActionReturned, Author: author, Comment: v.Comment, Regions: v.Regions})
}

// move takes the label's current version from one of the states in from to state to,
// recording step (its action, author, comment, regions) in its history. It touches no
// object storage, so it may lock.
func (s *Service) move(ctx context.Context, id int64, version int, from []string, to string, step db.LabelEvent) (db.Label, error) {
	var out db.Label
	err := db.InTx(ctx, s.DB, func(tx *sqlx.Tx) error {
		l, err := db.LockLabelByID(ctx, tx, id)
		if err != nil {
			return err
		}
		if l.Version != version {
			return &StaleError{Current: l.Version}
		}
		if !slices.Contains(from, l.State) || l.Version == 0 {
			return &StateError{State: l.State, Action: step.Action}
		}
		step.LabelID, step.Version = id, version
		if err := db.AddLabelEvent(ctx, tx, step); err != nil {
			return err
		}
		out, err = db.SetLabelState(ctx, tx, id, version, to)
		return err
	})
	if err != nil {
		return db.Label{}, err
	}
	return out, nil
}

// Document returns the document of l's current version, "" before its first save.
func (s *Service) Document(ctx context.Context, l db.Label) (string, error) {
	b, err := s.document(ctx, l)
	return string(b), err
}

func (s *Service) document(ctx context.Context, l db.Label) ([]byte, error) {
	if l.Version == 0 {
		return nil, nil
	}
	v, err := db.CurrentLabelVersion(ctx, s.DB, l.ID, l.Version)
	if err != nil {
		return nil, err
	}
	// Older versions live under labels/<label id>/v<n>.json, newer ones under their
	// digest; the row says which.
	rc, err := s.Store.Get(ctx, v.ObjectKey)
	if err != nil {
		return nil, err
	}
	defer func() { _ = rc.Close() }()
	b, err := io.ReadAll(io.LimitReader(rc, maxDocument+1))
	if err != nil {
		return nil, fmt.Errorf("read label document: %w", err)
	}
	return b, nil
}

// History returns label id's saves and review steps, oldest first.
func (s *Service) History(ctx context.Context, id int64) ([]db.LabelEvent, error) {
	return db.LabelEvents(ctx, s.DB, id)
}

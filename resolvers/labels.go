package resolvers

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/jmoiron/sqlx"

	"github.com/aomas/aomas/db"
	"github.com/aomas/aomas/graph/model"
	"github.com/aomas/aomas/internal/auth"
	"github.com/aomas/aomas/internal/labels"
)

// maxLabelDocument bounds one saved document (50,000 cone points are about 2 MB of JSON).
const maxLabelDocument = 32 << 20

var labelKinds = map[string]bool{"cones": true, "vessels": true, "nerve_fibres": true, "roi": true}

// actor names who makes a change: the signed-in principal, or "anonymous" while requests
// carry no identity.
func actor(ctx context.Context) string {
	if p, ok := auth.PrincipalFrom(ctx); ok && p.Email != "" {
		return p.Email
	}
	return "anonymous"
}

func labelKey(labelID int64, version int) string {
	return fmt.Sprintf("labels/%d/v%d.json", labelID, version)
}

func staleLabel(current int) error {
	return &codedError{code: CodeConflict, msg: fmt.Sprintf("the label changed since this edit began: it is at version %d now; reload it and apply the edit again", current), err: db.ErrStale}
}

// saveLabel stores input.document as the next version if input.baseVersion is still the
// current one; otherwise nothing is written and the caller gets a CONFLICT naming the
// current version.
func (r *Resolver) saveLabel(ctx context.Context, in model.SaveLabelInput) (*db.Label, error) {
	volumeID, err := r.ownedID(ctx, in.VolumeID, "Volume")
	if err != nil {
		return nil, err
	}
	if !labelKinds[in.Kind] {
		return nil, invalidInput(fmt.Sprintf("kind %q is not one of cones, vessels, nerve_fibres, roi", in.Kind))
	}
	if len(in.Document) > maxLabelDocument || !json.Valid([]byte(in.Document)) {
		return nil, invalidInput(fmt.Sprintf("document must be valid JSON of at most %d bytes", maxLabelDocument))
	}
	if _, err := load(ctx, r.loaders(ctx).volume, volumeID, "volume"); err != nil {
		return nil, err
	}
	var out db.Label
	err = db.InTx(ctx, r.DB, func(tx *sqlx.Tx) error {
		l, err := db.LockLabel(ctx, tx, volumeID, in.Kind)
		if errors.Is(err, db.ErrNotFound) {
			if in.BaseVersion != 0 {
				return staleLabel(0)
			}
			l, err = db.CreateLabel(ctx, tx, volumeID, in.Kind)
		}
		if err != nil {
			return err
		}
		if l.Version != in.BaseVersion {
			return staleLabel(l.Version)
		}
		if l.State == db.LabelInReview || l.State == db.LabelApproved {
			return &codedError{code: CodeConflict, msg: fmt.Sprintf("the label is %s; it can be edited again once returned", l.State), err: db.ErrLabelState}
		}
		next := l.Version + 1
		// What this save changed against the version it started from, for the history.
		var prev []byte
		if l.Version > 0 {
			doc, err := r.labelDocument(ctx, &l)
			if err != nil {
				return err
			}
			prev = []byte(doc)
		}
		changes := labels.Describe(prev, []byte(in.Document))
		// The object is written before the row that names it; a failed transaction leaves
		// an unreferenced object under a key the next save of this version overwrites.
		obj, err := r.Store.Put(ctx, labelKey(l.ID, next), bytes.NewReader([]byte(in.Document)), int64(len(in.Document)), "application/json")
		if err != nil {
			return err
		}
		out, err = db.AddLabelVersion(ctx, tx, db.LabelVersion{LabelID: l.ID, Version: next, ObjectKey: obj.Key,
			SizeBytes: obj.Size, SHA256: obj.SHA256, Author: actor(ctx)}, changes)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// moveLabel takes the label's current version from one of the states in from to state to,
// recording action in its history.
func (r *Resolver) moveLabel(ctx context.Context, id string, version int, from []string, to, action, comment string) (*db.Label, error) {
	n, err := r.ownedID(ctx, id, "Label")
	if err != nil {
		return nil, err
	}
	var out db.Label
	err = db.InTx(ctx, r.DB, func(tx *sqlx.Tx) error {
		l, err := db.LockLabelByID(ctx, tx, n)
		if err != nil {
			return err
		}
		if l.Version != version {
			return staleLabel(l.Version)
		}
		allowed := false
		for _, s := range from {
			allowed = allowed || l.State == s
		}
		if !allowed || l.Version == 0 {
			return &codedError{code: CodeConflict, msg: fmt.Sprintf("a %s label cannot be %s", l.State, action), err: db.ErrLabelState}
		}
		if err := db.AddLabelEvent(ctx, tx, db.LabelEvent{LabelID: n, Version: version, Action: action, Author: actor(ctx), Comment: comment}); err != nil {
			return err
		}
		out, err = db.SetLabelState(ctx, tx, n, version, to)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

func (r *Resolver) labelDocument(ctx context.Context, l *db.Label) (string, error) {
	if l.Version == 0 {
		return "", nil
	}
	v, err := db.CurrentLabelVersion(ctx, r.DB, l.ID, l.Version)
	if err != nil {
		return "", err
	}
	rc, err := r.Store.Get(ctx, v.ObjectKey)
	if err != nil {
		return "", err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, maxLabelDocument+1))
	if err != nil {
		return "", fmt.Errorf("read label document: %w", err)
	}
	return string(b), nil
}

// maxPointsCSV bounds the model's marks read into a response (about a million marks).
const maxPointsCSV = 32 << 20

// maxGridJSON bounds a run's grid artifact (64×64 cells are ~60 kB).
const maxGridJSON = 8 << 20

// runArtifact reads the run's stored artifact of kind (at most limit bytes); nil before it exists.
func (r *Resolver) runArtifact(ctx context.Context, runID int64, kind string, limit int64) ([]byte, error) {
	arts, err := r.loaders(ctx).artifacts.Load(ctx, runID)
	if err != nil {
		return nil, err
	}
	for _, a := range arts {
		if a.Kind != kind {
			continue
		}
		if r.Store == nil {
			return nil, &codedError{code: CodeUnavailable, msg: "object storage is not configured on this server"}
		}
		rc, err := r.Store.Get(ctx, a.ObjectKey)
		if err != nil {
			return nil, fmt.Errorf("%s of run %d: %w", kind, runID, err)
		}
		defer rc.Close()
		b, err := io.ReadAll(io.LimitReader(rc, limit+1))
		if err != nil {
			return nil, fmt.Errorf("%s of run %d: %w", kind, runID, err)
		}
		if int64(len(b)) > limit {
			return nil, &codedError{code: CodeInvalidInput, msg: fmt.Sprintf("the run's %s is too large to send in one response", kind)}
		}
		return b, nil
	}
	return nil, nil
}

// modelPoints returns the segment step's points.csv of run, or nil before it exists.
func (r *Resolver) modelPoints(ctx context.Context, runID int64) (*string, error) {
	b, err := r.runArtifact(ctx, runID, "points", maxPointsCSV)
	if b == nil || err != nil {
		return nil, err
	}
	s := string(b)
	return &s, nil
}

// runGrid decodes the run's grid artifact of kind (an orientation field, an uncertainty
// map), or nil before the step that writes it ran.
func runGrid[T any](ctx context.Context, r *Resolver, runID int64, kind string) (*T, error) {
	b, err := r.runArtifact(ctx, runID, kind, maxGridJSON)
	if b == nil || err != nil {
		return nil, err
	}
	var g T
	if err := json.Unmarshal(b, &g); err != nil {
		return nil, fmt.Errorf("%s of run %d: %w", kind, runID, err)
	}
	return &g, nil
}

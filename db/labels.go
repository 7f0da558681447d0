package db

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// ErrStale reports a label change made against a version that is no longer the current one.
var ErrStale = errors.New("stale label version")

// ErrLabelState reports a label change its review state does not allow.
var ErrLabelState = errors.New("label state does not allow this")

// LabelVersion is one saved document of a label.
type LabelVersion struct {
	LabelID   int64     `db:"label_id"`
	Version   int       `db:"version"`
	ObjectKey string    `db:"object_key"`
	SizeBytes int64     `db:"size_bytes"`
	SHA256    string    `db:"sha256"`
	Author    string    `db:"author"`
	CreatedAt time.Time `db:"created_at"`
}

// LabelEvent is one step of a label's history.
type LabelEvent struct {
	ID      int64  `db:"id"`
	LabelID int64  `db:"label_id"`
	Version int    `db:"version"`
	Action  string `db:"action"`
	// Author is who did it as written at the time (an e-mail address, or "anonymous"): for
	// the record only, never shown as is.
	Author string `db:"author"`
	// AuthorID is the account of Author, when one had that address.
	AuthorID *int64 `db:"author_id"`
	// AuthorName is that account's display name now (LabelEvents fills it in).
	AuthorName *string `db:"author_name"`
	Comment    string  `db:"comment"`
	// Changes says what a save changed (labels.Describe); empty for review steps.
	Changes string    `db:"changes"`
	At      time.Time `db:"at"`
	// Regions are the parts of the label a RETURNED step sent back; empty otherwise.
	Regions ReviewRegions `db:"regions"`
}

// Review states of a label.
const (
	LabelDraft    = "DRAFT"
	LabelInReview = "IN_REVIEW"
	LabelApproved = "APPROVED"
	LabelReturned = "RETURNED"
)

// LockLabel returns the label of (volume, kind) locked for the transaction, or ErrNotFound.
func LockLabel(ctx context.Context, tx *sqlx.Tx, volumeID int64, kind string) (Label, error) {
	return labelOf(ctx, tx, volumeID, kind, " FOR UPDATE")
}

// LabelOf returns the label of (volume, kind), or ErrNotFound, without locking it.
func LabelOf(ctx context.Context, q sqlx.QueryerContext, volumeID int64, kind string) (Label, error) {
	return labelOf(ctx, q, volumeID, kind, "")
}

// labelOf reads the label of (volume, kind); lock is "" or a locking clause.
func labelOf(ctx context.Context, q sqlx.QueryerContext, volumeID int64, kind, lock string) (Label, error) {
	var l Label
	err := sqlx.GetContext(ctx, q, &l, `SELECT * FROM labels WHERE volume_id = $1 AND kind = $2`+lock, volumeID, kind)
	if isNoRows(err) {
		return l, ErrNotFound
	}
	return l, err
}

// LockLabelByID returns a label locked for the transaction.
func LockLabelByID(ctx context.Context, tx *sqlx.Tx, id int64) (Label, error) {
	var l Label
	err := tx.GetContext(ctx, &l, `SELECT * FROM labels WHERE id = $1 FOR UPDATE`, id)
	if isNoRows(err) {
		return l, fmt.Errorf("label %d: %w", id, ErrNotFound)
	}
	return l, err
}

// CreateLabel makes an empty label (version 0) of kind for a volume.
func CreateLabel(ctx context.Context, tx *sqlx.Tx, volumeID int64, kind string) (Label, error) {
	var l Label
	err := tx.GetContext(ctx, &l, `INSERT INTO labels (volume_id, kind, version, state) VALUES ($1, $2, 0, 'DRAFT') RETURNING *`, volumeID, kind)
	return l, err
}

// AddLabelVersion records a new document as the label's current version, in DRAFT.
func AddLabelVersion(ctx context.Context, tx *sqlx.Tx, v LabelVersion, changes string) (Label, error) {
	if _, err := tx.ExecContext(ctx, `INSERT INTO label_versions (label_id, version, object_key, size_bytes, sha256, author)
		VALUES ($1, $2, $3, $4, $5, $6)`, v.LabelID, v.Version, v.ObjectKey, v.SizeBytes, v.SHA256, v.Author); err != nil {
		return Label{}, fmt.Errorf("label version: %w", err)
	}
	if err := AddLabelEvent(ctx, tx, LabelEvent{LabelID: v.LabelID, Version: v.Version, Action: "SAVED", Author: v.Author, Changes: changes}); err != nil {
		return Label{}, err
	}
	return SetLabelState(ctx, tx, v.LabelID, v.Version, LabelDraft)
}

// SetLabelState moves a label to version and state.
func SetLabelState(ctx context.Context, tx *sqlx.Tx, id int64, version int, state string) (Label, error) {
	var l Label
	err := tx.GetContext(ctx, &l, `UPDATE labels SET version = $2, state = $3, updated_at = now() WHERE id = $1 RETURNING *`, id, version, state)
	return l, err
}

// AddLabelEvent appends a step to a label's history; the account whose e-mail address is
// e.Author, if any, is recorded as its author.
func AddLabelEvent(ctx context.Context, tx *sqlx.Tx, e LabelEvent) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO label_events (label_id, version, action, author, comment, changes, regions, author_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7, (SELECT id FROM users WHERE lower(email) = lower($4)))`,
		e.LabelID, e.Version, e.Action, e.Author, e.Comment, e.Changes, e.Regions)
	if err != nil {
		return fmt.Errorf("label event: %w", err)
	}
	return nil
}

// LabelEvents returns a label's history, oldest first.
func LabelEvents(ctx context.Context, q sqlx.QueryerContext, id int64) ([]LabelEvent, error) {
	var out []LabelEvent
	if err := sqlx.SelectContext(ctx, q, &out, `SELECT e.*, u.display_name AS author_name
		FROM label_events e LEFT JOIN users u ON u.id = e.author_id WHERE e.label_id = $1 ORDER BY e.id`, id); err != nil {
		return nil, fmt.Errorf("label history: %w", err)
	}
	return out, nil
}

// CurrentLabelVersion returns the document record of a label's current version.
func CurrentLabelVersion(ctx context.Context, q sqlx.QueryerContext, id int64, version int) (LabelVersion, error) {
	var v LabelVersion
	err := sqlx.GetContext(ctx, q, &v, `SELECT * FROM label_versions WHERE label_id = $1 AND version = $2`, id, version)
	if isNoRows(err) {
		return v, fmt.Errorf("label %d version %d: %w", id, version, ErrNotFound)
	}
	return v, err
}

// LabelsByVolumeIDs loads the labels of volumes.
func LabelsByVolumeIDs(ctx context.Context, q sqlx.QueryerContext, ids []int64) ([]Label, error) {
	return selectAny[Label](ctx, q, "labels", `SELECT * FROM labels WHERE volume_id = ANY($1) ORDER BY kind`, ids)
}

// LabelsByIDs loads labels by id.
func LabelsByIDs(ctx context.Context, q sqlx.QueryerContext, ids []int64) ([]Label, error) {
	return selectAny[Label](ctx, q, "labels", `SELECT * FROM labels WHERE id = ANY($1)`, ids)
}

// LabelByID returns one label.
func LabelByID(ctx context.Context, q sqlx.QueryerContext, id int64) (Label, error) {
	var l Label
	err := sqlx.GetContext(ctx, q, &l, `SELECT * FROM labels WHERE id = $1`, id)
	if isNoRows(err) {
		return l, fmt.Errorf("label %d: %w", id, ErrNotFound)
	}
	return l, err
}

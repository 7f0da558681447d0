package db

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// ArchiveCase archives case id and every volume of it (a soft delete): they leave listings
// and exports and stay readable by id. Archiving an archived case changes nothing and
// returns it as it is.
func ArchiveCase(ctx context.Context, q sqlx.ExtContext, id int64, by, reason string) (Case, error) {
	var c Case
	err := sqlx.GetContext(ctx, q, &c, `UPDATE cases SET archived_at = now(), archived_by = $2, archive_reason = $3, updated_at = now()
		WHERE id = $1 AND archived_at IS NULL RETURNING *`, id, by, reason)
	if isNoRows(err) {
		return CaseByID(ctx, q, id)
	}
	if err != nil {
		return c, fmt.Errorf("archive case %d: %w", id, err)
	}
	if _, err := q.ExecContext(ctx, `UPDATE volumes SET archived_at = now(), archived_by = $2, archive_reason = $3, updated_at = now()
		WHERE case_id = $1 AND archived_at IS NULL`, id, by, reason); err != nil {
		return c, fmt.Errorf("archive volumes of case %d: %w", id, err)
	}
	return c, nil
}

// ArchiveVolume archives one volume; archiving an archived volume changes nothing.
func ArchiveVolume(ctx context.Context, q sqlx.ExtContext, id int64, by, reason string) (Volume, error) {
	var v Volume
	err := sqlx.GetContext(ctx, q, &v, `UPDATE volumes SET archived_at = now(), archived_by = $2, archive_reason = $3, updated_at = now()
		WHERE id = $1 AND archived_at IS NULL RETURNING *`, id, by, reason)
	if isNoRows(err) {
		return VolumeByID(ctx, q, id)
	}
	if err != nil {
		return v, fmt.Errorf("archive volume %d: %w", id, err)
	}
	return v, nil
}

// VolumeByID returns one volume.
func VolumeByID(ctx context.Context, q sqlx.QueryerContext, id int64) (Volume, error) {
	var v Volume
	if err := sqlx.GetContext(ctx, q, &v, `SELECT * FROM volumes WHERE id = $1`, id); err != nil {
		if isNoRows(err) {
			return v, fmt.Errorf("volume %d: %w", id, ErrNotFound)
		}
		return v, fmt.Errorf("volume %d: %w", id, err)
	}
	return v, nil
}

// CasePatch is a correction of a case's fields; nil fields stay as they are. A new subject
// code moves the case to that subject (made in the case's project when new).
type CasePatch struct {
	SubjectCode     *string
	Eye             *string
	EccentricityDeg *float64
	// ClearEccentricity sets the eccentricity to unknown.
	ClearEccentricity bool
	AcquiredOn        *time.Time
	ClearAcquiredOn   bool
	Tags              []string
	SetTags           bool
}

// UpdateCase applies p to case id inside tx and returns the case before and after.
func UpdateCase(ctx context.Context, tx *sqlx.Tx, id int64, p CasePatch) (before, after Case, err error) {
	if err := sqlx.GetContext(ctx, tx, &before, `SELECT * FROM cases WHERE id = $1 FOR UPDATE`, id); err != nil {
		if isNoRows(err) {
			return before, after, fmt.Errorf("case %d: %w", id, ErrNotFound)
		}
		return before, after, fmt.Errorf("case %d: %w", id, err)
	}
	subjectID := before.SubjectID
	if p.SubjectCode != nil {
		var project string
		if err := sqlx.GetContext(ctx, tx, &project, `SELECT project FROM subjects WHERE id = $1`, before.SubjectID); err != nil {
			return before, after, fmt.Errorf("project of case %d: %w", id, err)
		}
		if subjectID, err = EnsureSubject(ctx, tx, project, *p.SubjectCode); err != nil {
			return before, after, err
		}
	}
	eye := before.Eye
	if p.Eye != nil {
		eye = *p.Eye
	}
	ecc := before.EccentricityDeg
	if p.EccentricityDeg != nil || p.ClearEccentricity {
		ecc = p.EccentricityDeg
	}
	acq := before.AcquiredOn
	if p.AcquiredOn != nil || p.ClearAcquiredOn {
		acq = p.AcquiredOn
	}
	tags := before.TagList
	if p.SetTags {
		tags = pq.StringArray(append([]string{}, p.Tags...))
	}
	err = sqlx.GetContext(ctx, tx, &after, `UPDATE cases SET subject_id = $2, eye = $3, eccentricity_deg = $4, acquired_on = $5,
		tags = $6, updated_at = now() WHERE id = $1 RETURNING *`, id, subjectID, eye, ecc, acq, tags)
	if err != nil {
		return before, after, fmt.Errorf("update case %d: %w", id, err)
	}
	return before, after, nil
}

// SubjectCode returns the code of subject id.
func SubjectCode(ctx context.Context, q sqlx.QueryerContext, id int64) (string, error) {
	var code string
	if err := sqlx.GetContext(ctx, q, &code, `SELECT code FROM subjects WHERE id = $1`, id); err != nil {
		return "", fmt.Errorf("subject %d: %w", id, err)
	}
	return code, nil
}

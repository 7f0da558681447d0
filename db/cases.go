package db

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// CaseListFilter narrows a case listing; zero fields do not filter.
type CaseListFilter struct {
	// Project limits the listing to one project's cases (every project when empty).
	Project      string
	SubjectCode  string
	Eye          string
	Tags         []string
	AcquiredFrom *time.Time
	AcquiredTo   *time.Time
	// SubjectPrefix and TagPrefix match the start of a subject code or of any tag,
	// ignoring case.
	SubjectPrefix string
	TagPrefix     string
}

// likePrefix is a LIKE pattern matching strings that start with s (lower-cased), with
// LIKE's own wildcards in s taken literally.
func likePrefix(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(strings.ToLower(s)) + "%"
}

// CaseListOrder sorts a case listing by one of created_at, acquired_on or eccentricity_deg.
type CaseListOrder struct {
	Column string
	Desc   bool
}

var caseOrderColumns = map[string]bool{"created_at": true, "acquired_on": true, "eccentricity_deg": true}

// ListCases returns one page of the cases matching f, and how many match in all.
func ListCases(ctx context.Context, q sqlx.QueryerContext, f CaseListFilter, o CaseListOrder, limit, offset int) (Page[Case], error) {
	var w where
	w.add("c.archived_at IS NULL")
	if f.Project != "" {
		w.add("c.subject_id IN (SELECT id FROM subjects WHERE project = ?)", f.Project)
	}
	if f.SubjectPrefix != "" {
		if f.Project != "" {
			w.add("c.subject_id IN (SELECT id FROM subjects WHERE project = ? AND lower(code) LIKE ?)", f.Project, likePrefix(f.SubjectPrefix))
		} else {
			w.add("c.subject_id IN (SELECT id FROM subjects WHERE lower(code) LIKE ?)", likePrefix(f.SubjectPrefix))
		}
	}
	if f.TagPrefix != "" {
		w.add("EXISTS (SELECT 1 FROM unnest(c.tags) AS t WHERE lower(t) LIKE ?)", likePrefix(f.TagPrefix))
	}
	if f.SubjectCode != "" {
		w.add("c.subject_id IN (SELECT id FROM subjects WHERE code = ?)", f.SubjectCode)
	}
	if f.Eye != "" {
		w.add("c.eye = ?", f.Eye)
	}
	if len(f.Tags) > 0 {
		w.add("c.tags @> ?", pq.StringArray(f.Tags))
	}
	if f.AcquiredFrom != nil {
		w.add("c.acquired_on >= ?", *f.AcquiredFrom)
	}
	if f.AcquiredTo != nil {
		w.add("c.acquired_on <= ?", *f.AcquiredTo)
	}
	col := "created_at"
	if caseOrderColumns[o.Column] {
		col = o.Column // from the allow-list above, never from the caller's text
	}
	dir := "ASC"
	if o.Desc {
		dir = "DESC"
	}
	filter := w.sql()
	var page Page[Case]
	if err := sqlx.GetContext(ctx, q, &page.Total, "SELECT count(*) FROM cases c"+filter, w.args...); err != nil {
		return page, fmt.Errorf("count cases: %w", err)
	}
	query := fmt.Sprintf("SELECT c.* FROM cases c%s ORDER BY c.%s %s NULLS LAST, c.id %s", filter, col, dir, dir)
	if err := sqlx.SelectContext(ctx, q, &page.Rows, query+w.page(limit, offset), w.args...); err != nil {
		return page, fmt.Errorf("list cases: %w", err)
	}
	return page, nil
}

// NewCase is what CreateCase and FindOrCreateCase need.
type NewCase struct {
	Project         string
	SubjectCode     string
	Eye             string
	EccentricityDeg *float64
	Meridian        *string
	AcquiredOn      *time.Time
	Device          *string
	Notes           string
	Tags            []string
}

// CreateCase makes a case, and its subject when the code is new to the project.
func CreateCase(ctx context.Context, d DB, n NewCase) (Case, error) {
	var c Case
	err := InTx(ctx, d, func(tx *sqlx.Tx) error {
		subjectID, err := EnsureSubject(ctx, tx, n.Project, n.SubjectCode)
		if err != nil {
			return err
		}
		c, err = insertCase(ctx, tx, subjectID, n)
		return err
	})
	if err != nil {
		return Case{}, fmt.Errorf("create case: %w", err)
	}
	return c, nil
}

// FindOrCreateCase returns the oldest case of n's subject and eye acquired on n.AcquiredOn
// (a case with no date matches a nil one), making the subject and the case from n when
// there is none. Callers for one subject take turns on an advisory lock, so that two files
// of one study arriving together land in one case.
func FindOrCreateCase(ctx context.Context, d DB, n NewCase) (Case, error) {
	var c Case
	err := InTx(ctx, d, func(tx *sqlx.Tx) error {
		subjectID, err := EnsureSubject(ctx, tx, n.Project, n.SubjectCode)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, subjectID); err != nil {
			return fmt.Errorf("lock subject %d: %w", subjectID, err)
		}
		err = sqlx.GetContext(ctx, tx, &c, `SELECT * FROM cases WHERE subject_id = $1 AND eye = $2
			AND acquired_on IS NOT DISTINCT FROM $3 ORDER BY id LIMIT 1`, subjectID, n.Eye, n.AcquiredOn)
		if !isNoRows(err) {
			return err
		}
		c, err = insertCase(ctx, tx, subjectID, n)
		return err
	})
	if err != nil {
		return Case{}, fmt.Errorf("find or create case: %w", err)
	}
	return c, nil
}

func insertCase(ctx context.Context, tx sqlx.QueryerContext, subjectID int64, n NewCase) (Case, error) {
	tags := n.Tags
	if tags == nil {
		tags = []string{}
	}
	var c Case
	err := sqlx.GetContext(ctx, tx, &c, `
		INSERT INTO cases (subject_id, eye, eccentricity_deg, meridian, acquired_on, device, notes, tags)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *`,
		subjectID, n.Eye, n.EccentricityDeg, n.Meridian, n.AcquiredOn, n.Device, n.Notes, pq.StringArray(tags))
	return c, err
}

// EnsureSubject returns the id of the subject with code in project, making it if needed.
func EnsureSubject(ctx context.Context, tx sqlx.ExtContext, project, code string) (int64, error) {
	if project == "" {
		project = "default"
	}
	var id int64
	err := sqlx.GetContext(ctx, tx, &id, `
		INSERT INTO subjects (project, code) VALUES ($1, $2)
		ON CONFLICT (project, code) DO UPDATE SET code = EXCLUDED.code
		RETURNING id`, project, code)
	if err != nil {
		return 0, fmt.Errorf("subject %s: %w", code, err)
	}
	return id, nil
}

// SetIdentityIfMissing records identifying fields for a subject that has none yet.
func SetIdentityIfMissing(ctx context.Context, tx sqlx.ExecerContext, subjectID int64, patientID, name, sex string, birth *time.Time) error {
	_, err := tx.ExecContext(ctx, `
		INSERT INTO subject_identities (subject_id, patient_id, patient_name, birth_date, sex)
		VALUES ($1, NULLIF($2, ''), NULLIF($3, ''), $4, NULLIF($5, ''))
		ON CONFLICT (subject_id) DO NOTHING`, subjectID, patientID, name, birth, sex)
	if err != nil {
		return fmt.Errorf("subject identity: %w", err)
	}
	return nil
}

// CaseByID returns one case.
func CaseByID(ctx context.Context, q sqlx.QueryerContext, id int64) (Case, error) {
	var c Case
	if err := sqlx.GetContext(ctx, q, &c, `SELECT * FROM cases WHERE id = $1`, id); err != nil {
		if isNoRows(err) {
			return c, fmt.Errorf("case %d: %w", id, ErrNotFound)
		}
		return c, fmt.Errorf("case %d: %w", id, err)
	}
	return c, nil
}

// isForeignKeyViolation reports whether err is PostgreSQL refusing a reference, from
// column, to a row that does not exist.
func isForeignKeyViolation(err error, column string) bool {
	var pe *pq.Error
	return errors.As(err, &pe) && pe.Code == "23503" && strings.Contains(pe.Detail, "("+column+")")
}

// IsUniqueViolation reports whether err is PostgreSQL refusing a duplicate key.
func IsUniqueViolation(err error) bool {
	var pe *pq.Error
	return errors.As(err, &pe) && pe.Code == "23505"
}

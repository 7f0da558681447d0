package intake

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/aomas/aomas/db"
	"github.com/aomas/aomas/ingest"
	"github.com/aomas/aomas/internal/gid"
)

// ErrNoCase reports a file for which no case can be found or made.
var ErrNoCase = errors.New("no case for this file")

// Cases finds the case a dropped file belongs to.
type Cases struct {
	DB         db.DB
	SubjectKey []byte
	Project    string
}

// CaseForFolder reads a folder name as a case id (the global id or the row number).
func (c *Cases) CaseForFolder(ctx context.Context, folder string) (int64, error) {
	id, err := strconv.ParseInt(folder, 10, 64)
	if err != nil {
		typ, n, gerr := gid.Decode(folder)
		if gerr != nil || typ != "Case" {
			return 0, fmt.Errorf("%w: folder %q is not a case id", ErrNoCase, folder)
		}
		id = n
	}
	if _, err := db.CaseByID(ctx, c.DB, id); errors.Is(err, db.ErrNotFound) {
		return 0, fmt.Errorf("%w: case %s does not exist", ErrNoCase, folder)
	} else if err != nil {
		return 0, err
	}
	return id, nil
}

// CaseForFile finds or makes the case of a DICOM file from its patient, laterality and
// study date. Other files must sit in a folder named after their case.
func (c *Cases) CaseForFile(ctx context.Context, path string) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return 0, err
	}
	res, _ := ingest.Parse(f, fi.Size(), path, ingest.Options{})
	if res.Format != ingest.FormatDICOM || strings.TrimSpace(res.Subject.PatientID) == "" || res.Study.Laterality == "" {
		return 0, fmt.Errorf("%w: a file at the top of the drop folder must be DICOM with a patient ID and laterality; put other files in a folder named after their case id", ErrNoCase)
	}
	code := ingest.SubjectCode(c.SubjectKey, res.Subject.PatientID)
	acquired := dicomDate(res.Study.StudyDate)
	device := strings.TrimSpace(res.Study.Manufacturer + " " + res.Study.Model)
	var id int64
	err = db.InTx(ctx, c.DB, func(tx *sqlx.Tx) error {
		subject, err := db.EnsureSubject(ctx, tx, c.Project, code)
		if err != nil {
			return err
		}
		// Serialise makers of the same subject's cases so that two files of one study
		// arriving together land in one case.
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, subject); err != nil {
			return err
		}
		err = tx.GetContext(ctx, &id, `SELECT id FROM cases WHERE subject_id = $1 AND eye = $2
			AND acquired_on IS NOT DISTINCT FROM $3 ORDER BY id LIMIT 1`, subject, res.Study.Laterality, acquired)
		if err == nil {
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		return tx.GetContext(ctx, &id, `INSERT INTO cases (subject_id, eye, acquired_on, device, tags)
			VALUES ($1, $2, $3, NULLIF($4, ''), $5) RETURNING id`, subject, res.Study.Laterality, acquired, device, pq.StringArray{"drop-folder"})
	})
	if err != nil {
		return 0, fmt.Errorf("case for %s: %w", path, err)
	}
	return id, nil
}

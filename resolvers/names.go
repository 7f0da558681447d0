package resolvers

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/aomas/aomas/db"
	"github.com/aomas/aomas/graph/model"
	"github.com/aomas/aomas/imaging"
	"github.com/aomas/aomas/internal/audit"
	"github.com/aomas/aomas/internal/auth"
)

// maxCSVRows bounds metricTableCsv: beyond it the caller narrows the filter or pages
// through metricTable.
const maxCSVRows = 10000

// maxReason bounds an archive reason.
const maxReason = 500

// checkMetricName refuses a metric name that is neither catalogued nor ever measured, with
// the close names in the message.
func (r *Resolver) checkMetricName(ctx context.Context, name string) error {
	names := imaging.MetricNames()
	if slices.Contains(names, name) {
		return nil
	}
	if ok, err := db.MetricNameMeasured(ctx, r.DB, name); err != nil || ok {
		return err
	}
	msg := fmt.Sprintf("no metric is called %q", name)
	if near := imaging.CloseNames(name, names); len(near) > 0 {
		msg += "; did you mean " + strings.Join(near, ", ") + "?"
	}
	return invalidInput(msg + " (metricCatalog lists every metric: " + strings.Join(names, ", ") + ")")
}

func tableFilter(f *model.MetricTableFilter) (db.MetricListFilter, error) {
	var out db.MetricListFilter
	if f == nil {
		return out, nil
	}
	var err error
	if out.CaseID, err = optionalID(f.CaseID, "Case"); err != nil {
		return out, err
	}
	if f.CohortTag != nil {
		out.CohortTag = *f.CohortTag
	}
	out.From, out.To = f.From, f.To
	if out.ModelVersionID, err = optionalID(f.ModelVersionID, "ModelVersion"); err != nil {
		return out, err
	}
	out.IncludeSuperseded = f.IncludeSuperseded != nil && *f.IncludeSuperseded
	return out, nil
}

// metricTable builds the wide table over rows: a column per catalogued metric, then any
// other metric the rows recorded, by name.
func (r *Resolver) metricTable(ctx context.Context, rows []db.WideRow) ([]string, []*model.MetricTableRow, error) {
	ids := make([]int64, len(rows))
	for i := range rows {
		ids[i] = rows[i].RunID
	}
	var metrics []db.Metric
	if len(ids) > 0 {
		var err error
		if metrics, err = db.MetricsByRunIDs(ctx, r.DB, ids); err != nil {
			return nil, nil, err
		}
	}
	names := imaging.MetricNames()
	var extra []string
	byRun := map[int64]map[string]db.Metric{}
	for _, m := range metrics {
		if m.Region != "" && m.Region != "all" {
			continue // the table has one value per run and metric: the whole image's
		}
		if !slices.Contains(names, m.Name) && !slices.Contains(extra, m.Name) {
			extra = append(extra, m.Name)
		}
		if byRun[m.RunID] == nil {
			byRun[m.RunID] = map[string]db.Metric{}
		}
		byRun[m.RunID][m.Name] = m
	}
	slices.Sort(extra)
	names = append(names, extra...)
	out := make([]*model.MetricTableRow, len(rows))
	for i := range rows {
		w := &rows[i]
		run := &db.Run{ID: w.RunID, VolumeID: w.VolumeID, Status: w.RunStatus, FinishedAt: w.FinishedAt}
		if l, err := r.loaders(ctx).run.Load(ctx, w.RunID); err == nil && l != nil {
			run = l
		}
		row := &model.MetricTableRow{Run: run, SubjectCode: w.SubjectCode, Eye: model.Eye(w.Eye), EccentricityDeg: w.EccentricityDeg,
			Tags: []string(w.Tags), Filename: w.Filename, Modality: w.Modality,
			ModelVersion: detectorName(w.ModelName, w.ModelVersion, w.Detector)}
		row.AcquiredOn = w.AcquiredOn
		if row.Tags == nil {
			row.Tags = []string{}
		}
		row.Values = make([]*model.MetricTableCell, len(names))
		for j, n := range names {
			if m, ok := byRun[w.RunID][n]; ok {
				row.Values[j] = &model.MetricTableCell{Value: m.Value, Unit: m.Unit, Ci95Low: m.CI95Low, Ci95High: m.CI95High}
			}
		}
		out[i] = row
	}
	return names, out, nil
}

// metricTableCSV writes the table as CSV: the naming columns, then per metric its value
// and 95% interval, each column headed with its unit.
func metricTableCSV(names []string, rows []*model.MetricTableRow) (string, error) {
	units := map[string]string{}
	for _, m := range imaging.MetricCatalog() {
		units[m.Name] = m.Unit
	}
	for _, row := range rows {
		for j, c := range row.Values {
			if c != nil && units[names[j]] == "" {
				units[names[j]] = c.Unit
			}
		}
	}
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	head := []string{"run_id", "subject_code", "eye", "eccentricity_deg", "acquired_on", "tags", "file_name", "modality", "model_version"}
	for _, n := range names {
		col := n
		if u := units[n]; u != "" {
			col += " (" + u + ")"
		}
		head = append(head, col, n+"_ci95_low", n+"_ci95_high")
	}
	if err := w.Write(head); err != nil {
		return "", err
	}
	num := func(f *float64) string {
		if f == nil {
			return ""
		}
		return strconv.FormatFloat(*f, 'g', -1, 64)
	}
	for _, row := range rows {
		rec := []string{globalID(row.Run), csvSafe(row.SubjectCode), string(row.Eye), num(row.EccentricityDeg), "",
			csvSafe(strings.Join(row.Tags, ";")), csvSafe(row.Filename), csvSafe(row.Modality), csvSafe(row.ModelVersion)}
		if row.AcquiredOn != nil {
			rec[4] = row.AcquiredOn.Format("2006-01-02")
		}
		for _, c := range row.Values {
			if c == nil {
				rec = append(rec, "", "", "")
				continue
			}
			v := c.Value
			rec = append(rec, num(&v), num(c.Ci95Low), num(c.Ci95High))
		}
		if err := w.Write(rec); err != nil {
			return "", err
		}
	}
	w.Flush()
	return b.String(), w.Error()
}

// csvSafe keeps a text cell from being read as a formula by a spreadsheet (CSV injection).
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// detectorName says what found a run's cells: the model version it named, unless the
// segment step recorded that the classical detector ran instead.
func detectorName(modelName, version *string, recorded string) string {
	named := ""
	if modelName != nil && version != nil {
		named = *modelName + " " + *version
	}
	switch {
	case recorded != "" && (named == "" || strings.HasPrefix(recorded, "classical")):
		if named != "" {
			return recorded + " (asked for " + named + ")"
		}
		return recorded
	case named != "":
		return named
	case recorded != "":
		return recorded
	}
	return "classical detector"
}

// validSubjectCode trims a subject code and checks its length.
func validSubjectCode(code string) (string, error) {
	code = strings.TrimSpace(code)
	if code == "" || len(code) > 64 {
		return "", invalidInput("subjectCode must be 1 to 64 characters")
	}
	return code, nil
}

func validTags(tags []string) ([]string, error) {
	out := make([]string, 0, len(tags))
	for _, t := range tags {
		t = strings.TrimSpace(t)
		if t == "" || len(t) > 64 {
			return nil, invalidInput("tags must be 1 to 64 characters each")
		}
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	if len(out) > 50 {
		return nil, invalidInput("a case carries at most 50 tags")
	}
	return out, nil
}

func (r *Resolver) updateCase(ctx context.Context, id string, in model.UpdateCaseInput) (*db.Case, error) {
	n, err := r.ownedID(ctx, id, "Case")
	if err != nil {
		return nil, err
	}
	var p db.CasePatch
	if in.SubjectCode != nil {
		code, err := validSubjectCode(*in.SubjectCode)
		if err != nil {
			return nil, err
		}
		p.SubjectCode = &code
	}
	if in.Eye != nil {
		eye := string(*in.Eye)
		p.Eye = &eye
	}
	if in.EccentricityDeg != nil && in.ClearEccentricity != nil && *in.ClearEccentricity {
		return nil, invalidInput("give eccentricityDeg or clearEccentricity, not both")
	}
	if in.EccentricityDeg != nil {
		if e := *in.EccentricityDeg; e < 0 || e > 90 || e != e {
			return nil, invalidInput("eccentricityDeg must be between 0 and 90 degrees")
		}
		p.EccentricityDeg = in.EccentricityDeg
	}
	p.ClearEccentricity = in.ClearEccentricity != nil && *in.ClearEccentricity
	if in.AcquiredOn != nil && in.ClearAcquiredOn != nil && *in.ClearAcquiredOn {
		return nil, invalidInput("give acquiredOn or clearAcquiredOn, not both")
	}
	if in.AcquiredOn != nil {
		t := *in.AcquiredOn
		if t.After(r.now().AddDate(0, 0, 1)) || t.Year() < 1990 {
			return nil, invalidInput("acquiredOn must be a date between 1990 and today")
		}
		p.AcquiredOn = &t
	}
	p.ClearAcquiredOn = in.ClearAcquiredOn != nil && *in.ClearAcquiredOn
	if in.Tags != nil {
		tags, err := validTags(in.Tags)
		if err != nil {
			return nil, err
		}
		p.Tags, p.SetTags = tags, true
	}
	var before, after db.Case
	var code string
	err = db.InTx(ctx, r.DB, func(tx *sqlx.Tx) error {
		var err error
		if before, after, err = db.UpdateCase(ctx, tx, n, p); err != nil {
			return err
		}
		if before.ArchivedAt != nil {
			return &codedError{code: CodeConflict, msg: "the case is archived: it cannot be corrected"}
		}
		code, err = db.SubjectCode(ctx, tx, after.SubjectID)
		return err
	})
	if err != nil {
		return nil, err
	}
	noteTarget(ctx, "%s", caseName(code, &after)+": "+caseChanges(before, after))
	return &after, nil
}

// caseChanges says which fields a correction changed.
func caseChanges(before, after db.Case) string {
	var ch []string
	if before.SubjectID != after.SubjectID {
		ch = append(ch, "subject")
	}
	if before.Eye != after.Eye {
		ch = append(ch, "eye "+before.Eye+"→"+after.Eye)
	}
	if fmt.Sprint(deref(before.EccentricityDeg)) != fmt.Sprint(deref(after.EccentricityDeg)) {
		ch = append(ch, "eccentricity")
	}
	if !sameDate(before.AcquiredOn, after.AcquiredOn) {
		ch = append(ch, "date")
	}
	if !slices.Equal(before.TagList, after.TagList) {
		ch = append(ch, "tags")
	}
	if len(ch) == 0 {
		return "no change"
	}
	return "changed " + strings.Join(ch, ", ")
}

func sameDate(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(*b)
}

func deref(f *float64) any {
	if f == nil {
		return nil
	}
	return *f
}

func validReason(reason string) (string, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" || len(reason) > maxReason {
		return "", invalidInput(fmt.Sprintf("say why, in 1 to %d characters", maxReason))
	}
	return reason, nil
}

func (r *Resolver) archiveVolume(ctx context.Context, id, reason string) (*db.Volume, error) {
	n, err := r.ownedID(ctx, id, "Volume")
	if err != nil {
		return nil, err
	}
	if reason, err = validReason(reason); err != nil {
		return nil, err
	}
	v, err := db.ArchiveVolume(ctx, r.DB, n, auth.Actor(ctx), reason)
	if err != nil {
		return nil, err
	}
	noteTarget(ctx, "%s", volumeName(&v)+": "+reason)
	return &v, nil
}

func (r *Resolver) archiveCase(ctx context.Context, id, reason string) (*db.Case, error) {
	n, err := r.ownedID(ctx, id, "Case")
	if err != nil {
		return nil, err
	}
	if reason, err = validReason(reason); err != nil {
		return nil, err
	}
	var c db.Case
	var code string
	err = db.InTx(ctx, r.DB, func(tx *sqlx.Tx) error {
		var err error
		if c, err = db.ArchiveCase(ctx, tx, n, auth.Actor(ctx), reason); err != nil {
			return err
		}
		code, err = db.SubjectCode(ctx, tx, c.SubjectID)
		return err
	})
	if err != nil {
		return nil, err
	}
	noteTarget(ctx, "%s", caseName(code, &c)+": "+reason)
	return &c, nil
}

// actorEmail is the e-mail address of an audit entry's actor, when it is a user.
func (r *Resolver) actorEmail(ctx context.Context, rec *audit.Record) (*string, error) {
	idText, ok := strings.CutPrefix(rec.Actor, "user:")
	if !ok {
		return nil, nil
	}
	id, err := strconv.ParseInt(idText, 10, 64)
	if err != nil {
		return nil, nil
	}
	u, err := r.loaders(ctx).userEmail.Load(ctx, id)
	if err != nil || u == nil {
		return nil, err
	}
	return &u.Email, nil
}

// noteRun names, for the audit log, the run a mutation acted on by its volume's file.
func (r *Resolver) noteRun(ctx context.Context, run *db.Run) {
	v, err := r.loaders(ctx).volume.Load(ctx, run.VolumeID)
	if err != nil || v == nil {
		noteTarget(ctx, "run %s", globalID(run))
		return
	}
	noteTarget(ctx, "run %s of %s", globalID(run), volumeName(v))
}

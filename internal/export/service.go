// Package export writes metrics and marks to the export store — an S3 bucket (another
// MinIO, another bucket) or a shared folder — as CSV, Parquet or the AO tools' coordinate
// files, one folder per export with a manifest.json written last. Rows are paged from
// PostgreSQL and streamed through the file writers, so a cohort of any size is never held
// in memory. Exports run as asynq tasks (jobs.TypeExport); progress is stored on the row
// and published on Redis.
package export

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/aomas/aomas/db"
	"github.com/aomas/aomas/imaging"
	"github.com/aomas/aomas/internal/follow"
	"github.com/aomas/aomas/internal/gid"
	"github.com/aomas/aomas/internal/labels"
	"github.com/aomas/aomas/jobs"
)

// Kinds, formats and destinations, as the API and the exports table name them.
const (
	KindMetrics = "METRICS"
	KindMarks   = "MARKS"

	FormatCSV      = "CSV"
	FormatParquet  = "PARQUET"
	FormatAOCoords = "AO_COORDS"

	DestinationS3     = "S3"
	DestinationFolder = "FOLDER"
)

// ManifestName is the file that makes an export complete; it is written last.
const ManifestName = "manifest.json"

// ErrNoDestination reports an export to a destination this deployment has not configured.
var ErrNoDestination = errors.New("export destination not configured")

// Filter is what an export selects, stored with it and written into its manifest.
type Filter struct {
	CaseID            *int64     `json:"case_id,omitempty"`
	VolumeID          *int64     `json:"volume_id,omitempty"`
	CohortTag         string     `json:"cohort_tag,omitempty"`
	Metric            string     `json:"metric,omitempty"`
	From              *time.Time `json:"from,omitempty"`
	To                *time.Time `json:"to,omitempty"`
	IncludeSuperseded bool       `json:"include_superseded,omitempty"`
	// ApprovedOnly (marks) keeps labels whose current version is approved.
	ApprovedOnly bool `json:"approved_only,omitempty"`
}

// Request is an export someone asked for. The caller has decided IncludeIdentity against
// the policy: the service writes identity exactly when it is set.
type Request struct {
	Project         string
	OwnerID         int64
	OwnerEmail      string
	Kind            string
	Format          string
	Destination     string
	Filter          Filter
	IncludeIdentity bool
}

// Enqueuer puts tasks on the queue; *asynq.Client satisfies it.
type Enqueuer interface {
	EnqueueContext(ctx context.Context, task *asynq.Task, opts ...asynq.Option) (*asynq.TaskInfo, error)
}

// Service creates, runs and serves exports.
type Service struct {
	DB db.DB
	// S3 and Folder are the destinations; either may be nil (not configured).
	S3     *S3Sink
	Folder *DirSink
	// Labels reads label documents (marks exports).
	Labels *labels.Service
	Queue  Enqueuer
	Redis  *redis.Client
	Logger *slog.Logger
	// URLKey signs the download links of folder exports; URLBase is the server's address
	// those links start with ("" gives a path).
	URLKey  []byte
	URLBase string
	// PageRows is how many rows one query reads (DefaultPageRows when 0).
	PageRows int
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// Wrap, when set, wraps the destination's sink for a run (tests stop a run between
	// files with it, as a dying worker would).
	Wrap func(Sink) Sink
}

// DefaultPageRows is how many rows an export reads per query.
const DefaultPageRows = 5000

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Service) sink(dest string) (Sink, error) {
	switch {
	case dest == DestinationS3 && s.S3 != nil:
		return s.S3, nil
	case dest == DestinationFolder && s.Folder != nil:
		return s.Folder, nil
	}
	return nil, fmt.Errorf("%w: %s", ErrNoDestination, dest)
}

// Configured reports whether dest can be written to.
func (s *Service) Configured(dest string) bool { _, err := s.sink(dest); return err == nil }

// Create records req and queues its task.
func (s *Service) Create(ctx context.Context, req Request) (db.Export, error) {
	if _, err := s.sink(req.Destination); err != nil {
		return db.Export{}, err
	}
	if req.Format == FormatAOCoords && req.Kind != KindMarks {
		return db.Export{}, fmt.Errorf("%w: AO coordinate files hold marks only", ErrInput)
	}
	f, err := json.Marshal(req.Filter)
	if err != nil {
		return db.Export{}, err
	}
	e, err := db.InsertExport(ctx, s.DB, db.Export{Project: req.Project, OwnerID: req.OwnerID, OwnerEmail: req.OwnerEmail,
		Kind: req.Kind, Format: req.Format, Destination: req.Destination, Filter: f, IncludeIdentity: req.IncludeIdentity})
	if err != nil {
		return db.Export{}, err
	}
	task, err := jobs.NewExportTask(e.ID)
	if err == nil {
		_, err = s.Queue.EnqueueContext(ctx, task)
	}
	if err != nil && !errors.Is(err, asynq.ErrTaskIDConflict) {
		_ = db.FailExport(context.WithoutCancel(ctx), s.DB, e.ID, "could not be queued")
		return db.Export{}, fmt.Errorf("queue export %d: %w", e.ID, err)
	}
	return e, nil
}

// ErrInput reports an export request that can never succeed.
var ErrInput = errors.New("invalid export")

// Dir is the folder of export id in the export store.
func Dir(id int64) string { return "export-" + strconv.FormatInt(id, 10) }

// Manifest is manifest.json: what was exported, by whom, when, and each file's digest.
type Manifest struct {
	SchemaVersion   int       `json:"schema_version"`
	ExportID        string    `json:"export_id"`
	Kind            string    `json:"kind"`
	Format          string    `json:"format"`
	Project         string    `json:"project"`
	Filter          Filter    `json:"filter"`
	IncludeIdentity bool      `json:"include_identity"`
	Columns         []string  `json:"columns,omitempty"`
	Coordinates     string    `json:"coordinates"`
	RowCount        int64     `json:"row_count"`
	Files           []Written `json:"files"`
	CreatedBy       string    `json:"created_by"`
	CreatedAt       time.Time `json:"created_at"`
	FinishedAt      time.Time `json:"finished_at"`
}

// Run writes export id: every data file, then the manifest. Run again after a crash, it
// writes everything anew (same names, whole files) and the manifest last, so an export
// folder with a manifest is always whole. Errors that no retry can cure are wrapped with
// asynq.SkipRetry and recorded.
func (s *Service) Run(ctx context.Context, id int64) error {
	e, err := db.ExportByID(ctx, s.DB, id)
	if errors.Is(err, db.ErrNotFound) {
		return fmt.Errorf("%w: %w", err, asynq.SkipRetry)
	}
	if err != nil {
		return err
	}
	if e.Status == db.ExportSucceeded || e.Status == db.ExportFailed {
		return nil
	}
	var f Filter
	if err := json.Unmarshal(e.Filter, &f); err != nil {
		return s.fail(ctx, e, "the stored filter is unreadable")
	}
	sink, err := s.sink(e.Destination)
	if err != nil {
		return s.fail(ctx, e, "the export destination is no longer configured")
	}
	if s.Wrap != nil {
		sink = s.Wrap(sink)
	}
	if e, err = db.StartExport(ctx, s.DB, id); err != nil {
		return err
	}
	s.announce(ctx, e.ID)
	w := &run{s: s, e: e, f: f, sink: sink, dir: Dir(e.ID)}
	switch e.Kind {
	case KindMetrics:
		err = w.metrics(ctx)
	case KindMarks:
		err = w.marks(ctx)
	default:
		return s.fail(ctx, e, "unknown export kind "+e.Kind)
	}
	if err != nil {
		return err
	}
	m := Manifest{SchemaVersion: SchemaVersion, ExportID: gid.Encode("Export", e.ID), Kind: e.Kind, Format: e.Format, Project: e.Project,
		Filter: f, IncludeIdentity: e.IncludeIdentity, Columns: w.columns, RowCount: w.rows, Files: w.files,
		Coordinates: w.coords, CreatedBy: e.OwnerEmail, CreatedAt: e.CreatedAt.UTC(), FinishedAt: s.now().UTC()}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	mf, err := sink.Create(ctx, w.dir, ManifestName, "application/json")
	if err != nil {
		return err
	}
	if _, err := mf.Write(b); err != nil {
		mf.Abort()
		return err
	}
	if ctx.Err() != nil {
		mf.Abort()
		return ctx.Err()
	}
	written, err := mf.Commit()
	if err != nil {
		return err
	}
	files, _ := json.Marshal(append(w.files, written))
	if _, err := db.FinishExport(context.WithoutCancel(ctx), s.DB, e.ID, w.rows, files, written.SHA256); err != nil {
		return err
	}
	s.announce(ctx, e.ID)
	return nil
}

func (s *Service) fail(ctx context.Context, e db.Export, reason string) error {
	if err := db.FailExport(context.WithoutCancel(ctx), s.DB, e.ID, reason); err != nil {
		return err
	}
	s.announce(ctx, e.ID)
	return fmt.Errorf("export %d: %s: %w", e.ID, reason, asynq.SkipRetry)
}

// run is one execution of an export.
type run struct {
	s       *Service
	e       db.Export
	f       Filter
	sink    Sink
	dir     string
	rows    int64
	total   int64
	files   []Written
	columns []string
	coords  string
	lastPub time.Time
}

func (s *Service) pageRows() int {
	if s.PageRows > 0 {
		return s.PageRows
	}
	return DefaultPageRows
}

// progress stores and publishes how far the export got, at most every 200 ms.
func (w *run) progress(ctx context.Context, msg string, force bool) error {
	now := time.Now()
	if !force && now.Sub(w.lastPub) < 200*time.Millisecond {
		return nil
	}
	w.lastPub = now
	frac := 0.0
	if w.total > 0 {
		frac = float64(w.rows) / float64(w.total)
	}
	// The manifest is the last step: rows alone never reach 1.
	if _, err := db.SetExportProgress(ctx, w.s.DB, w.e.ID, min(frac, 0.99), msg); err != nil {
		return err
	}
	w.s.announce(ctx, w.e.ID)
	return nil
}

func (w *run) metricFilter() db.MetricListFilter {
	return db.MetricListFilter{Project: w.e.Project, CaseID: w.f.CaseID, CohortTag: w.f.CohortTag, Name: w.f.Metric,
		From: w.f.From, To: w.f.To, IncludeSuperseded: w.f.IncludeSuperseded}
}

func (w *run) metrics(ctx context.Context) error {
	if w.e.Format == FormatAOCoords {
		return w.s.fail(ctx, w.e, "AO coordinate files hold marks only")
	}
	f := w.metricFilter()
	total, err := db.CountExportMetrics(ctx, w.s.DB, f)
	if err != nil {
		return err
	}
	w.total = total
	identity := w.e.IncludeIdentity
	w.columns = metricColumns(identity)
	name, ct := "metrics.csv", "text/csv"
	if w.e.Format == FormatParquet {
		name, ct = "metrics.parquet", "application/vnd.apache.parquet"
	}
	file, err := w.sink.Create(ctx, w.dir, name, ct)
	if err != nil {
		return err
	}
	var rw rowWriter[MetricRow]
	if w.e.Format == FormatParquet {
		rw = newMetricParquet(file, identity)
	} else if rw, err = newMetricCSV(file, identity); err != nil {
		file.Abort()
		return err
	}
	var after, n int64
	buf := make([]MetricRow, 0, w.s.pageRows())
	for {
		page, err := db.ExportMetricsPage(ctx, w.s.DB, f, identity, after, w.s.pageRows())
		if err != nil {
			file.Abort()
			return err
		}
		if len(page) == 0 {
			break
		}
		buf = buf[:0]
		for _, r := range page {
			buf = append(buf, MetricRow{RunID: gid.Encode("Run", r.RunID), SubjectCode: r.SubjectCode, PatientID: r.PatientID, Eye: r.Eye,
				EccentricityDeg: r.EccentricityDeg, Metric: r.Name, Region: r.Region, Value: r.Value, CI95Low: r.CI95Low,
				CI95High: r.CI95High, Unit: r.Unit, ModelVersion: modelVersion(r.ModelName, r.ModelVersion, r.Detector)})
		}
		if err := rw.Write(buf); err != nil {
			file.Abort()
			return err
		}
		after = page[len(page)-1].MetricID
		n += int64(len(page))
		w.rows = n
		if err := w.progress(ctx, fmt.Sprintf("%d of %d rows", n, w.total), false); err != nil {
			file.Abort()
			return err
		}
	}
	if err := rw.Close(); err != nil {
		file.Abort()
		return err
	}
	if ctx.Err() != nil {
		file.Abort()
		return ctx.Err()
	}
	written, err := file.Commit()
	if err != nil {
		return err
	}
	written.Rows = n
	w.files = append(w.files, written)
	return w.progress(ctx, fmt.Sprintf("%d rows written", n), true)
}

// modelVersion names what measured a run: "model version", or the detector it recorded.
func modelVersion(name, version *string, detector string) string {
	if name != nil && version != nil {
		return *name + " " + *version
	}
	return detector
}

func (w *run) marksFilter() db.MarksFilter {
	return db.MarksFilter{Project: w.e.Project, CaseID: w.f.CaseID, VolumeID: w.f.VolumeID, CohortTag: w.f.CohortTag,
		Kind: "cones", ApprovedOnly: w.f.ApprovedOnly}
}

// marks writes the cone marks of each selected volume's current label: one table (CSV or
// Parquet), or one `<image stem>_coords.csv` per image (AO_COORDS).
func (w *run) marks(ctx context.Context) error {
	if w.s.Labels == nil {
		return w.s.fail(ctx, w.e, "label documents cannot be read here")
	}
	f := w.marksFilter()
	total, err := db.CountExportLabels(ctx, w.s.DB, f)
	if err != nil {
		return err
	}
	w.total = total
	identity := w.e.IncludeIdentity
	var file File
	var rw rowWriter[MarkRow]
	if w.e.Format == FormatAOCoords {
		w.coords = "x,y per line, no header: MATLAB 1-based pixels, the top-left pixel's centre at (1, 1)"
	} else {
		w.columns = markColumns(identity)
		w.coords = "x_px, y_px: 0-based pixels, the top-left pixel's centre at (0, 0)"
		name, ct := "marks.csv", "text/csv"
		if w.e.Format == FormatParquet {
			name, ct = "marks.parquet", "application/vnd.apache.parquet"
		}
		if file, err = w.sink.Create(ctx, w.dir, name, ct); err != nil {
			return err
		}
		if w.e.Format == FormatParquet {
			rw = newMarkParquet(file, identity)
		} else if rw, err = newMarkCSV(file, identity); err != nil {
			file.Abort()
			return err
		}
	}
	abort := func(err error) error {
		if file != nil {
			file.Abort()
		}
		return err
	}
	used := map[string]int{}
	var after, labelsDone, marks int64
	for {
		page, err := db.ExportLabelsPage(ctx, w.s.DB, f, identity, after, 200)
		if err != nil {
			return abort(err)
		}
		if len(page) == 0 {
			break
		}
		for _, l := range page {
			ms, err := w.s.Labels.MarksAt(ctx, l.ObjectKey)
			if err != nil {
				return abort(err)
			}
			if w.e.Format == FormatAOCoords {
				name := coordsFileName(l, used)
				cf, err := w.sink.Create(ctx, w.dir, name, "text/csv")
				if err != nil {
					return abort(err)
				}
				pts := make([]imaging.Point, len(ms))
				for i, m := range ms {
					pts[i] = imaging.Point{X: m.X, Y: m.Y}
				}
				if err := labels.WriteCoords(cf, pts); err != nil {
					cf.Abort()
					return abort(err)
				}
				if ctx.Err() != nil {
					cf.Abort()
					return ctx.Err()
				}
				wr, err := cf.Commit()
				if err != nil {
					return abort(err)
				}
				wr.Rows = int64(len(ms))
				w.files = append(w.files, wr)
			} else {
				rows := make([]MarkRow, len(ms))
				for i, m := range ms {
					rows[i] = MarkRow{VolumeID: gid.Encode("Volume", l.VolumeID), SubjectCode: l.SubjectCode, PatientID: l.PatientID, Eye: l.Eye,
						EccentricityDeg: l.EccentricityDeg, Image: l.Filename, LabelVersion: int32(l.LabelVersion), LabelState: l.LabelState,
						MarkID: m.ID, XPx: m.X, YPx: m.Y, Source: m.Source}
				}
				if err := rw.Write(rows); err != nil {
					return abort(err)
				}
			}
			marks += int64(len(ms))
			labelsDone++
			after = l.VolumeID
		}
		w.rows = labelsDone
		if err := w.progress(ctx, fmt.Sprintf("%d of %d images, %d marks", labelsDone, w.total, marks), false); err != nil {
			return abort(err)
		}
	}
	w.rows = marks
	if file != nil {
		if err := rw.Close(); err != nil {
			return abort(err)
		}
		if ctx.Err() != nil {
			return abort(ctx.Err())
		}
		wr, err := file.Commit()
		if err != nil {
			return err
		}
		wr.Rows = marks
		w.files = append(w.files, wr)
	}
	return nil
}

// coordsFileName is the coordinate file of an image, made unique within the export (two
// volumes may share a file name): `<stem>_coords.csv`, else prefixed by the volume id.
func coordsFileName(l db.ExportLabelRow, used map[string]int) string {
	name := labels.CoordsName(safeName(l.Filename))
	used[name]++
	if used[name] > 1 {
		name = labels.CoordsName(fmt.Sprintf("v%d_%s", l.VolumeID, safeName(l.Filename)))
	}
	return name
}

// safeName keeps a file name to one path element.
func safeName(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r < 0x20 {
			return '_'
		}
		return r
	}, s)
	if s == "" || s == "." || s == ".." {
		return "image"
	}
	return s
}

// Channel is the Redis channel announcing changes of export id.
func Channel(id int64) string { return "aomas:export:" + strconv.FormatInt(id, 10) }

func (s *Service) announce(ctx context.Context, id int64) {
	if s.Redis == nil {
		return
	}
	if err := s.Redis.Publish(context.WithoutCancel(ctx), Channel(id), "1").Err(); err != nil && s.Logger != nil {
		s.Logger.WarnContext(ctx, "publish export progress", "export_id", id, "err", err)
	}
}

// Final reports whether an export status is final.
func Final(status string) bool { return status == db.ExportSucceeded || status == db.ExportFailed }

// Subscribe streams export id's row, first as stored, then on every change (a new Seq,
// announced on Redis, or seen by a poll each second), until it is final or ctx ends.
func (s *Service) Subscribe(ctx context.Context, id int64) (<-chan db.Export, error) {
	out, err := follow.Row(ctx, s.Redis, Channel(id),
		func(ctx context.Context) (db.Export, error) { return db.ExportByID(ctx, s.DB, id) },
		func(e db.Export) int64 { return e.Seq },
		func(e db.Export) bool { return Final(e.Status) })
	if err != nil {
		return nil, fmt.Errorf("subscribe to export %d: %w", id, err)
	}
	return out, nil
}

// FileURL is where a file of export e can be downloaded for ttl: a presigned URL (S3) or a
// signed path this server serves (folder).
func (s *Service) FileURL(ctx context.Context, e db.Export, name string, ttl time.Duration) (string, error) {
	switch e.Destination {
	case DestinationS3:
		if s.S3 == nil {
			return "", ErrNoDestination
		}
		u, err := s.S3.URL(ctx, Dir(e.ID), name, ttl)
		if err != nil {
			return "", err
		}
		return u.String(), nil
	case DestinationFolder:
		exp := strconv.FormatInt(s.now().Add(ttl).Unix(), 10)
		q := url.Values{"expires": {exp}, "sig": {s.sign(e.ID, name, exp)}}
		return s.URLBase + FilesPath + strconv.FormatInt(e.ID, 10) + "/" + url.PathEscape(name) + "?" + q.Encode(), nil
	}
	return "", ErrNoDestination
}

// FilesPath is where the server serves folder exports' files.
const FilesPath = "/exports/files/"

func (s *Service) sign(id int64, name, exp string) string {
	m := hmac.New(sha256.New, s.URLKey)
	fmt.Fprintf(m, "%d\x00%s\x00%s", id, name, exp)
	return hex.EncodeToString(m.Sum(nil))
}

// FileHandler serves the files of folder exports at FilesPath + "<id>/<name>", to whoever
// holds a link FileURL signed and that has not expired; only files an export recorded
// (its manifest among them) are served.
func (s *Service) FileHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rest := strings.TrimPrefix(r.URL.Path, FilesPath)
		idStr, name, ok := strings.Cut(rest, "/")
		id, err := strconv.ParseInt(idStr, 10, 64)
		exp := r.URL.Query().Get("expires")
		expAt, err2 := strconv.ParseInt(exp, 10, 64)
		if !ok || err != nil || err2 != nil || s.Folder == nil || len(s.URLKey) == 0 ||
			!hmac.Equal([]byte(s.sign(id, name, exp)), []byte(r.URL.Query().Get("sig"))) || s.now().Unix() > expAt {
			http.Error(w, "not found or link expired", http.StatusNotFound)
			return
		}
		e, err := db.ExportByID(r.Context(), s.DB, id)
		if err != nil || e.Destination != DestinationFolder || !recorded(e.Files, name) {
			http.Error(w, "not found or link expired", http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", name))
		http.ServeFile(w, r, s.Folder.Path(Dir(id), name))
	})
}

func recorded(files json.RawMessage, name string) bool {
	var fs []Written
	if json.Unmarshal(files, &fs) != nil {
		return false
	}
	for _, f := range fs {
		if f.Name == name {
			return true
		}
	}
	return false
}

// Files decodes the files an export recorded.
func Files(e db.Export) []Written {
	var fs []Written
	_ = json.Unmarshal(e.Files, &fs)
	return fs
}

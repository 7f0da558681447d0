package export_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/jmoiron/sqlx"
	"github.com/stretchr/testify/require"

	"github.com/aomas/aomas/db"
	"github.com/aomas/aomas/internal/export"
	"github.com/aomas/aomas/internal/gid"
	"github.com/aomas/aomas/internal/testenv"
	"github.com/aomas/aomas/storage"
)

// seedMetrics records, in project, 1,000 succeeded runs (100 subjects × 10 cases) with
// perRun metrics each, and an identity per subject.
func seedMetrics(t *testing.T, conn *sqlx.DB, project string, perRun int) {
	t.Helper()
	for _, q := range []string{
		`INSERT INTO subjects (project, code) SELECT $1, $1 || '-S' || lpad(g::text, 4, '0') FROM generate_series(1, 100) g`,
		`INSERT INTO subject_identities (subject_id, patient_id, patient_name) SELECT id, 'PAT-' || code, 'Doe^' || code FROM subjects WHERE project = $1`,
		`INSERT INTO cases (subject_id, eye, eccentricity_deg, tags)
			SELECT s.id, CASE WHEN g % 2 = 0 THEN 'OD' ELSE 'OS' END, CASE WHEN g = 10 THEN NULL ELSE g * 0.5 END, ARRAY['cohort-x']
			FROM subjects s, generate_series(1, 10) g WHERE s.project = $1`,
		`INSERT INTO volumes (case_id, dim_z, dim_y, dim_x, dtype, size_bytes, source_format, filename, status)
			SELECT c.id, 1, 64, 64, 'uint8', 4096, 'tiff', 'img' || c.id || '.tif', 'READY' FROM cases c JOIN subjects s ON s.id = c.subject_id WHERE s.project = $1`,
		`INSERT INTO runs (volume_id, status) SELECT v.id, 'SUCCEEDED' FROM volumes v JOIN cases c ON c.id = v.case_id
			JOIN subjects s ON s.id = c.subject_id WHERE s.project = $1`,
		`INSERT INTO metrics (run_id, name, value, unit, ci95_low, ci95_high)
			SELECT r.id, 'metric_' || g, r.id * 1.5 + g / 7.0, 'cells/mm²',
				CASE WHEN g % 3 = 0 THEN NULL ELSE r.id * 1.5 + g / 7.0 - 0.25 END, CASE WHEN g % 3 = 0 THEN NULL ELSE r.id * 1.5 + g / 7.0 + 0.25 END
			FROM runs r JOIN volumes v ON v.id = r.volume_id JOIN cases c ON c.id = v.case_id JOIN subjects s ON s.id = c.subject_id,
				generate_series(1, $2) g WHERE s.project = $1`,
	} {
		args := []any{project}
		if strings.Contains(q, "$2") {
			args = append(args, perRun)
		}
		_, err := conn.Exec(q, args...)
		require.NoError(t, err)
	}
}

// expected is what an export of project's metrics must hold, read with plain SQL, as the
// readers print it: CSV text fields, or typed values (Parquet) as JSON decodes them.
type metricWant struct {
	RunID                         int64
	Code, Eye, Name, Region, Unit string
	Patient                       *string
	Ecc, Low, High                *float64
	Value                         float64
}

func expected(t *testing.T, conn *sqlx.DB, project string) []metricWant {
	rows, err := conn.Query(`SELECT r.id, s.code, si.patient_id, c.eye, c.eccentricity_deg, m.name, m.region, m.value, m.ci95_low, m.ci95_high, m.unit
		FROM metrics m JOIN runs r ON r.id = m.run_id JOIN volumes v ON v.id = r.volume_id JOIN cases c ON c.id = v.case_id
		JOIN subjects s ON s.id = c.subject_id LEFT JOIN subject_identities si ON si.subject_id = s.id
		WHERE s.project = $1 ORDER BY m.id`, project)
	require.NoError(t, err)
	defer rows.Close()
	var out []metricWant
	for rows.Next() {
		var w metricWant
		require.NoError(t, rows.Scan(&w.RunID, &w.Code, &w.Patient, &w.Eye, &w.Ecc, &w.Name, &w.Region, &w.Value, &w.Low, &w.High, &w.Unit))
		out = append(out, w)
	}
	require.NoError(t, rows.Err())
	return out
}

type table struct {
	Columns []string `json:"columns"`
	Types   []string `json:"types"`
	Rows    [][]any  `json:"rows"`
}

// readBack reads file with an independent reader: Python's csv, or hyparquet under Node.
func readBack(t *testing.T, path, format string) table {
	t.Helper()
	var cmd *exec.Cmd
	if format == export.FormatCSV {
		cmd = exec.Command("python3", "testdata/read_csv.py", path)
	} else {
		prefix := os.Getenv("AOMAS_PARQUET_READER")
		if prefix == "" {
			prefix = filepath.Join(testenv.RepoRoot(t), ".local", "tools", "parquet-reader")
		}
		_, err := os.Stat(filepath.Join(prefix, "node_modules", "hyparquet"))
		require.NoError(t, err, "the independent Parquet reader (hyparquet) is installed by `make deps` into %s", prefix)
		cmd = exec.Command("node", "testdata/read_parquet.mjs", prefix, path)
	}
	out, err := cmd.Output()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		t.Fatalf("%s: %v: %s", cmd, err, ee.Stderr)
	}
	require.NoError(t, err)
	var tb table
	require.NoError(t, json.Unmarshal(out, &tb))
	return tb
}

func str(f *float64) any {
	if f == nil {
		return ""
	}
	return strconv.FormatFloat(*f, 'g', -1, 64)
}

func val(f *float64) any {
	if f == nil {
		return nil
	}
	return *f
}

// requireRows checks that every row read back equals the database's, value for value.
func requireRows(t *testing.T, tb table, want []metricWant, format string, identity bool) {
	t.Helper()
	cols := []string{"run_id", "subject_code"}
	if identity {
		cols = append(cols, "patient_id")
	}
	cols = append(cols, "eye", "eccentricity_deg", "metric", "region", "value", "ci95_low", "ci95_high", "unit", "model_version")
	require.Equal(t, cols, tb.Columns)
	require.Len(t, tb.Rows, len(want))
	for i, w := range want {
		var exp []any
		if format == export.FormatCSV {
			exp = []any{gid.Encode("Run", w.RunID), w.Code}
			if identity {
				exp = append(exp, *w.Patient)
			}
			exp = append(exp, w.Eye, str(w.Ecc), w.Name, w.Region, strconv.FormatFloat(w.Value, 'g', -1, 64), str(w.Low), str(w.High), w.Unit, "")
		} else {
			exp = []any{gid.Encode("Run", w.RunID), w.Code}
			if identity {
				exp = append(exp, *w.Patient)
			}
			exp = append(exp, w.Eye, val(w.Ecc), w.Name, w.Region, w.Value, val(w.Low), val(w.High), w.Unit, "")
		}
		if !assertRow(exp, tb.Rows[i]) {
			t.Fatalf("row %d: read back %v, want %v", i, tb.Rows[i], exp)
		}
	}
}

func assertRow(exp, got []any) bool {
	if len(exp) != len(got) {
		return false
	}
	for i := range exp {
		if exp[i] != got[i] {
			return false
		}
	}
	return true
}

type env struct {
	conn   *sqlx.DB
	bucket *storage.Store
	dir    string
	svc    *export.Service
	userID int64
}

func newEnv(t *testing.T) *env {
	conn := testenv.Postgres(t)
	rdb, _ := testenv.Redis(t)
	bucket := testenv.Store(t) // the export bucket: not the volumes'
	dir := t.TempDir()
	var uid int64
	require.NoError(t, conn.Get(&uid, `INSERT INTO users (email) VALUES ('analyst@example.org') RETURNING id`))
	return &env{conn: conn, bucket: bucket, dir: dir, userID: uid,
		svc: &export.Service{DB: conn, S3: &export.S3Sink{Store: bucket, Prefix: "exports/"}, Folder: &export.DirSink{Dir: dir}, Redis: rdb,
			PageRows: 20000}}
}

// newExport records an export as the API would, for Run to write.
func (e *env) newExport(t *testing.T, project, format, dest string, identity bool, f export.Filter) db.Export {
	b, _ := json.Marshal(f)
	x, err := db.InsertExport(context.Background(), e.conn, db.Export{Project: project, OwnerID: e.userID, OwnerEmail: "analyst@example.org",
		Kind: export.KindMetrics, Format: format, Destination: dest, Filter: b, IncludeIdentity: identity})
	require.NoError(t, err)
	return x
}

// fetch copies a file of export x to a local path (S3: through a GET) and returns it.
func (e *env) fetch(t *testing.T, x db.Export, name string) string {
	if x.Destination == export.DestinationFolder {
		return filepath.Join(e.dir, export.Dir(x.ID), name)
	}
	rc, err := e.bucket.Get(context.Background(), "exports/"+export.Dir(x.ID)+"/"+name)
	require.NoError(t, err)
	defer rc.Close()
	p := filepath.Join(t.TempDir(), name)
	f, err := os.Create(p)
	require.NoError(t, err)
	_, err = io.Copy(f, rc)
	require.NoError(t, err)
	require.NoError(t, f.Close())
	return p
}

func sha(t *testing.T, path string) string {
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// exportRows is how many metric rows TestExportMetrics exports: 10,000 in `make test` (a
// loaded 2-core machine), 100,000 with AOMAS_EXPORT_TEST_ROWS=100000 (`make test-exports`).
func exportRows(t *testing.T) int {
	n := 10000
	if v := os.Getenv("AOMAS_EXPORT_TEST_ROWS"); v != "" {
		var err error
		n, err = strconv.Atoi(v)
		require.NoError(t, err)
		require.True(t, n >= 1000 && n%1000 == 0, "AOMAS_EXPORT_TEST_ROWS: a multiple of 1,000")
	}
	return n
}

// TestExportMetrics writes 10,000 (or 100,000) metric rows to MinIO and to a folder, as CSV and as
// Parquet, reads each back with an independent reader (Python's csv, hyparquet) and checks
// every value, the manifest's digests and row count, and that another project's rows and
// (unless asked for) identity stay out.
func TestExportMetrics(t *testing.T) {
	e := newEnv(t)
	rows := exportRows(t)
	seedMetrics(t, e.conn, "p1", rows/1000) // 1,000 runs × rows/1000 metrics
	seedMetrics(t, e.conn, "p2", 3)         // another project's rows, never exported with p1's
	want := expected(t, e.conn, "p1")
	require.Len(t, want, rows)

	for _, c := range []struct {
		dest, format string
		identity     bool
	}{
		{export.DestinationS3, export.FormatParquet, false},
		{export.DestinationS3, export.FormatCSV, true},
		{export.DestinationFolder, export.FormatCSV, false},
		{export.DestinationFolder, export.FormatParquet, true},
	} {
		t.Run(c.dest+"-"+c.format, func(t *testing.T) {
			x := e.newExport(t, "p1", c.format, c.dest, c.identity, export.Filter{})
			require.NoError(t, e.svc.Run(context.Background(), x.ID))
			x, err := db.ExportByID(context.Background(), e.conn, x.ID)
			require.NoError(t, err)
			require.Equal(t, db.ExportSucceeded, x.Status)
			require.EqualValues(t, rows, *x.RowCount)

			var m export.Manifest
			mb, err := os.ReadFile(e.fetch(t, x, export.ManifestName))
			require.NoError(t, err)
			require.NoError(t, json.Unmarshal(mb, &m))
			require.EqualValues(t, rows, m.RowCount)
			require.Equal(t, export.SchemaVersion, m.SchemaVersion)
			require.Equal(t, "analyst@example.org", m.CreatedBy)
			require.Equal(t, c.identity, m.IncludeIdentity)
			require.Len(t, m.Files, 1)
			data := e.fetch(t, x, m.Files[0].Name)
			require.Equal(t, m.Files[0].SHA256, sha(t, data), "the manifest's digest is the file's")

			tb := readBack(t, data, c.format)
			requireRows(t, tb, want, c.format, c.identity)
			if c.format == export.FormatParquet {
				require.Contains(t, tb.Types, "DOUBLE", "typed columns")
				require.Equal(t, "DOUBLE?", tb.Types[slicesIndex(tb.Columns, "ci95_low")])
			}
			raw, err := os.ReadFile(data)
			require.NoError(t, err)
			if !c.identity && c.format == export.FormatCSV {
				require.NotContains(t, string(raw), "PAT-", "no identity unless asked for and allowed")
			}
			require.NotContains(t, string(raw), "p2-S", "another project's rows")
		})
	}
}

func slicesIndex(s []string, v string) int {
	for i := range s {
		if s[i] == v {
			return i
		}
	}
	return -1
}

// cancelAfter cancels an export's context once n files were committed: a worker dying
// between files.
type cancelAfter struct {
	export.Sink
	n      int
	cancel context.CancelFunc
}

func (c *cancelAfter) Create(ctx context.Context, dir, name, ct string) (export.File, error) {
	f, err := c.Sink.Create(ctx, dir, name, ct)
	return &cancelFile{File: f, c: c}, err
}

type cancelFile struct {
	export.File
	c *cancelAfter
}

func (f *cancelFile) Commit() (export.Written, error) {
	w, err := f.File.Commit()
	f.c.n--
	if f.c.n == 0 {
		f.c.cancel()
	}
	return w, err
}

// TestExportCrashLeavesNoManifest kills an export between its data file and its manifest
// (and, in a second try, mid-file): no manifest is left, the export is not SUCCEEDED, and a
// retry completes it whole.
func TestExportCrashLeavesNoManifest(t *testing.T) {
	e := newEnv(t)
	seedMetrics(t, e.conn, "p1", 5)
	for _, dest := range []string{export.DestinationS3, export.DestinationFolder} {
		t.Run(dest, func(t *testing.T) {
			x := e.newExport(t, "p1", export.FormatParquet, dest, false, export.Filter{})
			ctx, cancel := context.WithCancel(context.Background())
			svc := *e.svc
			runWith(t, &svc, &cancelAfter{Sink: sinkOf(e, dest), n: 1, cancel: cancel}, ctx, x.ID)
			has, err := sinkOf(e, dest).Has(context.Background(), export.Dir(x.ID), export.ManifestName)
			require.NoError(t, err)
			require.False(t, has, "a crash before the manifest leaves none")
			got, err := db.ExportByID(context.Background(), e.conn, x.ID)
			require.NoError(t, err)
			require.NotEqual(t, db.ExportSucceeded, got.Status)

			// The retry (asynq's) writes it whole.
			require.NoError(t, e.svc.Run(context.Background(), x.ID))
			has, err = sinkOf(e, dest).Has(context.Background(), export.Dir(x.ID), export.ManifestName)
			require.NoError(t, err)
			require.True(t, has)
		})
	}
}

func sinkOf(e *env, dest string) export.Sink {
	if dest == export.DestinationS3 {
		return e.svc.S3
	}
	return e.svc.Folder
}

// runWith runs export id through sink s (standing in for the destination's own sink).
func runWith(t *testing.T, svc *export.Service, s export.Sink, ctx context.Context, id int64) {
	t.Helper()
	svc.Wrap = func(export.Sink) export.Sink { return s }
	err := svc.Run(ctx, id)
	require.ErrorIs(t, err, context.Canceled)
}

package export_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aomas/aomas/db"
	"github.com/aomas/aomas/imaging"
	"github.com/aomas/aomas/internal/export"
	"github.com/aomas/aomas/internal/labels"
	"github.com/aomas/aomas/internal/testenv/shared"
)

type manifestRow struct {
	modality, image, coords string
	width, height, n        int
}

func trainingManifest(t *testing.T) (string, []manifestRow) {
	base := filepath.Join(shared.Dir(t), "data", "ao-cunefare-2017-train")
	f, err := os.Open(filepath.Join(base, "manifest.csv"))
	require.NoError(t, err)
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	require.NoError(t, err)
	var out []manifestRow
	for _, r := range recs[1:] {
		w, _ := strconv.Atoi(r[4])
		h, _ := strconv.Atoi(r[5])
		n, _ := strconv.Atoi(r[7])
		out = append(out, manifestRow{modality: r[0], image: r[1], coords: r[2], width: w, height: h, n: n})
	}
	return base, out
}

// TestImportTrainingCoordinates brings the shared training data's coordinate files (tab
// separated confocal `_manualcoord.txt`, comma separated split-detector `_coords.csv`) in as
// label versions and finds each image's mark count exactly as its manifest states; the
// coordinate files are matched to volumes by image stem, as `aomas labels import` does.
func TestImportTrainingCoordinates(t *testing.T) {
	e := newEnv(t)
	base, rows := trainingManifest(t)
	require.Len(t, rows, 384)
	ls := &labels.Service{DB: e.conn, Store: e.bucket}
	total := 0
	for i, r := range rows {
		stem, ok := labels.CoordsStem(r.coords)
		require.True(t, ok, r.coords)
		require.Equal(t, labels.ImageStem(r.image), stem)
		f, err := os.Open(filepath.Join(base, r.coords))
		require.NoError(t, err)
		pts, err := labels.ParseCoords(f)
		f.Close()
		require.NoError(t, err)
		require.Len(t, pts, r.n, r.coords)
		total += len(pts)
		// Every 8th file goes the whole way into a label version and back (all 384 would
		// be 384 object-store round trips on a loaded machine).
		if i%8 != 0 {
			continue
		}
		var vid int64
		require.NoError(t, e.conn.Get(&vid, `WITH s AS (INSERT INTO subjects (project, code) VALUES ('p1', $1) RETURNING id),
			c AS (INSERT INTO cases (subject_id, eye) SELECT id, 'OD' FROM s RETURNING id)
			INSERT INTO volumes (case_id, dim_z, dim_y, dim_x, dtype, size_bytes, source_format, filename, status)
			SELECT id, 1, $2, $3, 'uint8', $4, 'tiff', $5, 'READY' FROM c RETURNING id`,
			"T"+strconv.Itoa(i), r.height, r.width, r.width*r.height, filepath.Base(r.image)))
		v := db.Volume{ID: vid, DimX: r.width, DimY: r.height}
		l, err := ls.ImportMarks(context.Background(), v, pts, "importer@example.org")
		require.NoError(t, err)
		marks, err := ls.Marks(context.Background(), l)
		require.NoError(t, err)
		require.Len(t, marks, r.n, r.coords)
	}
	require.Equal(t, 60185+26082, total, "the README's totals")
}

// TestCoordsRoundTrip exports a label's marks as `_coords.csv` beside the image name (AO
// tools' convention: 1-based) and imports the file back: the same points, exactly.
func TestCoordsRoundTrip(t *testing.T) {
	e := newEnv(t)
	base, rows := trainingManifest(t)
	var r manifestRow
	for _, x := range rows {
		if x.modality == "split_detector" && x.n > 300 {
			r = x // full-precision values, some integral
			break
		}
	}
	f, err := os.Open(filepath.Join(base, r.coords))
	require.NoError(t, err)
	pts, err := labels.ParseCoords(f)
	f.Close()
	require.NoError(t, err)
	var vid int64
	require.NoError(t, e.conn.Get(&vid, `WITH s AS (INSERT INTO subjects (project, code) VALUES ('p1', 'RT') RETURNING id),
		c AS (INSERT INTO cases (subject_id, eye) SELECT id, 'OS' FROM s RETURNING id)
		INSERT INTO volumes (case_id, dim_z, dim_y, dim_x, dtype, size_bytes, source_format, filename, status)
		SELECT id, 1, $1, $2, 'uint8', $3, 'tiff', $4, 'READY' FROM c RETURNING id`, r.height, r.width, r.width*r.height, filepath.Base(r.image)))
	ls := &labels.Service{DB: e.conn, Store: e.bucket}
	_, err = ls.ImportMarks(context.Background(), db.Volume{ID: vid, DimX: r.width, DimY: r.height}, pts, "importer@example.org")
	require.NoError(t, err)

	e.svc.Labels = ls
	b, _ := json.Marshal(export.Filter{})
	x, err := db.InsertExport(context.Background(), e.conn, db.Export{Project: "p1", OwnerID: e.userID, OwnerEmail: "analyst@example.org",
		Kind: export.KindMarks, Format: export.FormatAOCoords, Destination: export.DestinationFolder, Filter: b})
	require.NoError(t, err)
	require.NoError(t, e.svc.Run(context.Background(), x.ID))

	name := labels.CoordsName(filepath.Base(r.image))
	require.Equal(t, filepath.Base(r.coords), name, "named as the AO tools name it, beside the image")
	out, err := os.ReadFile(e.fetch(t, x, name))
	require.NoError(t, err)
	back, err := labels.ParseCoords(bytes.NewReader(out))
	require.NoError(t, err)
	require.Equal(t, pts, back)
	// 1-based on disk: the file's first line is the source file's first point as written.
	src, err := os.ReadFile(filepath.Join(base, r.coords))
	require.NoError(t, err)
	first := func(b []byte) []imaging.Point {
		p, err := labels.ParseCoords(bytes.NewReader(b[:bytes.IndexByte(b, '\n')+1]))
		require.NoError(t, err)
		return p
	}
	require.Equal(t, first(src), first(out))
}

package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/jmoiron/sqlx"
	"github.com/stretchr/testify/require"

	"github.com/aomas/aomas/db"
	"github.com/aomas/aomas/internal/labels"
	"github.com/aomas/aomas/internal/testenv"
	"github.com/aomas/aomas/internal/testenv/shared"
	"github.com/aomas/aomas/storage"
)

// TestLabelsImport: `aomas labels import` finds the coordinate files under a folder, matches
// each to the case's volume by image stem and saves its marks as a label version; a file
// with no volume is reported and the exit code says so.
func TestLabelsImport(t *testing.T) {
	dbURL := testenv.DatabaseURL(t)
	_, redisURL := testenv.Redis(t)
	s3 := testenv.S3Config(t)
	env := map[string]string{"AOMAS_DATABASE_URL": dbURL, "AOMAS_REDIS_URL": redisURL, "AOMAS_S3_ENDPOINT": s3.Endpoint,
		"AOMAS_S3_ACCESS_KEY": s3.AccessKey, "AOMAS_S3_SECRET_KEY": s3.SecretKey, "AOMAS_S3_BUCKET": s3.Bucket, "AOMAS_EXPORT_S3_BUCKET": "off"}
	require.Equal(t, 0, runCLI(t, env, "", "migrate", "up").code)
	t.Cleanup(func() {
		if st, err := storage.New(s3); err == nil {
			_ = st.RemoveBucket(context.Background())
		}
	})
	conn, err := sqlx.Open("postgres", dbURL)
	require.NoError(t, err)
	defer conn.Close()
	var caseID, vol int64
	require.NoError(t, conn.Get(&caseID, `WITH s AS (INSERT INTO subjects (code) VALUES ('S-CLI') RETURNING id)
		INSERT INTO cases (subject_id, eye) SELECT id, 'OD' FROM s RETURNING id`))
	require.NoError(t, conn.Get(&vol, `INSERT INTO volumes (case_id, dim_z, dim_y, dim_x, dtype, size_bytes, source_format, filename, status)
		VALUES ($1, 1, 150, 150, 'uint8', 22500, 'tiff', 'JC_0007_BL_0.08_aligned_CenterCropped.tif', 'READY') RETURNING id`, caseID))

	dir := t.TempDir()
	src := filepath.Join(shared.Dir(t), "data", "ao-cunefare-2017-train", "confocal", "manual_coords",
		"JC_0007_BL_0.08_aligned_CenterCropped_manualcoord.txt")
	b, err := os.ReadFile(src)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "JC_0007_BL_0.08_aligned_CenterCropped_manualcoord.txt"), b, 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "nobody_coords.csv"), []byte("1,2\n"), 0o644))

	res := runCLI(t, env, "", "labels", "import", "--case", "1", dir)
	require.Equal(t, 1, res.code, res.stderr)
	require.Contains(t, res.stdout, "275 marks\tlabel version 1") // the manifest's n_manual
	require.Contains(t, res.stderr, "nobody_coords.csv: 0 volumes")
	l, err := db.LabelOf(context.Background(), conn, vol, "cones")
	require.NoError(t, err)
	st, err := storage.New(s3)
	require.NoError(t, err)
	marks, err := (&labels.Service{DB: conn, Store: st}).Marks(context.Background(), l)
	require.NoError(t, err)
	require.Len(t, marks, 275)
	pts, err := labels.ParseCoords(bytes.NewReader(b))
	require.NoError(t, err)
	for i, p := range pts {
		require.Equal(t, labels.Mark{ID: marks[i].ID, X: p.X, Y: p.Y, Source: "human"}, marks[i])
	}
	require.Equal(t, string(b[:bytes.IndexByte(b, '\t')]), strconv.FormatFloat(marks[0].X+1, 'g', -1, 64), "1-based in the file, 0-based kept")
}

package main

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/jmoiron/sqlx"
	"github.com/stretchr/testify/require"

	"github.com/aomas/aomas/internal/testenv"
	"github.com/aomas/aomas/internal/testenv/shared"
	"github.com/aomas/aomas/storage"
)

// TestDatasetImport: `aomas dataset import` brings a subset of the shared real data in as
// volumes of the project (the manifest's pixel size stated as the uploader's) and freezes
// each image's manual marks as an item of the named dataset; without a case or an eye it
// refuses (the manifest does not say which eye).
func TestDatasetImport(t *testing.T) {
	dbURL := testenv.DatabaseURL(t)
	_, redisURL := testenv.Redis(t)
	s3 := testenv.S3Config(t)
	env := map[string]string{"AOMAS_DATABASE_URL": dbURL, "AOMAS_REDIS_URL": redisURL, "AOMAS_S3_ENDPOINT": s3.Endpoint,
		"AOMAS_S3_ACCESS_KEY": s3.AccessKey, "AOMAS_S3_SECRET_KEY": s3.SecretKey, "AOMAS_S3_BUCKET": s3.Bucket, "AOMAS_EXPORT_S3_BUCKET": "off",
		"AOMAS_DATA_DIR": t.TempDir(), "AOMAS_SUBJECT_KEY": "test-subject-key-0123"}
	require.Equal(t, 0, runCLI(t, env, "", "migrate", "up").code)
	t.Cleanup(func() {
		if st, err := storage.New(s3); err == nil {
			_ = st.RemoveBucket(context.Background())
		}
	})
	dir := filepath.Join(shared.Dir(t), "data", "ao-cunefare-2017-train")

	res := runCLI(t, env, "", "dataset", "import", dir, "--name", "split", "--project", "eyes", "--modality", "split-detector", "--limit", "2")
	require.NotEqual(t, 0, res.code)
	require.Contains(t, res.stderr, "eye")

	res = runCLI(t, env, "", "dataset", "import", dir, "--name", "split", "--project", "eyes", "--modality", "split-detector",
		"--limit", "2", "--eye", "OS")
	require.Equal(t, 0, res.code, res.stderr)
	require.Contains(t, res.stdout, "split-detector\t174 marks") // the manifest's n_manual
	require.Contains(t, res.stdout, "split-detector\t156 marks")
	require.Contains(t, res.stdout, "2 images imported")

	conn, err := sqlx.Open("postgres", dbURL)
	require.NoError(t, err)
	defer conn.Close()
	var rows []struct {
		Project  string   `db:"project"`
		Source   string   `db:"source"`
		Modality string   `db:"modality"`
		Marks    int      `db:"marks"`
		UmPerPx  *float64 `db:"spacing_x_um"`
		PxSource string   `db:"pixel_size_source"`
		Eye      string   `db:"eye"`
	}
	require.NoError(t, conn.Select(&rows, `SELECT d.project, i.source, i.modality, i.marks, v.spacing_x_um, v.pixel_size_source, c.eye
		FROM dataset_items i JOIN datasets d ON d.id = i.dataset_id JOIN volumes v ON v.id = i.volume_id JOIN cases c ON c.id = v.case_id
		JOIN subjects s ON s.id = c.subject_id WHERE d.name = 'split' AND s.project = 'eyes' ORDER BY i.marks DESC`))
	require.Len(t, rows, 2)
	for i, want := range []int{174, 156} {
		r := rows[i]
		require.Equal(t, "eyes", r.Project)
		require.Equal(t, "import", r.Source)
		require.Equal(t, "split-detector", r.Modality)
		require.Equal(t, want, r.Marks)
		require.NotNil(t, r.UmPerPx)
		require.InDelta(t, 0.517434349, *r.UmPerPx, 1e-12)
		require.Equal(t, "UPLOADER", r.PxSource)
		require.Equal(t, "OS", r.Eye)
	}
	// Importing again adds no volume and no item: the same bytes into the same case are found again.
	res = runCLI(t, env, "", "dataset", "import", dir, "--name", "split", "--project", "eyes", "--modality", "split-detector",
		"--limit", "2", "--eye", "OS")
	require.Equal(t, 0, res.code, res.stderr)
	var n, vols int
	require.NoError(t, conn.Get(&n, `SELECT count(*) FROM dataset_items`))
	require.NoError(t, conn.Get(&vols, `SELECT count(*) FROM volumes`))
	require.Equal(t, 2, n)
	require.Equal(t, 2, vols)
}

package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/jmoiron/sqlx"
	"github.com/stretchr/testify/require"

	"github.com/aomas/aomas/internal/models"
	"github.com/aomas/aomas/internal/testenv"
	"github.com/aomas/aomas/storage"
)

// TestModelRegister: `aomas model register FILE --card CARD` registers the shipped confocal
// network under a new name as a CANDIDATE of the project, audited; a file that is not ONNX
// or a card naming other weights is refused with its reason, exit code 1, leaving no version.
func TestModelRegister(t *testing.T) {
	dbURL := testenv.DatabaseURL(t)
	_, redisURL := testenv.Redis(t)
	s3 := testenv.S3Config(t)
	lib := os.Getenv("AOMAS_ORT_LIB")
	require.NotEmpty(t, lib, "AOMAS_ORT_LIB must name the ONNX Runtime library (make test sets it)")
	env := map[string]string{"AOMAS_DATABASE_URL": dbURL, "AOMAS_REDIS_URL": redisURL, "AOMAS_S3_ENDPOINT": s3.Endpoint,
		"AOMAS_S3_ACCESS_KEY": s3.AccessKey, "AOMAS_S3_SECRET_KEY": s3.SecretKey, "AOMAS_S3_BUCKET": s3.Bucket, "AOMAS_EXPORT_S3_BUCKET": "off",
		"AOMAS_ORT_LIB": lib}
	require.Equal(t, 0, runCLI(t, env, "", "migrate", "up").code)
	t.Cleanup(func() {
		if st, err := storage.New(s3); err == nil {
			_ = st.RemoveBucket(context.Background())
		}
	})
	dir := t.TempDir()
	onnx, err := models.Shipped.ReadFile("cones-confocal.onnx")
	require.NoError(t, err)
	card, err := models.Shipped.ReadFile("cones-confocal.card.json")
	require.NoError(t, err)
	file, cardPath, bad := filepath.Join(dir, "net.onnx"), filepath.Join(dir, "card.json"), filepath.Join(dir, "bad.onnx")
	require.NoError(t, os.WriteFile(file, onnx, 0o644))
	require.NoError(t, os.WriteFile(cardPath, card, 0o644))
	require.NoError(t, os.WriteFile(bad, []byte("not a model"), 0o644))

	named := filepath.Join(dir, "named.json")
	require.NoError(t, os.WriteFile(named, []byte(string(card[:len(card)-2])+`,"name":"cones-cli"}`), 0o644))
	res := runCLI(t, env, "", "model", "register", bad, "--card", named, "--version", "1.0.0", "--project", "eyes")
	require.Equal(t, 1, res.code, res.stderr)
	require.Contains(t, res.stderr, "the card's sha256 is", "the card names other weights than the file")
	// The card names the shipped model: a registration under another name must say so.
	res = runCLI(t, env, "", "model", "register", file, "--card", cardPath, "--model", "cones-cli", "--project", "eyes")
	require.Equal(t, 1, res.code, res.stderr)
	require.Contains(t, res.stderr, "the card's name is cones-confocal, the registration's cones-cli")

	conn, err := sqlx.Open("postgres", dbURL)
	require.NoError(t, err)
	defer conn.Close()
	var n int
	require.NoError(t, conn.Get(&n, `SELECT count(*) FROM model_versions`))
	require.Zero(t, n, "nothing half-registered")

	res = runCLI(t, env, "", "model", "register", file, "--card", named, "--version", "1.0.0", "--project", "eyes")
	require.Equal(t, 0, res.code, res.stderr)
	require.Contains(t, res.stdout, "cones-cli 1.0.0\tCANDIDATE")
	var project, stage string
	require.NoError(t, conn.QueryRow(`SELECT m.project, mv.stage FROM model_versions mv JOIN models m ON m.id = mv.model_id`).Scan(&project, &stage))
	require.Equal(t, "eyes", project)
	require.Equal(t, "CANDIDATE", stage)
	require.NoError(t, conn.Get(&n, `SELECT count(*) FROM audit_log WHERE object = 'cli.model.register'`))
	require.Equal(t, 3, n)
}

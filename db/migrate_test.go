package db_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aomas/aomas/db"
	"github.com/aomas/aomas/internal/testenv"
)

func TestMigrationsUpDownUp(t *testing.T) {
	ctx := context.Background()
	conn, err := db.Open(ctx, testenv.DatabaseURL(t))
	require.NoError(t, err)
	defer conn.Close()
	m, err := db.NewMigrator(conn.DB)
	require.NoError(t, err)

	n, err := m.Up(ctx)
	require.NoError(t, err)
	require.GreaterOrEqual(t, n, 1)
	v, err := m.Version(ctx)
	require.NoError(t, err)
	// Migration numbers are handed out per branch, so they may have gaps: the version is the
	// last number, at least the count.
	require.GreaterOrEqual(t, v, int64(n))

	tables := []string{"subjects", "subject_identities", "cases", "volumes", "runs", "run_steps", "artifacts",
		"labels", "models", "model_versions", "metrics", "qc_flags", "users", "audit_log"}
	for _, tbl := range tables {
		var exists bool
		require.NoError(t, conn.GetContext(ctx, &exists, `SELECT to_regclass($1) IS NOT NULL`, "public."+tbl))
		require.True(t, exists, "table %s", tbl)
	}

	var status bytes.Buffer
	require.NoError(t, m.WriteStatus(ctx, &status))
	require.Contains(t, status.String(), "00001_init.sql")
	require.Contains(t, status.String(), "applied")

	// Rolling every migration back leaves no table behind, and up again restores them.
	for i := 0; i < n; i++ {
		require.NoError(t, m.Down(ctx))
	}
	for _, tbl := range tables {
		var exists bool
		require.NoError(t, conn.GetContext(ctx, &exists, `SELECT to_regclass($1) IS NOT NULL`, "public."+tbl))
		require.False(t, exists, "table %s after down", tbl)
	}
	again, err := m.Up(ctx)
	require.NoError(t, err)
	require.Equal(t, n, again)
	// A second up has nothing to do.
	none, err := m.Up(ctx)
	require.NoError(t, err)
	require.Zero(t, none)
}

func TestAuditLogIsAppendOnly(t *testing.T) {
	ctx := context.Background()
	conn := testenv.Postgres(t)
	_, err := conn.ExecContext(ctx, `INSERT INTO audit_log (actor, action, object, prev_hash, hash) VALUES ('a', 'b', 'c', '', 'h1')`)
	require.NoError(t, err)
	for _, stmt := range []string{
		`UPDATE audit_log SET actor = 'x'`,
		`DELETE FROM audit_log`,
		`TRUNCATE audit_log`,
	} {
		_, err := conn.ExecContext(ctx, stmt)
		require.ErrorContains(t, err, "append-only", stmt)
	}
	var n int
	require.NoError(t, conn.GetContext(ctx, &n, `SELECT count(*) FROM audit_log WHERE actor = 'a'`))
	require.Equal(t, 1, n)
}

func TestConstraintsRefuseBadRows(t *testing.T) {
	ctx := context.Background()
	conn := testenv.Postgres(t)
	var subject int64
	require.NoError(t, conn.GetContext(ctx, &subject, `INSERT INTO subjects (code) VALUES ('S-1') RETURNING id`))
	_, err := conn.ExecContext(ctx, `INSERT INTO cases (subject_id, eye) VALUES ($1, 'LEFT')`, subject)
	require.ErrorContains(t, err, "cases_eye_check")
	var c int64
	require.NoError(t, conn.GetContext(ctx, &c, `INSERT INTO cases (subject_id, eye) VALUES ($1, 'OD') RETURNING id`, subject))
	_, err = conn.ExecContext(ctx, `INSERT INTO volumes (case_id, size_bytes, sha256, object_key) VALUES ($1, 1, 'not-a-digest', 'k')`, c)
	require.ErrorContains(t, err, "volumes_sha256_check")
}

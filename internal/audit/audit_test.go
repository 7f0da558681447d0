package audit_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/stretchr/testify/require"

	"github.com/aomas/aomas/internal/audit"
	"github.com/aomas/aomas/internal/testenv"
)

func entry(i int) audit.Entry {
	e := audit.Entry{Actor: fmt.Sprintf("user:%d", i%3+1), Action: "Mutation.createCase", Object: fmt.Sprintf("Case:%d", i),
		RequestID: fmt.Sprintf("req-%d", i), ClientAddr: "10.0.0.9"}
	if i%2 == 0 {
		e.AfterDigest = fmt.Sprintf("%064x", i)
	}
	if i%5 == 0 {
		e.Outcome = audit.OutcomeDenied
	}
	return e
}

func appendN(t *testing.T, conn *sqlx.DB, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		_, err := audit.AppendDB(context.Background(), conn, entry(i))
		require.NoError(t, err)
	}
}

// tamper runs stmt as the superuser with the append-only trigger off, as an intruder would.
func tamper(t *testing.T, conn *sqlx.DB, stmt string, args ...any) {
	t.Helper()
	tx := conn.MustBegin()
	defer func() { _ = tx.Rollback() }()
	_, err := tx.Exec(`ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only`)
	require.NoError(t, err)
	_, err = tx.Exec(stmt, args...)
	require.NoError(t, err)
	_, err = tx.Exec(`ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only`)
	require.NoError(t, err)
	require.NoError(t, tx.Commit())
}

func TestChainVerifies(t *testing.T) {
	ctx := context.Background()
	conn := testenv.Postgres(t)
	res, err := audit.Check(ctx, conn)
	require.NoError(t, err)
	require.Equal(t, audit.Result{}, res, "an empty log holds")

	const n = 1100 // more than one batch of Check
	start := time.Now()
	appendN(t, conn, n)
	t.Logf("%d appends in %v (%.2f ms each, one transaction each)", n, time.Since(start).Round(time.Millisecond),
		float64(time.Since(start).Microseconds())/1000/n)
	start = time.Now()
	res, err = audit.Check(ctx, conn)
	require.NoError(t, err)
	t.Logf("verified %d entries in %v", res.Entries, time.Since(start).Round(time.Millisecond))
	require.Equal(t, audit.Result{Entries: n}, res)
	bad, err := audit.Verify(ctx, conn)
	require.NoError(t, err)
	require.Zero(t, bad)

	var first audit.Record
	recs, err := audit.List(ctx, conn, audit.Filter{Limit: 1, BeforeID: 2})
	require.NoError(t, err)
	require.Len(t, recs, 1)
	first = recs[0]
	require.Equal(t, audit.Genesis, first.PrevHash)
	require.Equal(t, entry(0), audit.Entry{Actor: first.Actor, Action: first.Action, Object: first.Object, Outcome: "denied",
		AfterDigest: first.AfterDigest, RequestID: first.RequestID, ClientAddr: first.ClientAddr})
	require.Equal(t, audit.Hash(first.PrevHash, first.At, first.Entry), first.Hash)
}

func TestListFilters(t *testing.T) {
	ctx := context.Background()
	conn := testenv.Postgres(t)
	appendN(t, conn, 30)
	cases := []struct {
		name string
		f    audit.Filter
		want int
	}{
		{"all", audit.Filter{}, 30},
		{"actor", audit.Filter{Actor: "user:1"}, 10},
		{"outcome", audit.Filter{Outcome: audit.OutcomeDenied}, 6},
		{"object", audit.Filter{Object: "Case:7"}, 1},
		{"limit", audit.Filter{Limit: 4}, 4},
		{"page", audit.Filter{BeforeID: 11}, 10},
		{"future", audit.Filter{From: time.Now().Add(time.Hour)}, 0},
		{"past", audit.Filter{To: time.Now().Add(time.Hour)}, 30},
		{"injection is a plain value", audit.Filter{Actor: "user:1' OR '1'='1"}, 0},
	}
	for _, c := range cases {
		recs, err := audit.List(ctx, conn, c.f)
		require.NoError(t, err, c.name)
		require.Len(t, recs, c.want, c.name)
		for i := 1; i < len(recs); i++ {
			require.Greater(t, recs[i-1].ID, recs[i].ID, "newest first")
		}
	}
	_, err := audit.AppendDB(ctx, conn, audit.Entry{Actor: "x"})
	require.ErrorIs(t, err, audit.ErrInvalid)
}

func TestConcurrentAppendsKeepOneChain(t *testing.T) {
	ctx := context.Background()
	conn := testenv.Postgres(t)
	const workers, each = 8, 25
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				// Some appends ride in a transaction that also waits a little, as a mutation would.
				tx, err := conn.BeginTxx(ctx, nil)
				if err != nil {
					errs <- err
					return
				}
				if _, err := audit.Append(ctx, tx, entry(w*each+i)); err != nil {
					_ = tx.Rollback()
					errs <- err
					return
				}
				if i%7 == 0 {
					_ = tx.Rollback() // a change that failed leaves no entry
					continue
				}
				errs <- tx.Commit()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	res, err := audit.Check(ctx, conn)
	require.NoError(t, err)
	require.Zero(t, res.FirstBad, res.Reason)
	want := workers * (each - (each+6)/7)
	require.EqualValues(t, want, res.Entries)
	var forks int
	require.NoError(t, conn.Get(&forks, `SELECT count(*) FROM (SELECT prev_hash FROM audit_log GROUP BY prev_hash HAVING count(*) > 1) f`))
	require.Zero(t, forks)
	t.Logf("%d concurrent appends from %d goroutines: one chain", res.Entries, workers)
}

func TestTamperingIsDetected(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name     string
		stmt     string
		args     []any
		wantBad  int64
		inReason string
	}{
		{"edited actor", `UPDATE audit_log SET actor = 'user:666' WHERE id = 7`, nil, 7, "edited"},
		{"edited outcome", `UPDATE audit_log SET outcome = 'ok' WHERE id = 11`, nil, 11, "edited"},
		{"edited time", `UPDATE audit_log SET at = at - interval '1 day' WHERE id = 3`, nil, 3, "edited"},
		{"digest removed", `UPDATE audit_log SET after_digest = NULL WHERE id = 5`, nil, 5, "edited"},
		{"row removed", `DELETE FROM audit_log WHERE id = 12`, nil, 13, "removed"},
		{"first row removed", `DELETE FROM audit_log WHERE id = 1`, nil, 2, "start the chain"},
		{"hash replaced", `UPDATE audit_log SET hash = $1 WHERE id = 8`, []any{randomHex()}, 8, "edited"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			conn := testenv.Postgres(t)
			appendN(t, conn, 15)
			tamper(t, conn, c.stmt, c.args...)
			bad, err := audit.Verify(ctx, conn)
			require.ErrorIs(t, err, audit.ErrBroken)
			require.Equal(t, c.wantBad, bad)
			require.ErrorContains(t, err, c.inReason)
			require.ErrorContains(t, err, fmt.Sprintf("entry %d", c.wantBad))
		})
	}
}

func TestRehashedEditIsDetectedAtTheNextEntry(t *testing.T) {
	// An intruder who knows the scheme edits entry 8 and recomputes its hash: entry 8 now
	// holds, and entry 9's link to it breaks (unless every later entry is rewritten too,
	// which an anchor of the latest hash kept elsewhere reveals).
	ctx := context.Background()
	conn := testenv.Postgres(t)
	appendN(t, conn, 15)
	recs, err := audit.List(ctx, conn, audit.Filter{BeforeID: 9, Limit: 1})
	require.NoError(t, err)
	r := recs[0]
	require.EqualValues(t, 8, r.ID)
	r.Actor = "user:666"
	tamper(t, conn, `UPDATE audit_log SET actor = $1, hash = $2 WHERE id = 8`, r.Actor, audit.Hash(r.PrevHash, r.At, r.Entry))
	bad, err := audit.Verify(ctx, conn)
	require.ErrorIs(t, err, audit.ErrBroken)
	require.EqualValues(t, 9, bad)
	require.ErrorContains(t, err, "entry 8")
}

func randomHex() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func TestApplicationRoleCannotRewrite(t *testing.T) {
	ctx := context.Background()
	conn := testenv.Postgres(t)
	appendN(t, conn, 3)
	// PUBLIC holds no rewriting privilege on the log.
	var n int
	require.NoError(t, conn.Get(&n, `SELECT count(*) FROM information_schema.role_table_grants
		WHERE table_name = 'audit_log' AND grantee = 'PUBLIC' AND privilege_type IN ('UPDATE', 'DELETE', 'TRUNCATE')`))
	require.Zero(t, n)

	// An application role set up as 00005_audit_grants.sql documents.
	role := "aomas_app_" + randomHex()[:10]
	for _, stmt := range []string{
		`CREATE ROLE ` + role + ` NOLOGIN`,
		`GRANT USAGE ON SCHEMA public TO ` + role,
		`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ` + role,
		`GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO ` + role,
		`REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM ` + role,
	} {
		_, err := conn.Exec(stmt)
		require.NoError(t, err, stmt)
	}
	t.Cleanup(func() {
		_, _ = conn.Exec(`DROP OWNED BY ` + role)
		_, _ = conn.Exec(`DROP ROLE ` + role)
	})
	c, err := conn.Connx(ctx)
	require.NoError(t, err)
	defer c.Close()
	_, err = c.ExecContext(ctx, `SET ROLE `+role)
	require.NoError(t, err)
	defer func() { _, _ = c.ExecContext(ctx, `RESET ROLE`) }()
	for _, stmt := range []string{
		`UPDATE audit_log SET actor = 'x' WHERE id = 1`,
		`DELETE FROM audit_log WHERE id = 1`,
		`TRUNCATE audit_log`,
		`ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only`,
	} {
		_, err := c.ExecContext(ctx, stmt)
		require.Error(t, err, stmt)
		require.Regexp(t, "permission denied|must be owner", err.Error(), stmt)
	}
	// The role still appends, and still cannot rewrite inside its own transaction.
	tx, err := c.BeginTxx(ctx, nil)
	require.NoError(t, err)
	_, err = audit.Append(ctx, tx, entry(3))
	require.NoError(t, err)
	require.NoError(t, tx.Commit())
	_, err = c.ExecContext(ctx, `RESET ROLE`)
	require.NoError(t, err)
	res, err := audit.Check(ctx, conn)
	require.NoError(t, err)
	require.Equal(t, audit.Result{Entries: 4}, res)
}

func TestAppendRefusesOldSnapshots(t *testing.T) {
	ctx := context.Background()
	conn := testenv.Postgres(t)
	tx, err := conn.BeginTxx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead})
	require.NoError(t, err)
	defer func() { _ = tx.Rollback() }()
	_, err = audit.Append(ctx, tx, entry(1))
	require.ErrorIs(t, err, audit.ErrInvalid)
	require.ErrorContains(t, err, "repeatable read")
	require.NoError(t, tx.Rollback())

	// The database itself refuses a fork: a second entry after the same one.
	first, err := audit.AppendDB(ctx, conn, entry(1))
	require.NoError(t, err)
	_, err = conn.Exec(`INSERT INTO audit_log (actor, action, object, prev_hash, hash) VALUES ('x', 'y', 'z', $1, $2)`,
		first.PrevHash, randomHex())
	require.ErrorContains(t, err, "audit_log_prev_hash_idx")
}

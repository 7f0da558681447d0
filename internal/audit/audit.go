// Package audit appends to and checks aomas's audit log: an append-only table in which each
// entry carries the SHA-256 of the one before it and of its own contents, so that editing,
// removing or reordering any entry breaks the chain from that entry on.
package audit

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/aomas/aomas/db"
)

// Genesis is the prev_hash of the first entry.
const Genesis = "0000000000000000000000000000000000000000000000000000000000000000"

// appendLock serialises appends across every replica (pg_advisory_xact_lock key "aomasaud").
const appendLock int64 = 0x616f6d6173617564

// Outcomes.
const (
	OutcomeOK     = "ok"
	OutcomeDenied = "denied"
	OutcomeFailed = "failed"
)

// ErrBroken reports an audit log whose chain does not hold.
var ErrBroken = errors.New("audit chain broken")

// ErrInvalid reports an entry missing its actor, action or object.
var ErrInvalid = errors.New("invalid audit entry")

// Entry is what one audited event records. Digests are SHA-256 (hex) of the object's state
// before and after a change; empty strings are stored as NULL.
type Entry struct {
	Actor        string
	Action       string
	Object       string
	Outcome      string
	BeforeDigest string
	AfterDigest  string
	// RequestID is the server's id of the request that caused the entry.
	RequestID  string
	ClientAddr string
	// ClientRequestID is the id the client sent in X-Request-ID, as it sent it (at most
	// reqid.MaxClientLen plain characters): the client's claim, for matching its logs, never
	// the request's identity.
	ClientRequestID string
	// Target names what the event was about in words a person knows ("case S-0001 OD",
	// "volume scan.tif"); empty when there is nothing more to say than Object.
	Target string
	// Reason says why a request was refused or failed.
	Reason string
}

// Record is an entry as stored: with its id, time and chain hashes.
type Record struct {
	ID       int64
	At       time.Time
	PrevHash string
	Hash     string
	Entry
}

type row struct {
	ID           int64          `db:"id"`
	At           time.Time      `db:"at"`
	Actor        string         `db:"actor"`
	Action       string         `db:"action"`
	Object       string         `db:"object"`
	Outcome      string         `db:"outcome"`
	BeforeDigest sql.NullString `db:"before_digest"`
	AfterDigest  sql.NullString `db:"after_digest"`
	RequestID    sql.NullString `db:"request_id"`
	ClientAddr   sql.NullString `db:"client_addr"`
	ClientReqID  sql.NullString `db:"client_request_id"`
	Target       sql.NullString `db:"target"`
	Reason       sql.NullString `db:"reason"`
	PrevHash     string         `db:"prev_hash"`
	Hash         string         `db:"hash"`
}

const cols = `id, at, actor, action, object, outcome, before_digest, after_digest, request_id, client_addr, client_request_id, target, reason, prev_hash, hash`

func (r row) record() Record {
	return Record{ID: r.ID, At: r.At, PrevHash: r.PrevHash, Hash: r.Hash, Entry: Entry{
		Actor: r.Actor, Action: r.Action, Object: r.Object, Outcome: r.Outcome,
		BeforeDigest: r.BeforeDigest.String, AfterDigest: r.AfterDigest.String,
		RequestID: r.RequestID.String, ClientAddr: r.ClientAddr.String, ClientRequestID: r.ClientReqID.String,
		Target: r.Target.String, Reason: r.Reason.String,
	}}
}

// Hash returns the chain hash of an entry stored at `at` after an entry whose hash is prev:
// SHA-256 over a versioned, length-prefixed encoding of prev, the time in microseconds
// (PostgreSQL's precision) and every field, so that no two different entries encode alike.
// An entry with a client request id, a target or a reason encodes as v2 (those three fields
// added at the end); one with none keeps the v1 encoding, so entries written before them still verify.
func Hash(prev string, at time.Time, e Entry) string {
	var b []byte
	field := func(s string) {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	v2 := e.ClientRequestID != "" || e.Target != "" || e.Reason != ""
	if v2 {
		field("aomas.audit.v2")
	} else {
		field("aomas.audit.v1")
	}
	field(prev)
	field(strconv.FormatInt(at.UnixMicro(), 10))
	for _, s := range []string{e.Actor, e.Action, e.Object, e.Outcome, e.BeforeDigest, e.AfterDigest, e.RequestID, e.ClientAddr} {
		field(s)
	}
	if v2 {
		field(e.ClientRequestID)
		field(e.Target)
		field(e.Reason)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func nullable(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }

// Append adds e to the log inside tx, so that it commits or rolls back with the change it
// records. An advisory lock held until tx ends makes appends from every replica take turns,
// so that the chain never forks.
func Append(ctx context.Context, tx *sqlx.Tx, e Entry) (Record, error) {
	if e.Actor == "" || e.Action == "" || e.Object == "" {
		return Record{}, fmt.Errorf("%w: actor, action and object are required", ErrInvalid)
	}
	if e.Outcome == "" {
		e.Outcome = OutcomeOK
	}
	// A snapshot older than the lock would not see the entry appended just before.
	var isolation string
	if err := tx.GetContext(ctx, &isolation, `SELECT current_setting('transaction_isolation')`); err != nil {
		return Record{}, fmt.Errorf("audit append: %w", err)
	}
	if isolation != "read committed" {
		return Record{}, fmt.Errorf("audit append: %w: transaction isolation is %s, want read committed", ErrInvalid, isolation)
	}
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, appendLock); err != nil {
		return Record{}, fmt.Errorf("audit append: lock: %w", err)
	}
	var last struct {
		Hash sql.NullString `db:"hash"`
		// clock_timestamp, not now(): the transaction may have begun before the previous
		// entry was written.
		Now time.Time `db:"now"`
	}
	if err := tx.GetContext(ctx, &last, `SELECT (SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1) AS hash,
		clock_timestamp() AS now`); err != nil {
		return Record{}, fmt.Errorf("audit append: last entry: %w", err)
	}
	prev := Genesis
	if last.Hash.Valid {
		prev = last.Hash.String
	}
	at := last.Now.UTC().Truncate(time.Microsecond)
	rec := Record{At: at, PrevHash: prev, Hash: Hash(prev, at, e), Entry: e}
	err := tx.GetContext(ctx, &rec.ID, `INSERT INTO audit_log (at, actor, action, object, outcome, before_digest,
			after_digest, request_id, client_addr, client_request_id, target, reason, prev_hash, hash)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id`,
		at, e.Actor, e.Action, e.Object, e.Outcome, nullable(e.BeforeDigest), nullable(e.AfterDigest),
		nullable(e.RequestID), nullable(e.ClientAddr), nullable(e.ClientRequestID), nullable(e.Target), nullable(e.Reason), prev, rec.Hash)
	if err != nil {
		return Record{}, fmt.Errorf("audit append: %w", err)
	}
	return rec, nil
}

// AppendAll appends entries, in order, in one transaction of their own: for the entries one
// request gathered.
func AppendAll(ctx context.Context, conn *sqlx.DB, entries []Entry) error {
	return db.InTx(ctx, conn, func(tx *sqlx.Tx) error {
		for _, e := range entries {
			if _, err := Append(ctx, tx, e); err != nil {
				return err
			}
		}
		return nil
	})
}

// AppendDB appends e in a transaction of its own: for events with no other change to
// commit with (a denied access, a login).
func AppendDB(ctx context.Context, conn *sqlx.DB, e Entry) (Record, error) {
	var rec Record
	err := db.InTx(ctx, conn, func(tx *sqlx.Tx) error {
		var err error
		rec, err = Append(ctx, tx, e)
		return err
	})
	if err != nil {
		return Record{}, err
	}
	return rec, nil
}

// Result is what Check found.
type Result struct {
	// Entries is how many entries were checked (up to and including the first bad one).
	Entries int64
	// FirstBad is the id of the first entry whose link does not hold; 0 when all hold.
	FirstBad int64
	// Reason says what is wrong with FirstBad.
	Reason string
}

// verifyBatch is how many rows Check reads at a time.
const verifyBatch = 1000

// Check walks the whole chain in id order and stops at the first entry whose prev_hash is
// not its predecessor's hash (an entry was removed, inserted or reordered) or whose hash
// is not that of its contents (an entry was edited).
func Check(ctx context.Context, q sqlx.QueryerContext) (Result, error) {
	var res Result
	prev := Genesis
	var prevID, after int64
	for {
		var rows []row
		if err := sqlx.SelectContext(ctx, q, &rows, `SELECT `+cols+` FROM audit_log WHERE id > $1 ORDER BY id LIMIT $2`,
			after, verifyBatch); err != nil {
			return res, fmt.Errorf("audit verify: %w", err)
		}
		for _, r := range rows {
			res.Entries++
			rec := r.record()
			if rec.PrevHash != prev {
				res.FirstBad = rec.ID
				if prevID == 0 {
					res.Reason = "it does not start the chain (entries before it were removed, or it was inserted)"
				} else {
					res.Reason = fmt.Sprintf("its prev_hash is not entry %d's hash (an entry between them was removed or inserted, or %d was edited)", prevID, prevID)
				}
				return res, nil
			}
			if want := Hash(rec.PrevHash, rec.At, rec.Entry); want != rec.Hash {
				res.FirstBad = rec.ID
				res.Reason = "its contents do not match its hash (the entry was edited)"
				return res, nil
			}
			prev, prevID = rec.Hash, rec.ID
		}
		if len(rows) < verifyBatch {
			return res, nil
		}
		after = rows[len(rows)-1].ID
	}
}

// Verify walks the chain and returns the id of the first broken link with an error
// wrapping ErrBroken, or 0 and nil when the chain holds.
func Verify(ctx context.Context, q sqlx.QueryerContext) (int64, error) {
	res, err := Check(ctx, q)
	if err != nil {
		return 0, err
	}
	if res.FirstBad != 0 {
		return res.FirstBad, fmt.Errorf("%w at entry %d: %s", ErrBroken, res.FirstBad, res.Reason)
	}
	return 0, nil
}

// Filter selects entries for List; zero fields match everything.
type Filter struct {
	Actor   string
	Action  string
	Object  string
	Outcome string
	From    time.Time // at or after
	To      time.Time // before
	// BeforeID pages backwards: only entries with a smaller id.
	BeforeID int64
	Limit    int
}

// List returns entries matching f, newest first, at most f.Limit (default 100, at most 1000).
func List(ctx context.Context, q sqlx.QueryerContext, f Filter) ([]Record, error) {
	var where []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if f.Actor != "" {
		add("actor = $%d", f.Actor)
	}
	if f.Action != "" {
		add("action = $%d", f.Action)
	}
	if f.Object != "" {
		add("object = $%d", f.Object)
	}
	if f.Outcome != "" {
		add("outcome = $%d", f.Outcome)
	}
	if !f.From.IsZero() {
		add("at >= $%d", f.From)
	}
	if !f.To.IsZero() {
		add("at < $%d", f.To)
	}
	if f.BeforeID > 0 {
		add("id < $%d", f.BeforeID)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	limit = min(limit, 1000)
	query := `SELECT ` + cols + ` FROM audit_log`
	if len(where) > 0 {
		query += ` WHERE ` + strings.Join(where, " AND ")
	}
	args = append(args, limit)
	query += fmt.Sprintf(` ORDER BY id DESC LIMIT $%d`, len(args))
	var rows []row
	if err := sqlx.SelectContext(ctx, q, &rows, query, args...); err != nil {
		return nil, fmt.Errorf("list audit entries: %w", err)
	}
	out := make([]Record, len(rows))
	for i, r := range rows {
		out[i] = r.record()
	}
	return out, nil
}

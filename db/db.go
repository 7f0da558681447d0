// Package db is aomas's PostgreSQL layer: row types, explicit SQL through sqlx, and the
// embedded migrations.
package db

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	_ "github.com/lib/pq" // registers the "postgres" driver
)

// ErrNotFound reports that a row asked for does not exist.
var ErrNotFound = errors.New("not found")

// idleInTransaction ends a session that holds a transaction open without sending anything
// for this long, releasing its row locks: a worker cut off the network mid-transaction
// would otherwise hold them until TCP gives up (hours), and every claim of that run waits.
const idleInTransaction = "60s"

// Open connects to PostgreSQL at url and checks the connection within ctx. Sessions end
// when idle in a transaction for a minute (idle_in_transaction_session_timeout), unless
// url sets that parameter itself.
func Open(ctx context.Context, url string) (*sqlx.DB, error) {
	conn, err := sqlx.Open("postgres", withSessionDefaults(url))
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	conn.SetMaxOpenConns(20)
	conn.SetMaxIdleConns(10)
	conn.SetConnMaxIdleTime(5 * time.Minute)
	if err := conn.PingContext(ctx); err != nil {
		_ = conn.Close()
		return nil, fmt.Errorf("connect to database: %w", err)
	}
	return conn, nil
}

// withSessionDefaults adds idle_in_transaction_session_timeout to a connection string in
// URL or key=value form; lib/pq sends keys it does not know as run-time parameters.
func withSessionDefaults(url string) string {
	const key = "idle_in_transaction_session_timeout"
	switch {
	case strings.Contains(url, key):
		return url
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		sep := "?"
		if strings.Contains(url, "?") {
			sep = "&"
		}
		return url + sep + key + "=" + idleInTransaction
	default:
		return strings.TrimSpace(url) + " " + key + "=" + idleInTransaction
	}
}

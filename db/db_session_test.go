package db_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aomas/aomas/db"
	"github.com/aomas/aomas/internal/testenv"
)

// TestSessionsEndWhenIdleInATransaction: a worker cut off mid-transaction must not hold
// its row locks for hours, so every session carries idle_in_transaction_session_timeout.
func TestSessionsEndWhenIdleInATransaction(t *testing.T) {
	conn, err := db.Open(context.Background(), testenv.DatabaseURL(t))
	require.NoError(t, err)
	defer conn.Close()
	var v string
	require.NoError(t, conn.Get(&v, `SHOW idle_in_transaction_session_timeout`))
	require.Equal(t, "1min", v)
}

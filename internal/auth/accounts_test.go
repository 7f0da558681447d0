package auth_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aomas/aomas/internal/auth"
	"github.com/aomas/aomas/internal/testenv"
)

// clock is a settable time for lockout and expiry tests.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func TestAccountsLoginAndLockout(t *testing.T) {
	ctx := context.Background()
	conn := testenv.Postgres(t)
	clk := newClock()
	acc, err := auth.NewAccounts(conn, auth.AccountsConfig{Params: cheap, Lockout: auth.Lockout{MaxFailures: 3, For: 10 * time.Minute}, Now: clk.Now})
	require.NoError(t, err)

	const pw = "a long enough secret"
	u, err := acc.Create(ctx, "Ana@Clinic.example", "Ana", pw)
	require.NoError(t, err)
	require.True(t, u.HasPassword)
	_, err = acc.Create(ctx, "ana@clinic.example", "", pw)
	require.ErrorIs(t, err, auth.ErrExists, "e-mail addresses are unique regardless of case")
	_, err = acc.Create(ctx, "not an address", "", pw)
	require.ErrorIs(t, err, auth.ErrInvalidEmail)
	_, err = acc.Create(ctx, "bo@clinic.example", "", "short")
	require.ErrorIs(t, err, auth.ErrWeakPassword)
	scanner, err := acc.Create(ctx, "scanner-1@clinic.example", "", "")
	require.NoError(t, err)
	require.False(t, scanner.HasPassword)

	p, err := acc.Login(ctx, "ana@clinic.example", pw)
	require.NoError(t, err)
	require.Equal(t, u.ID, p.UserID)
	require.Equal(t, auth.MethodPassword, p.Method)

	steps := []struct {
		name     string
		email    string
		password string
		advance  time.Duration
		want     error
	}{
		{"unknown account", "nobody@clinic.example", pw, 0, auth.ErrInvalidCredentials},
		{"no password", "scanner-1@clinic.example", pw, 0, auth.ErrNoPassword},
		{"failure 1", "ana@clinic.example", "wrong password 1", 0, auth.ErrInvalidCredentials},
		{"failure 2", "ana@clinic.example", "wrong password 2", 0, auth.ErrInvalidCredentials},
		{"success resets the count", "ana@clinic.example", pw, 0, nil},
		{"failure 1 again", "ana@clinic.example", "wrong password 1", 0, auth.ErrInvalidCredentials},
		{"failure 2 again", "ana@clinic.example", "wrong password 2", 0, auth.ErrInvalidCredentials},
		{"failure 3 locks", "ana@clinic.example", "wrong password 3", 0, auth.ErrInvalidCredentials},
		{"locked: even the right password", "ana@clinic.example", pw, time.Minute, auth.ErrLocked},
		{"still locked", "ana@clinic.example", pw, 8 * time.Minute, auth.ErrLocked},
		{"lock lapsed", "ana@clinic.example", pw, 2 * time.Minute, nil},
	}
	for _, s := range steps {
		clk.Add(s.advance)
		_, err := acc.Login(ctx, s.email, s.password)
		if s.want == nil {
			require.NoError(t, err, s.name)
		} else {
			require.ErrorIs(t, err, s.want, s.name)
			require.ErrorIs(t, err, auth.ErrUnauthenticated, s.name)
		}
	}

	// Concurrent guesses are all counted: N at once lock the account.
	var wg sync.WaitGroup
	for i := 0; i < 3; i++ {
		wg.Add(1)
		go func() { defer wg.Done(); _, _ = acc.Login(ctx, "ana@clinic.example", "a wrong guess!!") }()
	}
	wg.Wait()
	_, err = acc.Login(ctx, "ana@clinic.example", pw)
	require.ErrorIs(t, err, auth.ErrLocked)
	// A new password lifts the lock.
	require.NoError(t, acc.SetPassword(ctx, u.ID, "another long secret"))
	_, err = acc.Login(ctx, "ana@clinic.example", "another long secret")
	require.NoError(t, err)

	// A disabled account is refused even with the right password.
	require.NoError(t, acc.SetDisabled(ctx, u.ID, true))
	_, err = acc.Login(ctx, "ana@clinic.example", "another long secret")
	require.ErrorIs(t, err, auth.ErrDisabled)
	_, err = acc.Login(ctx, "ana@clinic.example", "not the secret!!")
	require.ErrorIs(t, err, auth.ErrInvalidCredentials, "a wrong password learns nothing about the account's state")

	users, err := acc.List(ctx)
	require.NoError(t, err)
	require.Len(t, users, 2)
	require.True(t, users[0].Disabled)
	got, err := acc.ByEmail(ctx, "ANA@clinic.example")
	require.NoError(t, err)
	require.Equal(t, u.ID, got.ID)
	_, err = acc.ByEmail(ctx, "nobody@clinic.example")
	require.ErrorIs(t, err, auth.ErrNotFound)
}

func TestLoginRehashesWeakHashes(t *testing.T) {
	ctx := context.Background()
	conn := testenv.Postgres(t)
	weak, err := auth.NewAccounts(conn, auth.AccountsConfig{Params: cheap})
	require.NoError(t, err)
	u, err := weak.Create(ctx, "old@clinic.example", "", "a long enough secret")
	require.NoError(t, err)
	stronger := cheap
	stronger.Time = 2
	acc, err := auth.NewAccounts(conn, auth.AccountsConfig{Params: stronger})
	require.NoError(t, err)
	_, err = acc.Login(ctx, "old@clinic.example", "a long enough secret")
	require.NoError(t, err)
	var hash string
	require.NoError(t, conn.Get(&hash, `SELECT password_hash FROM users WHERE id = $1`, u.ID))
	require.Contains(t, hash, ",t=2,")
	_, err = acc.Login(ctx, "old@clinic.example", "a long enough secret")
	require.NoError(t, err)
}

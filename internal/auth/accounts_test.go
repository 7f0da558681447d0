package auth_test

import (
	"context"
	"fmt"
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

	p, err := acc.Login(ctx, "ana@clinic.example", pw, "192.0.2.1")
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
		{"an unknown account locks alike 1", "nobody@clinic.example", "guess 1", 0, auth.ErrInvalidCredentials},
		{"an unknown account locks alike 2", "nobody@clinic.example", "guess 2", 0, auth.ErrInvalidCredentials},
		{"an unknown account locked", "nobody@clinic.example", "guess 4", 0, auth.ErrLocked},
	}
	for _, s := range steps {
		clk.Add(s.advance)
		_, err := acc.Login(ctx, s.email, s.password, "192.0.2.1")
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
		go func() { defer wg.Done(); _, _ = acc.Login(ctx, "ana@clinic.example", "a wrong guess!!", "192.0.2.1") }()
	}
	wg.Wait()
	_, err = acc.Login(ctx, "ana@clinic.example", pw, "192.0.2.1")
	require.ErrorIs(t, err, auth.ErrLocked)
	// A new password lifts the lock.
	require.NoError(t, acc.SetPassword(ctx, u.ID, "another long secret"))
	_, err = acc.Login(ctx, "ana@clinic.example", "another long secret", "192.0.2.1")
	require.NoError(t, err)

	// A disabled account is refused even with the right password.
	require.NoError(t, acc.SetDisabled(ctx, u.ID, true))
	_, err = acc.Login(ctx, "ana@clinic.example", "another long secret", "192.0.2.1")
	require.ErrorIs(t, err, auth.ErrDisabled)
	_, err = acc.Login(ctx, "ana@clinic.example", "not the secret!!", "192.0.2.1")
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
	_, err = acc.Login(ctx, "old@clinic.example", "a long enough secret", "192.0.2.1")
	require.NoError(t, err)
	var hash string
	require.NoError(t, conn.Get(&hash, `SELECT password_hash FROM users WHERE id = $1`, u.ID))
	require.Contains(t, hash, ",t=2,")
	_, err = acc.Login(ctx, "old@clinic.example", "a long enough secret", "192.0.2.1")
	require.NoError(t, err)
}

// TestLockoutIsPerAddress: a guesser at one address locks the e-mail address for that
// address only; guessers spread over many addresses lock it for new addresses but never
// for one the user signed in from; unknown e-mail addresses are counted and locked alike.
func TestLockoutIsPerAddress(t *testing.T) {
	ctx := context.Background()
	conn := testenv.Postgres(t)
	clk := newClock()
	acc, err := auth.NewAccounts(conn, auth.AccountsConfig{Params: cheap, Now: clk.Now,
		Lockout: auth.Lockout{MaxFailures: 3, AccountFailures: 6, For: 10 * time.Minute}})
	require.NoError(t, err)
	const pw = "a long enough secret"
	_, err = acc.Create(ctx, "ana@clinic.example", "Ana", pw)
	require.NoError(t, err)
	_, err = acc.Login(ctx, "ana@clinic.example", pw, "198.51.100.7") // the user's usual address
	require.NoError(t, err)

	for i := range 3 {
		_, err := acc.Login(ctx, "ana@clinic.example", fmt.Sprintf("guess %d", i), "203.0.113.1")
		require.ErrorIs(t, err, auth.ErrInvalidCredentials)
	}
	_, err = acc.Login(ctx, "ana@clinic.example", pw, "203.0.113.1")
	require.ErrorIs(t, err, auth.ErrLocked, "the guesser's address is locked out, even with the password")
	_, err = acc.Login(ctx, "ana@clinic.example", pw, "198.51.100.7")
	require.NoError(t, err, "the user, elsewhere, is not")

	// Spread over addresses: 6 failures in a row lock it for addresses new to it.
	for i := range 6 {
		_, _ = acc.Login(ctx, "ana@clinic.example", "spread guess", fmt.Sprintf("203.0.113.%d", 10+i))
	}
	_, err = acc.Login(ctx, "ana@clinic.example", pw, "203.0.113.99")
	require.ErrorIs(t, err, auth.ErrLocked, "a new address waits")
	_, err = acc.Login(ctx, "ana@clinic.example", pw, "198.51.100.7")
	require.NoError(t, err, "an address the user signed in from does not")
	clk.Add(11 * time.Minute)
	_, err = acc.Login(ctx, "ana@clinic.example", pw, "203.0.113.99")
	require.NoError(t, err, "the lock lapses")

	n, err := acc.PruneLoginFailures(ctx)
	require.NoError(t, err)
	require.Zero(t, n, "nothing is a day old yet")
}

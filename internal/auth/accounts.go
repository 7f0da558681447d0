package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/aomas/aomas/db"
)

// ErrNotFound reports that no account has the e-mail address or id asked for.
var ErrNotFound = errors.New("no such account")

// ErrExists reports an e-mail address that another account already has.
var ErrExists = errors.New("an account with this e-mail address exists")

// ErrInvalidEmail reports an address that is not one.
var ErrInvalidEmail = errors.New("not an e-mail address")

// User is a row of users, without its password hash.
type User struct {
	ID           int64      `db:"id"`
	Email        string     `db:"email"`
	DisplayName  string     `db:"display_name"`
	Disabled     bool       `db:"disabled"`
	FailedLogins int        `db:"failed_logins"`
	LockedUntil  *time.Time `db:"locked_until"`
	CreatedAt    time.Time  `db:"created_at"`
	HasPassword  bool       `db:"has_password"`
}

const userCols = `id, email, display_name, disabled, failed_logins, locked_until, created_at, password_hash IS NOT NULL AS has_password`

// Lockout bounds password guessing without handing an attacker a way to lock a user out.
// Failures are counted per e-mail address as typed (whether or not an account has it, so
// that a lock says nothing about which accounts exist):
//   - from one client address: MaxFailures in a row lock that e-mail address for that client
//     address alone, For long; the user signs in from anywhere else;
//   - from every address together: AccountFailures in a row (a guesser spread over many
//     addresses) lock it, For long, but only for addresses that never signed in to it, so
//     the user's own addresses keep working however long the attack goes on.
//
// Requests are also throttled per client address before they get here (server.Auth.Login).
type Lockout struct {
	MaxFailures     int
	AccountFailures int
	For             time.Duration
}

// DefaultLockout locks an e-mail address for 15 minutes after 5 failed logins in a row from
// one address, or 50 from all addresses together (for addresses new to it).
func DefaultLockout() Lockout {
	return Lockout{MaxFailures: 5, AccountFailures: 50, For: 15 * time.Minute}
}

// anyAddr is the client address of the count over every address.
const anyAddr = "*"

// Accounts manages local accounts in PostgreSQL.
type Accounts struct {
	db      *sqlx.DB
	params  Params
	lockout Lockout
	now     func() time.Time
	// dummy is a hash verified for unknown e-mail addresses, so that a login for a missing
	// account takes as long as one for an existing account. Made on first need.
	dummyOnce sync.Once
	dummy     string
}

// AccountsConfig tunes Accounts; zero fields take the defaults.
type AccountsConfig struct {
	Params  Params
	Lockout Lockout
	Now     func() time.Time
}

// NewAccounts returns the accounts held in conn.
func NewAccounts(conn *sqlx.DB, cfg AccountsConfig) (*Accounts, error) {
	a := &Accounts{db: conn, params: cfg.Params, lockout: cfg.Lockout, now: cfg.Now}
	if a.params == (Params{}) {
		a.params = DefaultParams()
	}
	def := DefaultLockout()
	if a.lockout.MaxFailures <= 0 {
		a.lockout.MaxFailures = def.MaxFailures
	}
	if a.lockout.AccountFailures <= 0 {
		a.lockout.AccountFailures = def.AccountFailures
	}
	if a.lockout.For <= 0 {
		a.lockout.For = def.For
	}
	if a.now == nil {
		a.now = time.Now
	}
	return a, nil
}

// burn spends the time of one password check, for logins that have no hash to check.
func (a *Accounts) burn(password string) {
	a.dummyOnce.Do(func() {
		a.dummy, _ = HashPassword("no account has this password", a.params)
	})
	_, _ = VerifyPassword(a.dummy, password)
}

func normEmail(email string) (string, error) {
	email = strings.TrimSpace(email)
	addr, err := mail.ParseAddress(email)
	if err != nil || addr.Address != email || len(email) > 320 {
		return "", fmt.Errorf("%q: %w", email, ErrInvalidEmail)
	}
	return email, nil
}

// Create adds an account. An empty password makes an account that cannot log in with one
// (API tokens and single sign-on only).
func (a *Accounts) Create(ctx context.Context, email, displayName, password string) (User, error) {
	email, err := normEmail(email)
	if err != nil {
		return User{}, err
	}
	var hash *string
	if password != "" {
		if err := CheckPassword(password); err != nil {
			return User{}, err
		}
		h, err := HashPassword(password, a.params)
		if err != nil {
			return User{}, err
		}
		hash = &h
	}
	var u User
	err = a.db.GetContext(ctx, &u, `INSERT INTO users (email, display_name, password_hash) VALUES ($1, $2, $3)
		RETURNING `+userCols, email, displayName, hash)
	var pqErr *pq.Error
	if errors.As(err, &pqErr) && pqErr.Code == "23505" {
		return User{}, fmt.Errorf("create account %s: %w", email, ErrExists)
	}
	if err != nil {
		return User{}, fmt.Errorf("create account %s: %w", email, err)
	}
	return u, nil
}

// SetPassword replaces the account's password and lifts a lockout.
func (a *Accounts) SetPassword(ctx context.Context, userID int64, password string) error {
	if err := CheckPassword(password); err != nil {
		return err
	}
	h, err := HashPassword(password, a.params)
	if err != nil {
		return err
	}
	return db.InTx(ctx, a.db, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = $2, failed_logins = 0, locked_until = NULL WHERE id = $1`, userID, h)
		if err != nil {
			return fmt.Errorf("set password of user %d: %w", userID, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("user %d: %w", userID, ErrNotFound)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE login_failures SET failures = 0, locked_until = NULL, updated_at = now()
			WHERE email = (SELECT lower(email) FROM users WHERE id = $1)`, userID); err != nil {
			return fmt.Errorf("lift lockout of user %d: %w", userID, err)
		}
		return nil
	})
}

// PruneLoginFailures forgets failure counts untouched for a day, and the addresses a user
// signed in from after 90 days, and returns how many rows went.
func (a *Accounts) PruneLoginFailures(ctx context.Context) (int64, error) {
	now := a.now()
	res, err := a.db.ExecContext(ctx, `DELETE FROM login_failures
		WHERE (locked_until IS NULL OR locked_until < $1)
		  AND ((ok_at IS NULL AND updated_at < $2) OR updated_at < $3)`, now, now.Add(-24*time.Hour), now.Add(-90*24*time.Hour))
	if err != nil {
		return 0, fmt.Errorf("prune login failures: %w", err)
	}
	return res.RowsAffected()
}

// ByEmail returns the account with this e-mail address (case-insensitive).
func (a *Accounts) ByEmail(ctx context.Context, email string) (User, error) {
	var u User
	err := a.db.GetContext(ctx, &u, `SELECT `+userCols+` FROM users WHERE lower(email) = lower($1)`, strings.TrimSpace(email))
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, fmt.Errorf("%s: %w", email, ErrNotFound)
	}
	if err != nil {
		return User{}, fmt.Errorf("look up account %s: %w", email, err)
	}
	return u, nil
}

// ByID returns the account with this id.
func (a *Accounts) ByID(ctx context.Context, id int64) (User, error) {
	var u User
	err := a.db.GetContext(ctx, &u, `SELECT `+userCols+` FROM users WHERE id = $1`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, fmt.Errorf("account %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return User{}, fmt.Errorf("look up account %d: %w", id, err)
	}
	return u, nil
}

// List returns every account, oldest first.
func (a *Accounts) List(ctx context.Context) ([]User, error) {
	var us []User
	if err := a.db.SelectContext(ctx, &us, `SELECT `+userCols+` FROM users ORDER BY id`); err != nil {
		return nil, fmt.Errorf("list accounts: %w", err)
	}
	return us, nil
}

// SetDisabled disables (or enables again) the account and, on disabling, ends its sessions;
// its tokens stop working at once because every authentication checks the flag.
func (a *Accounts) SetDisabled(ctx context.Context, userID int64, disabled bool) error {
	return db.InTx(ctx, a.db, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE users SET disabled = $2 WHERE id = $1`, userID, disabled)
		if err != nil {
			return fmt.Errorf("disable user %d: %w", userID, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("user %d: %w", userID, ErrNotFound)
		}
		if disabled {
			if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1`, userID); err != nil {
				return fmt.Errorf("end sessions of user %d: %w", userID, err)
			}
		}
		return nil
	})
}

// loginState is the failure count of one e-mail address from one client address (or '*').
type loginState struct {
	Addr        string     `db:"addr"`
	Failures    int        `db:"failures"`
	LockedUntil *time.Time `db:"locked_until"`
	OKAt        *time.Time `db:"ok_at"`
}

// Login checks email and password for a client at addr. Every refusal wraps
// ErrUnauthenticated and costs one password check, whether or not the account exists, is
// locked, disabled or has no password, so that neither the answer nor its time tells them
// apart; see Lockout for when an e-mail address is locked, and for whom.
func (a *Accounts) Login(ctx context.Context, email, password, addr string) (Principal, error) {
	key := strings.ToLower(strings.TrimSpace(email))
	if addr == "" || addr == anyAddr {
		addr = "unknown"
	}
	if len(password) > MaxPasswordLen || len(key) > 320 || len(addr) > 64 {
		a.burn(password)
		return Principal{}, ErrInvalidCredentials
	}
	// A refusal is not a failed transaction: a wrong password's count must be committed.
	// So the closure returns nil on refusal and says why in refused.
	var p Principal
	var refused error
	err := db.InTx(ctx, a.db, func(tx *sqlx.Tx) error {
		now := a.now()
		// The rows exist for every e-mail address tried, and FOR UPDATE counts concurrent
		// guesses one after the other.
		if _, err := tx.ExecContext(ctx, `INSERT INTO login_failures (email, addr) VALUES ($1, $2), ($1, $3)
			ON CONFLICT DO NOTHING`, key, addr, anyAddr); err != nil {
			return fmt.Errorf("count login: %w", err)
		}
		var states []loginState
		if err := tx.SelectContext(ctx, &states, `SELECT addr, failures, locked_until, ok_at FROM login_failures
			WHERE email = $1 AND addr IN ($2, $3) ORDER BY addr FOR UPDATE`, key, addr, anyAddr); err != nil {
			return fmt.Errorf("count login: %w", err)
		}
		var here, all loginState
		for _, st := range states {
			if st.Addr == anyAddr {
				all = st
			}
			if st.Addr == addr {
				here = st
			}
		}
		lockedHere := here.LockedUntil != nil && now.Before(*here.LockedUntil)
		lockedAll := all.LockedUntil != nil && now.Before(*all.LockedUntil) && here.OKAt == nil

		var row struct {
			User
			Hash *string `db:"password_hash"`
		}
		err := tx.GetContext(ctx, &row, `SELECT `+userCols+`, password_hash FROM users WHERE lower(email) = $1`, key)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		found := err == nil
		ok := false
		if found && row.Hash != nil {
			if ok, err = VerifyPassword(*row.Hash, password); err != nil {
				return fmt.Errorf("%s: %w", row.Email, err)
			}
		} else {
			a.burn(password)
		}
		switch {
		case lockedHere || lockedAll:
			refused = ErrLocked
			return nil
		case !ok:
			refused = ErrInvalidCredentials
			if found && row.Hash == nil {
				refused = ErrNoPassword
			}
			// The lock starts the count afresh: after it lapses, as many tries again.
			_, err := tx.ExecContext(ctx, `UPDATE login_failures SET
					failures = CASE WHEN failures + 1 >= (CASE WHEN addr = $3 THEN $5::int ELSE $4::int END) THEN 0 ELSE failures + 1 END,
					locked_until = CASE WHEN failures + 1 >= (CASE WHEN addr = $3 THEN $5::int ELSE $4::int END) THEN $6::timestamptz ELSE locked_until END,
					updated_at = $7
				WHERE email = $1 AND addr IN ($2, $3)`,
				key, addr, anyAddr, a.lockout.MaxFailures, a.lockout.AccountFailures, now.Add(a.lockout.For), now)
			if err != nil {
				return fmt.Errorf("count failed login: %w", err)
			}
			return nil
		case row.Disabled:
			refused = ErrDisabled
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE login_failures SET failures = 0,
				locked_until = CASE WHEN addr = $2 THEN NULL ELSE locked_until END,
				ok_at = CASE WHEN addr = $2 THEN $4::timestamptz ELSE ok_at END, updated_at = $4
			WHERE email = $1 AND addr IN ($2, $3)`, key, addr, anyAddr, now); err != nil {
			return fmt.Errorf("record login: %w", err)
		}
		if NeedsRehash(*row.Hash, a.params) {
			if h, err := HashPassword(password, a.params); err == nil {
				if _, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = $2 WHERE id = $1`, row.ID, h); err != nil {
					return fmt.Errorf("rehash: %w", err)
				}
			}
		}
		p = Principal{UserID: row.ID, Email: row.Email, Method: MethodPassword}
		return nil
	})
	if err != nil {
		return Principal{}, fmt.Errorf("login: %w", err)
	}
	if refused != nil {
		return Principal{}, refused
	}
	return p, nil
}

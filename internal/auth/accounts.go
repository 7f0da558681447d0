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

// Lockout says how many failed logins in a row lock an account, and for how long.
type Lockout struct {
	MaxFailures int
	For         time.Duration
}

// DefaultLockout locks an account for 15 minutes after 5 failed logins in a row.
func DefaultLockout() Lockout { return Lockout{MaxFailures: 5, For: 15 * time.Minute} }

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
	if a.lockout == (Lockout{}) {
		a.lockout = DefaultLockout()
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
	res, err := a.db.ExecContext(ctx, `UPDATE users SET password_hash = $2, failed_logins = 0, locked_until = NULL WHERE id = $1`, userID, h)
	if err != nil {
		return fmt.Errorf("set password of user %d: %w", userID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("user %d: %w", userID, ErrNotFound)
	}
	return nil
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

// Login checks email and password. Repeated failures lock the account for a while; a
// locked account is refused without its password being tried, and a disabled one is
// refused even with the right password.
func (a *Accounts) Login(ctx context.Context, email, password string) (Principal, error) {
	if len(password) > MaxPasswordLen {
		return Principal{}, ErrInvalidCredentials
	}
	// A refusal is not a failed transaction: a wrong password's count must be committed.
	// So the closure returns nil on refusal and says why in refused; nothing else is
	// written on a refusal, so committing it is the same as rolling it back.
	var p Principal
	var refused error
	err := db.InTx(ctx, a.db, func(tx *sqlx.Tx) error {
		var row struct {
			User
			Hash *string `db:"password_hash"`
		}
		// FOR UPDATE: concurrent guesses are counted one after the other.
		err := tx.GetContext(ctx, &row, `SELECT `+userCols+`, password_hash FROM users WHERE lower(email) = lower($1) FOR UPDATE`,
			strings.TrimSpace(email))
		if errors.Is(err, sql.ErrNoRows) {
			a.burn(password)
			refused = ErrInvalidCredentials
			return nil
		}
		if err != nil {
			return err
		}
		now := a.now()
		if row.LockedUntil != nil && now.Before(*row.LockedUntil) {
			refused = ErrLocked
			return nil
		}
		if row.Hash == nil {
			a.burn(password)
			refused = ErrNoPassword
			return nil
		}
		ok, err := VerifyPassword(*row.Hash, password)
		if err != nil {
			return fmt.Errorf("%s: %w", row.Email, err)
		}
		if !ok {
			// The lock starts the count afresh: after it lapses, MaxFailures more tries.
			if _, err := tx.ExecContext(ctx, `UPDATE users SET
					failed_logins = CASE WHEN failed_logins + 1 >= $2 THEN 0 ELSE failed_logins + 1 END,
					locked_until = CASE WHEN failed_logins + 1 >= $2 THEN $3::timestamptz ELSE locked_until END
				WHERE id = $1`, row.ID, a.lockout.MaxFailures, now.Add(a.lockout.For)); err != nil {
				return fmt.Errorf("count failed login: %w", err)
			}
			refused = ErrInvalidCredentials
			return nil
		}
		if row.Disabled {
			refused = ErrDisabled
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = $1`, row.ID); err != nil {
			return err
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

package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
)

// TokenPrefix starts every API token, so that scanners for leaked secrets can find them.
const TokenPrefix = "aomas_"

// lookupLen is how many characters of a token (after TokenPrefix) are stored in clear to
// find its row: 72 random bits, far too few to guess the other 184.
const lookupLen = 12

// MaxTokenTTL is the longest a token may live.
const MaxTokenTTL = 366 * 24 * time.Hour

// ErrNoToken reports a token id that the user does not hold, or that is already revoked.
var ErrNoToken = errors.New("no such token")

// Token is an API token's row; the token itself is never stored.
type Token struct {
	ID         int64      `db:"id"`
	UserID     int64      `db:"user_id"`
	Project    string     `db:"project"`
	Name       string     `db:"name"`
	Prefix     string     `db:"prefix"`
	CreatedAt  time.Time  `db:"created_at"`
	ExpiresAt  time.Time  `db:"expires_at"`
	RevokedAt  *time.Time `db:"revoked_at"`
	LastUsedAt *time.Time `db:"last_used_at"`
}

const tokenCols = `id, user_id, project, name, prefix, created_at, expires_at, revoked_at, last_used_at`

// Tokens manages personal API tokens.
type Tokens struct {
	db  *sqlx.DB
	now func() time.Time
	// touchEvery limits last-used writes to one per token per interval.
	touchEvery time.Duration
}

// TokensConfig tunes Tokens; zero fields take the defaults (time.Now, a minute).
type TokensConfig struct {
	Now        func() time.Time
	TouchEvery time.Duration
}

// NewTokens returns the tokens held in conn.
func NewTokens(conn *sqlx.DB, cfg TokensConfig) *Tokens {
	t := &Tokens{db: conn, now: cfg.Now, touchEvery: cfg.TouchEvery}
	if t.now == nil {
		t.now = time.Now
	}
	if t.touchEvery == 0 {
		t.touchEvery = time.Minute
	}
	return t
}

func tokenHash(raw string) string {
	h := sha256.Sum256([]byte(raw))
	return hex.EncodeToString(h[:])
}

// Create makes a token for user in project that lives for ttl, and returns it: the only
// time it is ever seen.
func (t *Tokens) Create(ctx context.Context, userID int64, project, name string, ttl time.Duration) (string, Token, error) {
	if project == "" || strings.Contains(project, "*") {
		return "", Token{}, fmt.Errorf("token project %q: want one project", project)
	}
	if ttl <= 0 || ttl > MaxTokenTTL {
		return "", Token{}, fmt.Errorf("token lifetime %v: want more than 0 and at most %v", ttl, MaxTokenTTL)
	}
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", Token{}, fmt.Errorf("token: %w", err)
	}
	raw := TokenPrefix + base64.RawURLEncoding.EncodeToString(b[:])
	var tok Token
	err := t.db.GetContext(ctx, &tok, `INSERT INTO api_tokens (user_id, project, name, prefix, hash, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING `+tokenCols,
		userID, project, name, raw[:len(TokenPrefix)+lookupLen], tokenHash(raw), t.now(), t.now().Add(ttl))
	if err != nil {
		return "", Token{}, fmt.Errorf("create token for user %d: %w", userID, err)
	}
	return raw, tok, nil
}

// Authenticate returns the principal a token stands for. Unknown, expired and revoked
// tokens, and tokens of disabled accounts, are refused (all wrapping ErrUnauthenticated).
func (t *Tokens) Authenticate(ctx context.Context, raw string) (Principal, error) {
	if !strings.HasPrefix(raw, TokenPrefix) || len(raw) != len(TokenPrefix)+43 {
		return Principal{}, ErrTokenInvalid
	}
	var row struct {
		Token
		Hash     string `db:"hash"`
		Email    string `db:"email"`
		Disabled bool   `db:"disabled"`
	}
	err := t.db.GetContext(ctx, &row, `SELECT t.id, t.user_id, t.project, t.name, t.prefix, t.created_at, t.expires_at,
			t.revoked_at, t.last_used_at, t.hash, u.email, u.disabled
		FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.prefix = $1`, raw[:len(TokenPrefix)+lookupLen])
	if errors.Is(err, sql.ErrNoRows) {
		return Principal{}, ErrTokenInvalid
	}
	if err != nil {
		return Principal{}, fmt.Errorf("authenticate token: %w", err)
	}
	if subtle.ConstantTimeCompare([]byte(tokenHash(raw)), []byte(row.Hash)) != 1 {
		return Principal{}, ErrTokenInvalid
	}
	now := t.now()
	switch {
	case row.RevokedAt != nil:
		return Principal{}, ErrTokenRevoked
	case !now.Before(row.ExpiresAt):
		return Principal{}, ErrTokenExpired
	case row.Disabled:
		return Principal{}, ErrDisabled
	}
	if row.LastUsedAt == nil || now.Sub(*row.LastUsedAt) >= t.touchEvery {
		if _, err := t.db.ExecContext(ctx, `UPDATE api_tokens SET last_used_at = $2 WHERE id = $1`, row.ID, now); err != nil {
			return Principal{}, fmt.Errorf("record token use: %w", err)
		}
	}
	return Principal{UserID: row.UserID, Email: row.Email, Method: MethodToken, Project: row.Project, TokenID: row.ID,
		ExpiresAt: row.ExpiresAt}, nil
}

// Valid reports, as Authenticate would, whether token id still stands: not revoked, not
// expired, its account not disabled. For credentials checked again long after they were
// presented (an open websocket).
func (t *Tokens) Valid(ctx context.Context, id int64) error {
	var row struct {
		RevokedAt *time.Time `db:"revoked_at"`
		ExpiresAt time.Time  `db:"expires_at"`
		Disabled  bool       `db:"disabled"`
	}
	err := t.db.GetContext(ctx, &row, `SELECT t.revoked_at, t.expires_at, u.disabled FROM api_tokens t JOIN users u ON u.id = t.user_id
		WHERE t.id = $1`, id)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return ErrTokenInvalid
	case err != nil:
		return fmt.Errorf("check token %d: %w", id, err)
	case row.RevokedAt != nil:
		return ErrTokenRevoked
	case !t.now().Before(row.ExpiresAt):
		return ErrTokenExpired
	case row.Disabled:
		return ErrDisabled
	}
	return nil
}

// ByID returns token id, or ErrNoToken.
func (t *Tokens) ByID(ctx context.Context, id int64) (Token, error) {
	var tok Token
	err := t.db.GetContext(ctx, &tok, `SELECT `+tokenCols+` FROM api_tokens WHERE id = $1`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return Token{}, fmt.Errorf("token %d: %w", id, ErrNoToken)
	}
	if err != nil {
		return Token{}, fmt.Errorf("look up token %d: %w", id, err)
	}
	return tok, nil
}

// RevokeID ends token id at once, whoever holds it, and returns it as revoked; a token
// already revoked is ErrNoToken. Who may do this is the caller's to decide.
func (t *Tokens) RevokeID(ctx context.Context, id int64) (Token, error) {
	var tok Token
	err := t.db.GetContext(ctx, &tok, `UPDATE api_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL RETURNING `+tokenCols,
		id, t.now())
	if errors.Is(err, sql.ErrNoRows) {
		return Token{}, fmt.Errorf("token %d: %w", id, ErrNoToken)
	}
	if err != nil {
		return Token{}, fmt.Errorf("revoke token %d: %w", id, err)
	}
	return tok, nil
}

// ListAll returns the tokens made for project (every project when it is ""), newest first,
// at most limit of them.
func (t *Tokens) ListAll(ctx context.Context, project string, limit int) ([]Token, error) {
	var out []Token
	if err := t.db.SelectContext(ctx, &out, `SELECT `+tokenCols+` FROM api_tokens WHERE ($1 = '' OR project = $1)
		ORDER BY id DESC LIMIT $2`, project, limit); err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	return out, nil
}

// Revoke ends token id of user userID at once.
func (t *Tokens) Revoke(ctx context.Context, userID, id int64) error {
	res, err := t.db.ExecContext(ctx, `UPDATE api_tokens SET revoked_at = $3 WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL`,
		id, userID, t.now())
	if err != nil {
		return fmt.Errorf("revoke token %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("token %d of user %d: %w", id, userID, ErrNoToken)
	}
	return nil
}

// List returns the user's tokens, newest first.
func (t *Tokens) List(ctx context.Context, userID int64) ([]Token, error) {
	var out []Token
	if err := t.db.SelectContext(ctx, &out, `SELECT `+tokenCols+` FROM api_tokens WHERE user_id = $1 ORDER BY id DESC`, userID); err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	return out, nil
}

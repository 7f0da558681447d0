package auth

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/jmoiron/sqlx"
)

// Cookie and header names.
const (
	SessionCookie = "aomas_session"
	// CSRFCookie is readable by the SPA's script, which echoes it in CSRFHeader.
	CSRFCookie = "aomas_csrf"
	CSRFHeader = "X-CSRF-Token"
)

// DefaultSessionTTL is how long a browser session lasts.
const DefaultSessionTTL = 12 * time.Hour

// ErrCSRF reports a cookie-authenticated request without the matching CSRF token.
var ErrCSRF = errors.New("missing or wrong CSRF token")

// Sessions manages browser sessions: the cookie holds a random id, the table its SHA-256.
type Sessions struct {
	db         *sqlx.DB
	now        func() time.Time
	touchEvery time.Duration
}

// NewSessions returns the sessions held in conn; now may be nil (time.Now).
func NewSessions(conn *sqlx.DB, now func() time.Time) *Sessions {
	if now == nil {
		now = time.Now
	}
	return &Sessions{db: conn, now: now, touchEvery: time.Minute}
}

// Session is what Create hands back: the id for the cookie, the CSRF token that goes with
// it, and when both end.
type Session struct {
	ID        string
	CSRF      string
	ExpiresAt time.Time
}

// Create starts a session for user that lasts ttl.
func (s *Sessions) Create(ctx context.Context, userID int64, ttl time.Duration, clientAddr, userAgent string) (Session, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return Session{}, fmt.Errorf("session id: %w", err)
	}
	id := base64.RawURLEncoding.EncodeToString(b[:])
	exp := s.now().Add(ttl)
	if len(userAgent) > 512 {
		userAgent = userAgent[:512]
	}
	if _, err := s.db.ExecContext(ctx, `INSERT INTO sessions (id_hash, user_id, created_at, expires_at, client_addr, user_agent)
		VALUES ($1, $2, $3, $4, $5, $6)`, tokenHash(id), userID, s.now(), exp, clientAddr, userAgent); err != nil {
		return Session{}, fmt.Errorf("create session for user %d: %w", userID, err)
	}
	return Session{ID: id, CSRF: CSRFToken(id), ExpiresAt: exp}, nil
}

// Authenticate returns the principal of session id; expired sessions and those of disabled
// accounts are refused.
func (s *Sessions) Authenticate(ctx context.Context, id string) (Principal, error) {
	if len(id) != 43 {
		return Principal{}, ErrSessionInvalid
	}
	var row struct {
		UserID     int64      `db:"user_id"`
		Email      string     `db:"email"`
		Disabled   bool       `db:"disabled"`
		ExpiresAt  time.Time  `db:"expires_at"`
		LastSeenAt *time.Time `db:"last_seen_at"`
	}
	h := tokenHash(id)
	err := s.db.GetContext(ctx, &row, `SELECT s.user_id, u.email, u.disabled, s.expires_at, s.last_seen_at
		FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id_hash = $1`, h)
	if errors.Is(err, sql.ErrNoRows) {
		return Principal{}, ErrSessionInvalid
	}
	if err != nil {
		return Principal{}, fmt.Errorf("authenticate session: %w", err)
	}
	now := s.now()
	if !now.Before(row.ExpiresAt) {
		return Principal{}, ErrSessionInvalid
	}
	if row.Disabled {
		return Principal{}, ErrDisabled
	}
	if row.LastSeenAt == nil || now.Sub(*row.LastSeenAt) >= s.touchEvery {
		if _, err := s.db.ExecContext(ctx, `UPDATE sessions SET last_seen_at = $2 WHERE id_hash = $1`, h, now); err != nil {
			return Principal{}, fmt.Errorf("record session use: %w", err)
		}
	}
	return Principal{UserID: row.UserID, Email: row.Email, Method: MethodSession, SessionHash: h, ExpiresAt: row.ExpiresAt}, nil
}

// Valid reports, as Authenticate would, whether the session whose id hashes to hash still
// stands: not ended, not expired, its account not disabled. For credentials checked again
// long after they were presented (an open websocket).
func (s *Sessions) Valid(ctx context.Context, hash string) error {
	var row struct {
		Disabled  bool      `db:"disabled"`
		ExpiresAt time.Time `db:"expires_at"`
	}
	err := s.db.GetContext(ctx, &row, `SELECT u.disabled, s.expires_at FROM sessions s JOIN users u ON u.id = s.user_id
		WHERE s.id_hash = $1`, hash)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return ErrSessionInvalid
	case err != nil:
		return fmt.Errorf("check session: %w", err)
	case !s.now().Before(row.ExpiresAt):
		return ErrSessionInvalid
	case row.Disabled:
		return ErrDisabled
	}
	return nil
}

// SessionHash returns what session id is stored and announced as.
func SessionHash(id string) string { return tokenHash(id) }

// Delete ends session id (logout).
func (s *Sessions) Delete(ctx context.Context, id string) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM sessions WHERE id_hash = $1`, tokenHash(id)); err != nil {
		return fmt.Errorf("end session: %w", err)
	}
	return nil
}

// DeleteExpired removes sessions that ended before now and returns how many.
func (s *Sessions) DeleteExpired(ctx context.Context) (int64, error) {
	res, err := s.db.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at <= $1`, s.now())
	if err != nil {
		return 0, fmt.Errorf("remove expired sessions: %w", err)
	}
	return res.RowsAffected()
}

// CSRFToken is the CSRF token that belongs to session id: an HMAC keyed with the secret
// session id, so that only a holder of the session cookie can know it, and nothing needs
// storing (a stateless synchronizer token).
func CSRFToken(sessionID string) string {
	m := hmac.New(sha256.New, []byte(sessionID))
	m.Write([]byte("aomas csrf v1"))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// CheckCSRF refuses got unless it is session id's CSRF token.
func CheckCSRF(sessionID, got string) error {
	if sessionID == "" || got == "" || subtle.ConstantTimeCompare([]byte(CSRFToken(sessionID)), []byte(got)) != 1 {
		return ErrCSRF
	}
	return nil
}

// CheckRequestCSRF applies CheckCSRF to a request authenticated by the session cookie:
// every method but GET, HEAD and OPTIONS must carry the token in CSRFHeader. (GraphQL
// mutations over GET are refused by the server anyway.)
func CheckRequestCSRF(r *http.Request, sessionID string) error {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return nil
	}
	return CheckCSRF(sessionID, r.Header.Get(CSRFHeader))
}

// Cookies returns the session cookie (HttpOnly) and the CSRF cookie (readable by the
// SPA) for s. secure marks them Secure: set it whenever the request came over TLS.
func (s Session) Cookies(secure bool) []*http.Cookie {
	maxAge := int(time.Until(s.ExpiresAt).Seconds())
	return []*http.Cookie{
		{Name: SessionCookie, Value: s.ID, Path: "/", Expires: s.ExpiresAt, MaxAge: maxAge,
			HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode},
		{Name: CSRFCookie, Value: s.CSRF, Path: "/", Expires: s.ExpiresAt, MaxAge: maxAge,
			HttpOnly: false, Secure: secure, SameSite: http.SameSiteLaxMode},
	}
}

// ClearCookies returns cookies that remove both session cookies (logout).
func ClearCookies(secure bool) []*http.Cookie {
	return []*http.Cookie{
		{Name: SessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode},
		{Name: CSRFCookie, Value: "", Path: "/", MaxAge: -1, Secure: secure, SameSite: http.SameSiteLaxMode},
	}
}

// IsTLS reports whether r reached aomas over TLS (directly; a proxy that terminates TLS
// must be configured as trusted by the server, which then decides).
func IsTLS(r *http.Request) bool { return r.TLS != nil }

package auth_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aomas/aomas/internal/auth"
	"github.com/aomas/aomas/internal/testenv"
)

func TestTokens(t *testing.T) {
	ctx := context.Background()
	conn := testenv.Postgres(t)
	clk := newClock()
	acc, err := auth.NewAccounts(conn, auth.AccountsConfig{Params: cheap, Now: clk.Now})
	require.NoError(t, err)
	u, err := acc.Create(ctx, "nb@lab.example", "", "")
	require.NoError(t, err)
	toks := auth.NewTokens(conn, auth.TokensConfig{Now: clk.Now, TouchEvery: time.Minute})

	raw, tok, err := toks.Create(ctx, u.ID, "eyes", "notebook", 24*time.Hour)
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(raw, auth.TokenPrefix))
	require.Len(t, raw, len(auth.TokenPrefix)+43, "32 random bytes, base64url")
	require.True(t, strings.HasPrefix(raw, tok.Prefix))
	var stored int
	require.NoError(t, conn.Get(&stored, `SELECT count(*) FROM api_tokens WHERE hash = encode(sha256($1::bytea), 'hex')`, raw))
	require.Equal(t, 1, stored, "only the SHA-256 is stored")
	require.NoError(t, conn.Get(&stored, `SELECT count(*) FROM api_tokens WHERE hash = $1 OR prefix = $1`, raw))
	require.Zero(t, stored, "the token itself is nowhere")
	require.Nil(t, tok.LastUsedAt)

	p, err := toks.Authenticate(ctx, raw)
	require.NoError(t, err)
	require.Equal(t, auth.Principal{UserID: u.ID, Email: "nb@lab.example", Method: auth.MethodToken, Project: "eyes", TokenID: tok.ID,
		ExpiresAt: tok.ExpiresAt}, p)
	require.Equal(t, "user:"+itoa(u.ID), p.Subject())
	require.NoError(t, p.CheckProject("eyes"))
	require.ErrorIs(t, p.CheckProject("retina"), auth.ErrWrongProject, "a token only works for its project")

	lastUsed := func() time.Time {
		t.Helper()
		list, err := toks.List(ctx, u.ID)
		require.NoError(t, err)
		require.NotNil(t, list[0].LastUsedAt)
		return list[0].LastUsedAt.UTC()
	}
	require.Equal(t, clk.Now(), lastUsed())
	first := clk.Now()
	clk.Add(30 * time.Second)
	_, err = toks.Authenticate(ctx, raw)
	require.NoError(t, err)
	require.Equal(t, first, lastUsed(), "written at most once a minute")
	clk.Add(31 * time.Second)
	_, err = toks.Authenticate(ctx, raw)
	require.NoError(t, err)
	require.Equal(t, clk.Now(), lastUsed())

	forged := raw[:len(raw)-4] + "AAAA"
	if forged == raw {
		forged = raw[:len(raw)-4] + "BBBB"
	}
	other, _, err := toks.Create(ctx, u.ID, "eyes", "short", time.Hour)
	require.NoError(t, err)
	revoked, revTok, err := toks.Create(ctx, u.ID, "eyes", "revoked", time.Hour)
	require.NoError(t, err)
	require.NoError(t, toks.Revoke(ctx, u.ID, revTok.ID))
	require.ErrorIs(t, toks.Revoke(ctx, u.ID, revTok.ID), auth.ErrNoToken)
	require.ErrorIs(t, toks.Revoke(ctx, u.ID+1, tok.ID), auth.ErrNoToken, "only its owner revokes a token")

	refused := []struct {
		name, raw string
		advance   time.Duration
		want      error
	}{
		{"garbage", "hello", 0, auth.ErrTokenInvalid},
		{"empty", "", 0, auth.ErrTokenInvalid},
		{"right prefix, wrong secret", forged, 0, auth.ErrTokenInvalid},
		{"revoked", revoked, 0, auth.ErrTokenRevoked},
		{"expired", other, time.Hour, auth.ErrTokenExpired},
	}
	for _, c := range refused {
		clk.Add(c.advance)
		_, err := toks.Authenticate(ctx, c.raw)
		require.ErrorIs(t, err, c.want, c.name)
		require.ErrorIs(t, err, auth.ErrUnauthenticated, c.name)
	}
	// The first token (a day) still works; disabling the account stops it.
	_, err = toks.Authenticate(ctx, raw)
	require.NoError(t, err)
	require.NoError(t, acc.SetDisabled(ctx, u.ID, true))
	_, err = toks.Authenticate(ctx, raw)
	require.ErrorIs(t, err, auth.ErrDisabled)

	for _, bad := range []struct {
		project string
		ttl     time.Duration
	}{{"", time.Hour}, {"*", time.Hour}, {"eyes", 0}, {"eyes", 400 * 24 * time.Hour}} {
		_, _, err := toks.Create(ctx, u.ID, bad.project, "", bad.ttl)
		require.Error(t, err, "%+v", bad)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestSessionsAndCSRF(t *testing.T) {
	ctx := context.Background()
	conn := testenv.Postgres(t)
	clk := newClock()
	acc, err := auth.NewAccounts(conn, auth.AccountsConfig{Params: cheap, Now: clk.Now})
	require.NoError(t, err)
	u, err := acc.Create(ctx, "ana@clinic.example", "", "a long enough secret")
	require.NoError(t, err)
	ss := auth.NewSessions(conn, clk.Now)

	s, err := ss.Create(ctx, u.ID, time.Hour, "10.0.0.7", "test-agent")
	require.NoError(t, err)
	require.Len(t, s.ID, 43)
	var n int
	require.NoError(t, conn.Get(&n, `SELECT count(*) FROM sessions WHERE id_hash = encode(sha256($1::bytea), 'hex')`, s.ID))
	require.Equal(t, 1, n, "stored hashed")
	p, err := ss.Authenticate(ctx, s.ID)
	require.NoError(t, err)
	require.Equal(t, auth.Principal{UserID: u.ID, Email: "ana@clinic.example", Method: auth.MethodSession,
		SessionHash: auth.SessionHash(s.ID), ExpiresAt: s.ExpiresAt}, p)

	// Cookie attributes.
	for _, secure := range []bool{false, true} {
		cs := s.Cookies(secure)
		require.Len(t, cs, 2)
		sess, csrf := cs[0], cs[1]
		require.Equal(t, auth.SessionCookie, sess.Name)
		require.True(t, sess.HttpOnly)
		require.Equal(t, http.SameSiteLaxMode, sess.SameSite)
		require.Equal(t, secure, sess.Secure)
		require.Equal(t, "/", sess.Path)
		require.Equal(t, auth.CSRFCookie, csrf.Name)
		require.False(t, csrf.HttpOnly, "the SPA reads it to echo it")
		require.Equal(t, secure, csrf.Secure)
		require.Equal(t, s.CSRF, csrf.Value)
	}
	rec := httptest.NewRecorder()
	for _, c := range auth.ClearCookies(true) {
		http.SetCookie(rec, c)
	}
	require.Len(t, rec.Result().Cookies(), 2)
	require.Contains(t, rec.Header().Values("Set-Cookie")[0], "Max-Age=0")

	// CSRF: the token belongs to one session.
	s2, err := ss.Create(ctx, u.ID, time.Hour, "", "")
	require.NoError(t, err)
	csrfCases := []struct {
		name, method, header string
		want                 error
	}{
		{"POST with the session's token", http.MethodPost, s.CSRF, nil},
		{"POST without a token", http.MethodPost, "", auth.ErrCSRF},
		{"POST with another session's token", http.MethodPost, s2.CSRF, auth.ErrCSRF},
		{"POST with the session id itself", http.MethodPost, s.ID, auth.ErrCSRF},
		{"POST with a truncated token", http.MethodPost, s.CSRF[:20], auth.ErrCSRF},
		{"GET needs none", http.MethodGet, "", nil},
		{"PUT without a token", http.MethodPut, "", auth.ErrCSRF},
	}
	for _, c := range csrfCases {
		r := httptest.NewRequest(c.method, "/graphql", http.NoBody)
		if c.header != "" {
			r.Header.Set(auth.CSRFHeader, c.header)
		}
		err := auth.CheckRequestCSRF(r, s.ID)
		if c.want == nil {
			require.NoError(t, err, c.name)
		} else {
			require.ErrorIs(t, err, c.want, c.name)
		}
	}
	require.ErrorIs(t, auth.CheckCSRF("", ""), auth.ErrCSRF)
	require.False(t, auth.IsTLS(httptest.NewRequest(http.MethodGet, "http://x/", http.NoBody)))
	require.True(t, auth.IsTLS(httptest.NewRequest(http.MethodGet, "https://x/", http.NoBody)))

	// Logout, expiry, disabling.
	require.NoError(t, ss.Delete(ctx, s2.ID))
	_, err = ss.Authenticate(ctx, s2.ID)
	require.ErrorIs(t, err, auth.ErrSessionInvalid)
	_, err = ss.Authenticate(ctx, "x")
	require.ErrorIs(t, err, auth.ErrSessionInvalid)
	clk.Add(time.Hour)
	_, err = ss.Authenticate(ctx, s.ID)
	require.ErrorIs(t, err, auth.ErrSessionInvalid)
	removed, err := ss.DeleteExpired(ctx)
	require.NoError(t, err)
	require.EqualValues(t, 1, removed)
	s3, err := ss.Create(ctx, u.ID, time.Hour, "", "")
	require.NoError(t, err)
	require.NoError(t, acc.SetDisabled(ctx, u.ID, true))
	_, err = ss.Authenticate(ctx, s3.ID)
	require.ErrorIs(t, err, auth.ErrSessionInvalid, "disabling ends every session")
}

func TestLimiter(t *testing.T) {
	clk := newClock()
	l := auth.NewLimiter(auth.LimiterConfig{Rate: 1, Burst: 3, MaxKeys: 4, Now: clk.Now})
	allowed := func(key string, n int) int {
		got := 0
		for i := 0; i < n; i++ {
			if l.Allow(key) {
				got++
			}
		}
		return got
	}
	require.Equal(t, 3, allowed("10.0.0.1", 10), "the burst, then nothing")
	require.Equal(t, 3, allowed("10.0.0.2", 10), "keys are independent")
	clk.Add(2 * time.Second)
	require.Equal(t, 2, allowed("10.0.0.1", 10), "refills at the rate")
	for i := 0; i < 100; i++ {
		l.Allow("spray-" + itoa(int64(i)))
	}
	require.Equal(t, 4, l.Len(), "bounded")
	require.Equal(t, 3, allowed("10.0.0.1", 10), "an evicted key starts afresh")

	// The defaults: 10 logins at once, then one per 6 s.
	ll := auth.NewLimiter(func() auth.LimiterConfig { c := auth.LoginLimit(); c.Now = clk.Now; return c }())
	require.Equal(t, 10, func() int {
		n := 0
		for i := 0; i < 50; i++ {
			if ll.Allow("ana@clinic.example") {
				n++
			}
		}
		return n
	}())
}

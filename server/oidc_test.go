package server_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aomas/aomas/internal/auth"
	"github.com/aomas/aomas/internal/testenv"
	"github.com/aomas/aomas/internal/testenv/oidcissuer"
	"github.com/aomas/aomas/rbac"
	"github.com/aomas/aomas/resolvers"
	"github.com/aomas/aomas/server"
)

// TestOIDCLoginRoundTrip signs in through a real OpenID Connect provider started here: the
// browser (a cookie-keeping client) goes to the provider, logs in there, comes back with a
// code that aomas exchanges (with PKCE) for tokens, and ends with an aomas session whose
// roles come from the user's groups. A user whose groups map to no role is refused.
func TestOIDCLoginRoundTrip(t *testing.T) {
	ctx := context.Background()
	conn := testenv.Postgres(t)
	policy, err := rbac.New(ctx, conn, nil)
	require.NoError(t, err)
	accounts, err := auth.NewAccounts(conn, auth.AccountsConfig{})
	require.NoError(t, err)

	// aomas first (its callback URL is the issuer's registered redirect), handler bound below.
	var h http.Handler
	aomas := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	t.Cleanup(aomas.Close)
	issuer := oidcissuer.Start(t, aomas.URL+"/auth/oidc/callback",
		oidcissuer.User{Username: "grader", Password: "retina-pass-1", Email: "grader@clinic.example", Name: "Grader", Groups: []string{"retina-labelers"}},
		oidcissuer.User{Username: "visitor", Password: "retina-pass-2", Email: "visitor@clinic.example", Name: "Visitor", Groups: []string{"guests"}},
	)
	roles, err := server.ParseRoleMap("retina-labelers=labeler,retina-admins=admin@*")
	require.NoError(t, err)
	a := &server.Auth{Accounts: accounts, Sessions: auth.NewSessions(conn, nil), Tokens: auth.NewTokens(conn, auth.TokensConfig{}), Audit: conn}
	o, err := server.NewOIDC(ctx, server.OIDCConfig{Issuer: issuer, ClientID: oidcissuer.ClientID, ClientSecret: oidcissuer.ClientSecret,
		RedirectURL: aomas.URL + "/auth/oidc/callback", Roles: roles}, a, policy)
	require.NoError(t, err)
	guard := &resolvers.Guard{Enforcer: policy, Audit: conn}
	h = server.New(server.Options{Schema: resolvers.Schema(&resolvers.Resolver{Enforcer: policy, Accounts: accounts}, guard), Guard: guard, Auth: a, OIDC: o,
		MaxDepth: 12, MaxComplexity: 1000})

	signIn := func(user, password string) (*http.Client, *http.Response) {
		jar, _ := cookiejar.New(nil)
		c := &http.Client{Jar: jar}
		resp, err := c.Get(aomas.URL + "/auth/oidc/login")
		require.NoError(t, err)
		page, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode, string(page))
		require.True(t, strings.HasPrefix(resp.Request.URL.String(), issuer+"/login/username"), "at the provider's login page: %s", resp.Request.URL)
		id := resp.Request.URL.Query().Get("authRequestID")
		require.NotEmpty(t, id)
		resp, err = c.PostForm(issuer+"/login/username", url.Values{"username": {user}, "password": {password}, "id": {id}})
		require.NoError(t, err)
		return c, resp
	}

	c, resp := signIn("grader", "retina-pass-1")
	resp.Body.Close()
	require.Equal(t, aomas.URL+"/", resp.Request.URL.String(), "back at aomas after the callback")
	u, _ := url.Parse(aomas.URL)
	var session bool
	for _, ck := range c.Jar.Cookies(u) {
		session = session || (ck.Name == auth.SessionCookie && ck.Value != "")
	}
	require.True(t, session, "an aomas session")

	resp, err = c.Get(aomas.URL + "/graphql?query=" + url.QueryEscape(`{ me { user { displayName } roles } }`))
	require.NoError(t, err)
	var me struct {
		Data struct {
			Me struct {
				User  struct{ DisplayName string }
				Roles []string
			}
		}
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&me))
	resp.Body.Close()
	require.Equal(t, "Grader", me.Data.Me.User.DisplayName)
	require.Equal(t, []string{"labeler"}, me.Data.Me.Roles, "retina-labelers maps to labeler")

	// A wrong password stays at the provider; a user of unmapped groups is refused here.
	_, resp = signIn("grader", "wrong")
	resp.Body.Close()
	require.True(t, strings.HasPrefix(resp.Request.URL.String(), issuer), "still at the provider")
	_, resp = signIn("visitor", "retina-pass-2")
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusForbidden, resp.StatusCode)
	require.Contains(t, string(body), "none of your groups (guests) grants an aomas role")

	var n int
	require.NoError(t, conn.Get(&n, `SELECT count(*) FROM audit_log WHERE action = 'login' AND object LIKE 'oidc:%'`))
	require.Equal(t, 2, n, "the sign-in and the refusal are on the record")
}

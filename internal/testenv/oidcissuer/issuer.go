// Package oidcissuer runs a real OpenID Connect provider for tests: zitadel's certified `op`
// package with its example in-memory storage, static users, and a groups claim.
package oidcissuer

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/zitadel/oidc/v3/example/server/exampleop"
	"github.com/zitadel/oidc/v3/example/server/storage"
	zoidc "github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// User is one account of the test issuer.
type User struct {
	Username, Password, Email, Name string
	Groups                          []string
}

// ClientID and ClientSecret are the one client the issuer knows.
const (
	ClientID     = "aomas"
	ClientSecret = "aomas-test-client-secret"
)

type users map[string]*storage.User

func (u users) GetUserByID(id string) *storage.User { return u[id] }
func (u users) GetUserByUsername(name string) *storage.User {
	for _, x := range u {
		if x.Username == name {
			return x
		}
	}
	return nil
}
func (u users) ExampleClientID() string { return "service" }

// groupStorage adds the groups claim to ID tokens and userinfo.
type groupStorage struct {
	*storage.Storage
	groups map[string][]string
}

func (s groupStorage) SetUserinfoFromRequest(ctx context.Context, ui *zoidc.UserInfo, req op.IDTokenRequest, scopes []string) error {
	if err := s.Storage.SetUserinfoFromRequest(ctx, ui, req, scopes); err != nil {
		return err
	}
	ui.AppendClaims("groups", s.groups[req.GetSubject()])
	return nil
}

func (s groupStorage) SetUserinfoFromToken(ctx context.Context, ui *zoidc.UserInfo, tokenID, subject, origin string) error {
	if err := s.Storage.SetUserinfoFromToken(ctx, ui, tokenID, subject, origin); err != nil {
		return err
	}
	ui.AppendClaims("groups", s.groups[ui.Subject])
	return nil
}

// Start runs the issuer until t ends and returns its URL. redirectURL is the one redirect
// the client may use. The login page is /login/username (fields username, password, id).
func Start(t testing.TB, redirectURL string, us ...User) string {
	t.Helper()
	var lc net.ListenConfig
	ln, err := lc.Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	// "localhost", not 127.0.0.1: cookies are scoped by host, not port, and the
	// service under test usually runs on 127.0.0.1.
	issuer := "http://localhost:" + portOf(ln.Addr().String())
	byID := users{}
	groups := map[string][]string{}
	for i, u := range us {
		id := "u" + string(rune('1'+i))
		byID[id] = &storage.User{ID: id, Username: u.Username, Password: u.Password, FirstName: u.Name,
			Email: u.Email, EmailVerified: true}
		groups[id] = u.Groups
	}
	clients := map[string]*storage.Client{ClientID: storage.WebClient(ClientID, ClientSecret, redirectURL)}
	st := groupStorage{Storage: storage.NewStorageWithClients(byID, clients), groups: groups}
	srv := httptest.NewUnstartedServer(exampleop.SetupServer(issuer, st, nil, false))
	_ = srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)
	return issuer
}

func portOf(addr string) string {
	_, port, _ := net.SplitHostPort(addr)
	return port
}

var _ http.Handler = (*http.ServeMux)(nil)

package apitest

// The standing adversarial suite for sessions and tokens (issue 13, finding 6): a credential
// that ends — a logout, a revoked token, a disabled account — ends everywhere it is used:
// plain requests, open websockets, running subscriptions, on this replica and the others.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"
	"github.com/hibiken/asynq"
	"github.com/jmoiron/sqlx"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/aomas/aomas/internal/auth"
	"github.com/aomas/aomas/internal/intake"
	"github.com/aomas/aomas/internal/labels"
	"github.com/aomas/aomas/internal/testenv"
	"github.com/aomas/aomas/jobs"
	"github.com/aomas/aomas/rbac"
	"github.com/aomas/aomas/resolvers"
	"github.com/aomas/aomas/server"
	"github.com/aomas/aomas/storage"
)

// cluster is one database, Redis and bucket with any number of serve replicas over them.
type cluster struct {
	t      *testing.T
	conn   *sqlx.DB
	rdb    *redis.Client
	opt    asynq.RedisConnOpt
	store  *storage.Store
	policy *rbac.Enforcer
}

func newCluster(t *testing.T) *cluster {
	t.Helper()
	conn := testenv.Postgres(t)
	rdb, redisURL := testenv.Redis(t)
	opt, err := asynq.ParseRedisURI(redisURL)
	require.NoError(t, err)
	policy, err := rbac.New(context.Background(), conn, nil)
	require.NoError(t, err)
	return &cluster{t: t, conn: conn, rdb: rdb, opt: opt, store: testenv.Store(t), policy: policy}
}

// replica starts one aomas serve over the cluster's services, as cmd/aomas wires it: with
// announcements of ended credentials over Redis when announce is set, without (a replica
// that misses them) otherwise. It returns an api client holding an admin's token.
func (c *cluster) replica(announce bool) *api {
	t := c.t
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	accounts, err := auth.NewAccounts(c.conn, auth.AccountsConfig{})
	require.NoError(t, err)
	tokens := auth.NewTokens(c.conn, auth.TokensConfig{})
	var ends *auth.Ends
	if announce {
		ends, err = auth.NewEnds(ctx, c.rdb, nil)
		require.NoError(t, err)
		t.Cleanup(ends.Close)
	}
	queue := asynq.NewClient(c.opt)
	insp := asynq.NewInspector(c.opt)
	t.Cleanup(func() { _ = queue.Close(); _ = insp.Close() })
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	guard := &resolvers.Guard{Enforcer: c.policy, Audit: c.conn}
	checker := server.NewChecker(c.conn, c.rdb, c.store)
	res := &resolvers.Resolver{
		Checker:  checker,
		DB:       c.conn,
		Store:    c.store,
		Intake:   &intake.Service{DB: c.conn, Store: c.store, SubjectKey: []byte("test-subject-key-0123"), MaxBytes: maxUpload, TempDir: t.TempDir()},
		Labels:   &labels.Service{DB: c.conn, Store: c.store},
		Pipeline: jobs.NewPipeline(jobs.Deps{DB: c.conn, Queue: queue, Redis: c.rdb, Inspector: insp, Logger: logger, MaxRetry: 3}),
		Enforcer: c.policy,
		Accounts: accounts,
		Audit:    c.conn,
		Tokens:   tokens,
		Ends:     ends,
	}
	a := &server.Auth{Accounts: accounts, Sessions: auth.NewSessions(c.conn, nil), Tokens: tokens,
		Login: auth.NewLimiter(auth.LoginLimit()), Audit: c.conn, Ends: ends, SocketGrace: 2 * time.Second}
	srv := httptest.NewServer(server.New(server.Options{
		Schema: resolvers.Schema(res, guard), Guard: guard, Auth: a, Checker: checker,
		MaxDepth: 12, MaxComplexity: 50000, AroundOperations: res.LoaderMiddleware(), MaxUploadBytes: maxUpload,
	}))
	t.Cleanup(srv.Close)
	if ends != nil {
		go ends.Sweep(ctx, time.Hour, a.Check)
	}
	admin, token := testenv.Account(t, c.conn, c.policy, rbac.RoleAdmin, rbac.AllProjects)
	return &api{t: t, url: srv.URL + "/graphql", db: &countingDB{DB: c.conn}, raw: c.conn, policy: c.policy, token: token, admin: admin}
}

// wsMsg is a graphql-transport-ws message.
type wsMsg struct {
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

// socket is an open graphql-transport-ws connection; a reader hands its messages over.
type socket struct {
	t    *testing.T
	conn *websocket.Conn
	msgs chan wsMsg
	// closed is closed with err set when the server closes the socket.
	closed chan struct{}
	err    error
	mu     sync.Mutex
	seen   []wsMsg
}

// dialSocket opens a socket to url with header (a session cookie) and the connection_init
// payload init (a bearer token), and waits for the ack.
func dialSocket(t *testing.T, url string, header http.Header, init map[string]any) *socket {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(url, "http"), &websocket.DialOptions{
		Subprotocols: []string{"graphql-transport-ws"}, HTTPHeader: header})
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.CloseNow() })
	s := &socket{t: t, conn: conn, msgs: make(chan wsMsg, 64), closed: make(chan struct{})}
	payload, _ := json.Marshal(init)
	require.NoError(t, wsjson.Write(ctx, conn, wsMsg{Type: "connection_init", Payload: payload}))
	var ack wsMsg
	require.NoError(t, wsjson.Read(ctx, conn, &ack))
	require.Equal(t, "connection_ack", ack.Type, "%s", ack.Payload)
	go func() {
		defer close(s.closed)
		for {
			var m wsMsg
			if err := wsjson.Read(context.Background(), conn, &m); err != nil {
				s.err = err
				return
			}
			if m.Type == "ping" || m.Type == "pong" {
				continue
			}
			s.msgs <- m
		}
	}()
	return s
}

func (s *socket) subscribe(id, query string, vars map[string]any) {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	p, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	require.NoError(s.t, wsjson.Write(ctx, s.conn, wsMsg{ID: id, Type: "subscribe", Payload: p}))
}

// await returns the next message for id (others are kept for later), failing after wait.
func (s *socket) await(id string, wait time.Duration) wsMsg {
	s.t.Helper()
	s.mu.Lock()
	for i, m := range s.seen {
		if m.ID == id {
			s.seen = append(s.seen[:i], s.seen[i+1:]...)
			s.mu.Unlock()
			return m
		}
	}
	s.mu.Unlock()
	deadline := time.After(wait)
	for {
		select {
		case m := <-s.msgs:
			if m.ID == id {
				return m
			}
			s.mu.Lock()
			s.seen = append(s.seen, m)
			s.mu.Unlock()
		case <-s.closed:
			s.t.Fatalf("socket closed while waiting for %s: %v", id, s.err)
		case <-deadline:
			s.t.Fatalf("nothing for %s within %v", id, wait)
		}
	}
}

// codes returns the extensions.code of a next or error message's errors.
func (m wsMsg) codes(t *testing.T) []string {
	t.Helper()
	var errs []gqlError
	switch m.Type {
	case "next":
		var r response
		require.NoError(t, json.Unmarshal(m.Payload, &r))
		errs = r.Errors
	case "error":
		require.NoError(t, json.Unmarshal(m.Payload, &errs))
	default:
		t.Fatalf("a %s message has no errors", m.Type)
	}
	var out []string
	for _, e := range errs {
		out = append(out, fmt.Sprint(e.Extensions["code"]))
	}
	return out
}

// query sends a query over the socket and returns its one result message.
func (s *socket) query(id, q string) wsMsg {
	s.t.Helper()
	s.subscribe(id, q, nil)
	m := s.await(id, 10*time.Second)
	if m.Type == "next" {
		require.Equal(s.t, "complete", s.await(id, 10*time.Second).Type)
	}
	return m
}

// requireOK requires a result without errors.
func (s *socket) requireOK(id, q string) {
	s.t.Helper()
	m := s.query(id, q)
	require.Equal(s.t, "next", m.Type, "%s", m.Payload)
	require.Empty(s.t, m.codes(s.t), "%s", m.Payload)
}

// requireEnded requires q to be refused UNAUTHENTICATED.
func (s *socket) requireEnded(id, q string) {
	s.t.Helper()
	m := s.query(id, q)
	require.Equal(s.t, []string{"UNAUTHENTICATED"}, m.codes(s.t), "%s", m.Payload)
}

// requireClosed waits for the server to close the socket.
func (s *socket) requireClosed(wait time.Duration) {
	s.t.Helper()
	select {
	case <-s.closed:
	case <-time.After(wait):
		s.t.Fatalf("the socket is still open after %v", wait)
	}
}

// watchRun starts a run of a fresh volume and subscribes to its progress as id; the first
// event (the stored state) has arrived when it returns. Nothing works the run, so the
// subscription runs until something ends it.
func watchRun(t *testing.T, admin *api, s *socket, id string) {
	t.Helper()
	caseID := admin.createCase(fmt.Sprintf("S-WATCH-%d", time.Now().UnixNano()))
	up, res := admin.upload("3.dcm", readFile(t, "dicom", "3.dcm"), map[string]any{"caseId": caseID})
	require.Empty(t, res.Errors)
	var started struct{ StartRun struct{ ID string } }
	admin.mustQuery(`mutation($v: ID!) { startRun(input: {volumeId: $v}) { id } }`, map[string]any{"v": up.UploadVolume.Volume.ID}, &started)
	s.subscribe(id, `subscription($r: ID!) { runProgress(runId: $r) { runId status } }`, map[string]any{"r": started.StartRun.ID})
	first := s.await(id, 15*time.Second)
	require.Equal(t, "next", first.Type, "%s", first.Payload)
	require.Empty(t, first.codes(t), "%s", first.Payload)
	require.Contains(t, string(first.Payload), started.StartRun.ID)
}

// requireSubscriptionEnded requires the running subscription id to end with
// UNAUTHENTICATED (and nothing else after).
func requireSubscriptionEnded(t *testing.T, s *socket, id string) {
	t.Helper()
	for {
		m := s.await(id, 10*time.Second)
		if m.Type == "next" && len(m.codes(t)) == 0 {
			continue // a progress event that was on its way
		}
		require.Equal(t, []string{"UNAUTHENTICATED"}, m.codes(t), "%s", m.Payload)
		break
	}
	require.Equal(t, "complete", s.await(id, 10*time.Second).Type)
}

// signIn makes a password account holding role everywhere and signs it in; it returns the
// session cookie and the CSRF token.
func signIn(t *testing.T, a *api, role string) (auth.User, *http.Cookie, string) {
	t.Helper()
	u := a.passwordAccount(role, "correct horse battery")
	status, body, cookies := a.login(u.Email, "correct horse battery")
	require.Equal(t, http.StatusOK, status, "%s", body)
	var info struct {
		CSRFToken string `json:"csrfToken"`
	}
	require.NoError(t, json.Unmarshal(body, &info))
	for _, c := range cookies {
		if c.Name == auth.SessionCookie {
			return u, c, info.CSRFToken
		}
	}
	t.Fatal("no session cookie")
	return auth.User{}, nil, ""
}

func logout(t *testing.T, a *api, session *http.Cookie, csrf string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, strings.TrimSuffix(a.url, "/graphql")+"/auth/logout", http.NoBody)
	req.AddCookie(session)
	req.Header.Set(auth.CSRFHeader, csrf)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusNoContent, resp.StatusCode)
}

func cookieHeader(c *http.Cookie) http.Header {
	return http.Header{"Cookie": {c.Name + "=" + c.Value}}
}

const meAndCases = `{ me { user { displayName } } cases { totalCount } }`

// TestLogoutEndsOpenSockets: after a logout, a running runProgress subscription of a socket
// opened with the session ends UNAUTHENTICATED, the socket's next me/cases query fails
// UNAUTHENTICATED, and the socket then closes. (Before: the socket answered as if signed in.)
func TestLogoutEndsOpenSockets(t *testing.T) {
	c := newCluster(t)
	a := c.replica(true)
	_, session, csrf := signIn(t, a, rbac.RoleTech)
	s := dialSocket(t, a.url, cookieHeader(session), nil)
	s.requireOK("me", meAndCases)
	watchRun(t, a, s, "progress")

	logout(t, a, session, csrf)
	requireSubscriptionEnded(t, s, "progress")
	s.requireEnded("me-after", meAndCases)
	s.requireEnded("cases-after", `{ cases { totalCount } }`)
	s.requireClosed(10 * time.Second)

	// The cookie itself is anonymous now: data is refused over HTTP too.
	req, _ := http.NewRequest(http.MethodGet, a.url+"?query="+urlQuery(`{ cases { totalCount } }`), http.NoBody)
	req.AddCookie(session)
	res := a.as("").do(req)
	require.Equal(t, []string{"UNAUTHENTICATED"}, codesAt(res, "cases"))
}

// TestRevokedTokenEndsEverywhere: a user revokes their own token (myTokens, revokeToken): a
// socket opened with it ends its subscription and refuses its next query UNAUTHENTICATED,
// and the token fails on HTTP (401).
func TestRevokedTokenEndsEverywhere(t *testing.T) {
	c := newCluster(t)
	a := c.replica(true)
	_, tok := a.accountFor(rbac.RoleResearcher)
	user := a.as(tok)
	s := dialSocket(t, a.url, nil, map[string]any{"Authorization": "Bearer " + tok})
	s.requireOK("me", meAndCases)
	watchRun(t, a, s, "progress")

	var mine struct {
		MyTokens []struct {
			ID, Prefix string
			RevokedAt  *string
		}
	}
	user.mustQuery(`{ myTokens { id prefix revokedAt } }`, nil, &mine)
	require.Len(t, mine.MyTokens, 1)
	require.True(t, strings.HasPrefix(tok, mine.MyTokens[0].Prefix))
	require.Nil(t, mine.MyTokens[0].RevokedAt)
	var revoked struct{ RevokeToken struct{ RevokedAt *string } }
	user.mustQuery(`mutation($id: ID!) { revokeToken(id: $id) { revokedAt } }`, map[string]any{"id": mine.MyTokens[0].ID}, &revoked)
	require.NotNil(t, revoked.RevokeToken.RevokedAt)

	requireSubscriptionEnded(t, s, "progress")
	s.requireEnded("me-after", meAndCases)
	s.requireClosed(10 * time.Second)
	res := user.query(`{ me { roles } }`, nil)
	require.Equal(t, http.StatusUnauthorized, res.status)
	require.Equal(t, "UNAUTHENTICATED", res.Errors[0].Extensions["code"])
}

// TestTokenRevocationRights: a user cannot see or revoke another user's token (it does not
// exist to them); an admin of the token's project can, and lists the project's tokens.
func TestTokenRevocationRights(t *testing.T) {
	c := newCluster(t)
	a := c.replica(true)
	_, victimTok := a.accountFor(rbac.RoleTech)
	victim := a.as(victimTok)
	var mine struct{ MyTokens []struct{ ID string } }
	victim.mustQuery(`{ myTokens { id } }`, nil, &mine)
	require.Len(t, mine.MyTokens, 1)
	victimTokenID := mine.MyTokens[0].ID

	revoke := `mutation($id: ID!) { revokeToken(id: $id) { id revokedAt } }`
	for _, role := range []string{rbac.RoleTech, rbac.RoleMLEngineer, rbac.RoleResearcher, rbac.RoleLabeler, rbac.RoleScanner} {
		_, tok := a.accountFor(role)
		other := a.as(tok)
		res := other.query(revoke, map[string]any{"id": victimTokenID})
		require.Equal(t, []string{"NOT_FOUND"}, codesAt(res, "revokeToken"), role)
		res = other.query(`{ apiTokens { id } }`, nil)
		require.Equal(t, []string{"FORBIDDEN"}, codesAt(res, "apiTokens"), "only admins list a project's tokens: %s", role)
		var own struct{ MyTokens []struct{ ID string } }
		other.mustQuery(`{ myTokens { id } }`, nil, &own)
		require.Len(t, own.MyTokens, 1, "%s sees its own token only", role)
		require.NotEqual(t, victimTokenID, own.MyTokens[0].ID)
	}
	require.Empty(t, victim.query(`{ me { roles } }`, nil).Errors, "the victim's token still works")

	// An admin of another project only: not theirs to revoke.
	_, eyesAdmin := testenv.Account(t, c.conn, c.policy, rbac.RoleAdmin, "eyes")
	res := a.as(eyesAdmin).query(revoke, map[string]any{"id": victimTokenID})
	require.Equal(t, []string{"NOT_FOUND"}, codesAt(res, "revokeToken"))

	var list struct {
		APITokens []struct {
			ID   string
			User struct{ Email string }
		}
	}
	a.mustQuery(`{ apiTokens { id user { email } } }`, nil, &list)
	found := false
	for _, tk := range list.APITokens {
		found = found || tk.ID == victimTokenID
	}
	require.True(t, found, "the admin lists the project's tokens")
	var done struct{ RevokeToken struct{ RevokedAt *string } }
	a.mustQuery(revoke, map[string]any{"id": victimTokenID}, &done)
	require.NotNil(t, done.RevokeToken.RevokedAt)
	require.Equal(t, http.StatusUnauthorized, victim.query(`{ me { roles } }`, nil).status)
}

// TestSocketsCheckTheirCredentialAtEveryOperation: on a replica that never hears of the end
// (no announcements: another replica ended it while Redis was away, or the CLI could not
// reach Redis), the socket's next operation still finds out: a revoked token, an ended
// session, a disabled account are refused UNAUTHENTICATED.
func TestSocketsCheckTheirCredentialAtEveryOperation(t *testing.T) {
	c := newCluster(t)
	a := c.replica(false)
	ctx := context.Background()

	u, tok := a.accountFor(rbac.RoleTech)
	s := dialSocket(t, a.url, nil, map[string]any{"Authorization": "Bearer " + tok})
	s.requireOK("1", meAndCases)
	list, err := auth.NewTokens(c.conn, auth.TokensConfig{}).List(ctx, u.ID)
	require.NoError(t, err)
	_, err = auth.NewTokens(c.conn, auth.TokensConfig{}).RevokeID(ctx, list[0].ID)
	require.NoError(t, err)
	s.requireEnded("2", meAndCases)
	s.requireEnded("3", `{ version { version } }`)

	_, session, _ := signIn(t, a, rbac.RoleTech)
	s = dialSocket(t, a.url, cookieHeader(session), nil)
	s.requireOK("1", meAndCases)
	require.NoError(t, auth.NewSessions(c.conn, nil).Delete(ctx, session.Value))
	s.requireEnded("2", meAndCases)

	disabled, session, _ := signIn(t, a, rbac.RoleResearcher)
	s = dialSocket(t, a.url, cookieHeader(session), nil)
	s.requireOK("1", meAndCases)
	_, err = c.conn.Exec(`UPDATE users SET disabled = true WHERE id = $1`, disabled.ID)
	require.NoError(t, err)
	s.requireEnded("2", meAndCases)
}

// TestLogoutOnOneReplicaEndsSocketsOnAnother: the session's socket is open on replica B;
// the user signs out through replica A; B hears it over Redis and ends the socket's
// subscription at once.
func TestLogoutOnOneReplicaEndsSocketsOnAnother(t *testing.T) {
	c := newCluster(t)
	a, b := c.replica(true), c.replica(true)
	_, session, csrf := signIn(t, a, rbac.RoleTech)
	s := dialSocket(t, b.url, cookieHeader(session), nil)
	s.requireOK("me", meAndCases)
	watchRun(t, b, s, "progress")

	logout(t, a, session, csrf)
	requireSubscriptionEnded(t, s, "progress")
	s.requireEnded("me-after", meAndCases)
	s.requireClosed(10 * time.Second)
}

// TestSweepEndsSocketsNobodyAnnounced: an open, idle socket whose token was revoked without
// an announcement is ended by the sweep.
func TestSweepEndsSocketsNobodyAnnounced(t *testing.T) {
	c := newCluster(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ends, err := auth.NewEnds(ctx, nil, nil)
	require.NoError(t, err)
	tokens := auth.NewTokens(c.conn, auth.TokensConfig{})
	u, tok := testenv.Account(t, c.conn, c.policy, rbac.RoleTech, rbac.AllProjects)
	p, err := tokens.Authenticate(ctx, tok)
	require.NoError(t, err)
	connCtx, closeConn := context.WithCancel(ctx)
	defer closeConn()
	endedAt := make(chan struct{})
	conn := ends.Track(connCtx, p, func() { close(endedAt) })
	require.Equal(t, 1, ends.Len())
	accounts, err := auth.NewAccounts(c.conn, auth.AccountsConfig{})
	require.NoError(t, err)
	check := (&server.Auth{Accounts: accounts, Tokens: tokens, Sessions: auth.NewSessions(c.conn, nil)}).Check
	go ends.Sweep(ctx, 50*time.Millisecond, check)

	time.Sleep(200 * time.Millisecond)
	require.False(t, conn.Ended(), "a valid token stands")
	list, err := tokens.List(ctx, u.ID)
	require.NoError(t, err)
	_, err = tokens.RevokeID(ctx, list[0].ID)
	require.NoError(t, err)
	select {
	case <-endedAt:
	case <-time.After(10 * time.Second):
		t.Fatal("the sweep did not end the socket")
	}
	closeConn()
	require.Eventually(t, func() bool { return ends.Len() == 0 }, 5*time.Second, 10*time.Millisecond, "a closed socket is forgotten")
}

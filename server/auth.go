package server

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/jmoiron/sqlx"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/aomas/aomas/internal/audit"
	"github.com/aomas/aomas/internal/auth"
	"github.com/aomas/aomas/internal/reqid"
)

// Auth authenticates requests (a bearer token, or a session cookie with its CSRF token) and
// serves the login and logout endpoints.
type Auth struct {
	Accounts *auth.Accounts
	Sessions *auth.Sessions
	Tokens   *auth.Tokens
	// Login limits login attempts, and refused credentials, per client address and per
	// e-mail address; nil: no limit.
	Login *auth.Limiter
	// Audit receives an entry per login and per refused credential; nil records nothing.
	Audit  *sqlx.DB
	Logger *slog.Logger
	// SessionTTL is how long a browser session lasts (auth.DefaultSessionTTL when zero).
	SessionTTL time.Duration
	// Ends keeps open websockets by credential and ends them when it ends (logout,
	// revocation, a disabled account — here or announced by another replica); nil: sockets
	// are still checked at every operation, but not ended while idle.
	Ends *auth.Ends
	// SocketGrace is how long an ended socket stays open, refusing every operation, so that
	// its client reads why before it closes (DefaultSocketGrace when zero).
	SocketGrace time.Duration
}

// DefaultSocketGrace is how long a socket whose credential ended stays open, refusing.
const DefaultSocketGrace = 5 * time.Second

var projectName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)

// clientAddr is the peer's IP address; aomas trusts no forwarding header.
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// graphQLError writes a GraphQL-shaped error response with an HTTP status.
func graphQLError(w http.ResponseWriter, status int, code, msg string) {
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="aomas"`)
	}
	writeJSON(w, status, map[string]any{"errors": []map[string]any{{"message": msg, "extensions": map[string]any{"code": code}}}})
}

func (a *Auth) log() *slog.Logger {
	if a.Logger == nil {
		return slog.Default()
	}
	return a.Logger
}

// record appends an audit entry for an authentication event.
func (a *Auth) record(ctx context.Context, e audit.Entry) {
	if a.Audit == nil {
		return
	}
	if e.Actor == "" {
		e.Actor = auth.Actor(ctx)
	}
	e.RequestID = reqid.From(ctx)
	e.ClientRequestID = reqid.ClientFrom(ctx)
	e.ClientAddr = auth.ClientAddrFrom(ctx)
	if _, err := audit.AppendDB(context.WithoutCancel(ctx), a.Audit, e); err != nil {
		a.log().Error("audit entry lost", "err", err, "action", e.Action, "outcome", e.Outcome)
	}
}

// allow takes one attempt from each key's bucket.
func (a *Auth) allow(keys ...string) bool {
	if a.Login == nil {
		return true
	}
	ok := true
	for _, k := range keys {
		if !a.Login.Allow(k) {
			ok = false
		}
	}
	return ok
}

// Authenticate puts the caller's principal, project and address into the request's
// context. A request without credentials goes on anonymous (public fields only); one with
// a bad credential is refused here.
func (a *Auth) Authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		addr := clientAddr(r)
		ctx := auth.WithClientAddr(r.Context(), addr)
		project := r.Header.Get(auth.ProjectHeader)
		if project != "" && !projectName.MatchString(project) {
			graphQLError(w, http.StatusBadRequest, "INVALID_INPUT", auth.ProjectHeader+": not a project name (a-z, 0-9, _ and -)")
			return
		}
		tok, has, err := auth.BearerToken(r)
		switch {
		case errors.Is(err, auth.ErrTokenInQuery):
			a.record(ctx, audit.Entry{Action: "authenticate", Object: "token: " + err.Error(), Outcome: audit.OutcomeDenied})
			graphQLError(w, http.StatusBadRequest, "UNAUTHENTICATED", err.Error())
			return
		case err != nil:
			graphQLError(w, http.StatusUnauthorized, "UNAUTHENTICATED", "the Authorization header must be `Bearer TOKEN`")
			return
		case has:
			p, err := a.bearer(ctx, tok)
			if errors.Is(err, errTooMany) {
				tooMany(w)
				return
			}
			if err != nil {
				graphQLError(w, http.StatusUnauthorized, "UNAUTHENTICATED", err.Error())
				return
			}
			if project == "" {
				project = p.Project
			}
			if err := p.CheckProject(project); err != nil {
				ctx = auth.WithPrincipal(ctx, p)
				a.record(ctx, audit.Entry{Action: "authenticate", Object: "project:" + project, Outcome: audit.OutcomeDenied})
				graphQLError(w, http.StatusForbidden, "FORBIDDEN", err.Error())
				return
			}
			ctx = auth.WithPrincipal(ctx, p)
		default:
			if c, err := r.Cookie(auth.SessionCookie); err == nil && c.Value != "" {
				p, err := a.Sessions.Authenticate(ctx, c.Value)
				if err != nil {
					// An ended session: carry on anonymous, and drop the stale cookies.
					for _, c := range auth.ClearCookies(auth.IsTLS(r)) {
						http.SetCookie(w, c)
					}
					break
				}
				if err := auth.CheckRequestCSRF(r, c.Value); err != nil {
					ctx = auth.WithPrincipal(ctx, p)
					a.record(ctx, audit.Entry{Action: "authenticate", Object: "csrf", Outcome: audit.OutcomeDenied})
					graphQLError(w, http.StatusForbidden, "FORBIDDEN", "missing or wrong "+auth.CSRFHeader+" header for this session")
					return
				}
				ctx = auth.WithPrincipal(ctx, p)
			}
		}
		if project == "" {
			project = auth.DefaultProject
		} else {
			ctx = context.WithValue(ctx, projectSet{}, true)
		}
		next.ServeHTTP(w, r.WithContext(auth.WithProject(ctx, project)))
	})
}

var (
	errTooMany  = errors.New("too many refused credentials from this address: wait a few seconds and retry")
	errBadToken = errors.New("the token is unknown, expired or revoked")
)

// bearer authenticates an API token for a request or a websocket. Refusals are audited and
// count against the client's address: past the limit, a guesser only hears errTooMany.
func (a *Auth) bearer(ctx context.Context, tok string) (auth.Principal, error) {
	p, err := a.Tokens.Authenticate(ctx, tok)
	if err == nil {
		return p, nil
	}
	if !a.allow("addr:" + auth.ClientAddrFrom(ctx)) {
		return auth.Principal{}, errTooMany
	}
	a.record(ctx, audit.Entry{Action: "authenticate", Object: "token: " + err.Error(), Outcome: audit.OutcomeDenied})
	return auth.Principal{}, errBadToken
}

func tooMany(w http.ResponseWriter) {
	w.Header().Set("Retry-After", "6")
	graphQLError(w, http.StatusTooManyRequests, "RATE_LIMITED", "too many attempts: wait a few seconds and retry")
}

// What a refused login hears: nothing about whether the account exists, is disabled or has
// no password.
const (
	loginRefused = "wrong e-mail or password"
	loginLocked  = "too many failed sign-ins for this e-mail address from your address: try again later"
)

type loginRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

// sessionInfo is what login answers: who signed in and the CSRF token for mutations.
type sessionInfo struct {
	User      userInfo  `json:"user"`
	CSRFToken string    `json:"csrfToken"`
	ExpiresAt time.Time `json:"expiresAt"`
}

type userInfo struct {
	ID          int64  `json:"id"`
	Email       string `json:"email"`
	DisplayName string `json:"displayName"`
}

func (a *Auth) ttl() time.Duration {
	if a.SessionTTL <= 0 {
		return auth.DefaultSessionTTL
	}
	return a.SessionTTL
}

// Mount adds POST /auth/login and POST /auth/logout to mux.
func (a *Auth) Mount(mux *http.ServeMux) {
	mux.Handle("POST /auth/login", http.HandlerFunc(a.login))
	mux.Handle("POST /auth/logout", http.HandlerFunc(a.logout))
}

func (a *Auth) login(w http.ResponseWriter, r *http.Request) {
	ctx := auth.WithClientAddr(r.Context(), clientAddr(r))
	var in loginRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 8<<10)).Decode(&in); err != nil || in.Email == "" || in.Password == "" {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": `want a JSON body {"email": "...", "password": "..."}`})
		return
	}
	// Throttled by the caller's address only: a limit per e-mail address would let anyone
	// lock its owner out. The account's own bounds (auth.Lockout) are per address too.
	if !a.allow("addr:" + clientAddr(r)) {
		a.record(ctx, audit.Entry{Actor: "anonymous", Action: "login", Object: "email:" + in.Email + ": rate limited", Outcome: audit.OutcomeDenied})
		w.Header().Set("Retry-After", "6")
		writeJSON(w, http.StatusTooManyRequests, map[string]any{"error": "too many login attempts from your address: wait a few seconds and retry"})
		return
	}
	p, err := a.Accounts.Login(ctx, in.Email, in.Password, clientAddr(r))
	if err != nil {
		a.record(ctx, audit.Entry{Actor: "anonymous", Action: "login", Object: "email:" + in.Email + ": " + err.Error(), Outcome: audit.OutcomeDenied})
		// The same words whether or not the account exists: an unknown e-mail address is
		// counted, and locked, like a known one.
		msg := loginRefused
		if errors.Is(err, auth.ErrLocked) {
			msg = loginLocked
		} else if !errors.Is(err, auth.ErrUnauthenticated) {
			a.log().Error("login", "err", err)
			writeJSON(w, http.StatusInternalServerError, map[string]any{"error": "login failed; quote request id " + reqid.From(ctx)})
			return
		}
		writeJSON(w, http.StatusUnauthorized, map[string]any{"error": msg})
		return
	}
	s, err := a.Sessions.Create(ctx, p.UserID, a.ttl(), clientAddr(r), r.UserAgent())
	if err != nil {
		a.log().Error("create session", "err", err)
		writeJSON(w, http.StatusInternalServerError, map[string]any{"error": "login failed; quote request id " + reqid.From(ctx)})
		return
	}
	ctx = auth.WithPrincipal(ctx, p)
	a.record(ctx, audit.Entry{Action: "login", Object: "session", Outcome: audit.OutcomeOK})
	for _, c := range s.Cookies(auth.IsTLS(r)) {
		http.SetCookie(w, c)
	}
	info := userInfo{ID: p.UserID, Email: p.Email}
	if u, err := a.Accounts.ByID(ctx, p.UserID); err == nil {
		info.DisplayName = u.DisplayName
	} else {
		// The session stands; the name is a nicety the SPA also reads from `me`.
		a.log().Warn("login: display name", "err", err)
	}
	writeJSON(w, http.StatusOK, sessionInfo{User: info, CSRFToken: s.CSRF, ExpiresAt: s.ExpiresAt})
}

func (a *Auth) logout(w http.ResponseWriter, r *http.Request) {
	ctx := auth.WithClientAddr(r.Context(), clientAddr(r))
	c, err := r.Cookie(auth.SessionCookie)
	if err == nil && c.Value != "" {
		if err := auth.CheckRequestCSRF(r, c.Value); err != nil {
			writeJSON(w, http.StatusForbidden, map[string]any{"error": "missing or wrong " + auth.CSRFHeader + " header for this session"})
			return
		}
		if p, err := a.Sessions.Authenticate(ctx, c.Value); err == nil {
			ctx = auth.WithPrincipal(ctx, p)
		}
		if err := a.Sessions.Delete(ctx, c.Value); err != nil {
			a.log().Error("end session", "err", err)
		}
		if a.Ends != nil {
			a.Ends.Announce(ctx, auth.SessionKey(auth.SessionHash(c.Value)))
		}
		a.record(ctx, audit.Entry{Action: "logout", Object: "session", Outcome: audit.OutcomeOK})
	}
	for _, c := range auth.ClearCookies(auth.IsTLS(r)) {
		http.SetCookie(w, c)
	}
	w.WriteHeader(http.StatusNoContent)
}

// websocketInit authenticates a subscription: a browser's session came with the upgrade
// request; other clients put "Authorization": "Bearer TOKEN" in connection_init's payload.
// A "project" in the payload picks the project, as X-Aomas-Project does for requests
// (browsers cannot set headers on a websocket).
func (a *Auth) websocketInit(ctx context.Context, payload transport.InitPayload) (context.Context, *transport.InitPayload, error) {
	if a == nil {
		return ctx, nil, nil
	}
	if project := payload.GetString("project"); project != "" {
		if !projectName.MatchString(project) {
			return ctx, nil, errors.New("connection_init: project: not a project name")
		}
		ctx = context.WithValue(auth.WithProject(ctx, project), projectSet{}, true)
	}
	if p, ok := auth.PrincipalFrom(ctx); ok {
		if err := p.CheckProject(auth.ProjectFrom(ctx)); err != nil {
			return ctx, nil, err
		}
		return a.track(ctx, p), nil, nil
	}
	h := payload.Authorization()
	if h == "" {
		return ctx, nil, nil
	}
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ctx, nil, errors.New("connection_init: Authorization must be `Bearer TOKEN`")
	}
	p, err := a.bearer(ctx, strings.TrimSpace(tok))
	if err != nil {
		return ctx, nil, err
	}
	project := auth.ProjectFrom(ctx)
	if _, set := ctx.Value(projectSet{}).(bool); !set {
		project = p.Project
	}
	if err := p.CheckProject(project); err != nil {
		return ctx, nil, err
	}
	return a.track(auth.WithProject(auth.WithPrincipal(ctx, p), project), p), nil, nil
}

// closeReason is what a socket hears when it closes because its credential ended.
const closeReason = "the session or token of this connection ended: sign in again"

// track keeps the socket whose connection context is ctx under p's credential: when the
// credential ends its operations end, and after the grace the socket closes.
func (a *Auth) track(ctx context.Context, p auth.Principal) context.Context {
	if a.Ends == nil {
		return auth.WithConn(ctx, auth.NewConn(p))
	}
	ctx, cancel := context.WithCancel(ctx)
	ctx = transport.AppendCloseReason(ctx, closeReason)
	grace := a.SocketGrace
	if grace <= 0 {
		grace = DefaultSocketGrace
	}
	c := a.Ends.Track(ctx, p, func() { time.AfterFunc(grace, cancel) })
	return auth.WithConn(ctx, c)
}

// Check reports whether the credential p was authenticated with still stands: the session
// not ended or expired, the token not revoked or expired, the account not disabled.
func (a *Auth) Check(ctx context.Context, p auth.Principal) error {
	switch {
	case p.TokenID != 0:
		return a.Tokens.Valid(ctx, p.TokenID)
	case p.SessionHash != "":
		return a.Sessions.Valid(ctx, p.SessionHash)
	}
	u, err := a.Accounts.ByID(ctx, p.UserID)
	if errors.Is(err, auth.ErrNotFound) {
		return auth.ErrInvalidCredentials
	}
	if err != nil {
		return err
	}
	if u.Disabled {
		return auth.ErrDisabled
	}
	return nil
}

// socketRefusal is the answer to an operation on a socket whose credential ended.
func socketRefusal() *graphql.Response {
	return &graphql.Response{Errors: gqlerror.List{{Message: closeReason, Extensions: map[string]any{"code": "UNAUTHENTICATED"}}}}
}

// Operations checks the credential of a websocket again at every operation it starts, so
// that a socket opened before a logout, a revocation or a disabled account does nothing
// after it; each operation gets a request id of its own. A subscription running when the
// credential ends is ended with an UNAUTHENTICATED error. Plain requests pass: they were
// authenticated a moment ago.
func (a *Auth) Operations() graphql.OperationMiddleware {
	return func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
		conn := auth.ConnFrom(ctx)
		if a == nil || conn == nil {
			return next(ctx)
		}
		ctx = reqid.With(ctx, reqid.New())
		if conn.Ended() {
			return graphql.OneShot(socketRefusal())
		}
		if err := a.Check(ctx, conn.Principal()); err != nil {
			if !auth.IsRefusal(err) {
				a.log().Error("check socket credential", "err", err)
				return graphql.OneShot(&graphql.Response{Errors: gqlerror.List{{Message: "could not check the credential; quote request id " + reqid.From(ctx),
					Extensions: map[string]any{"code": "UNAVAILABLE"}}}})
			}
			a.record(ctx, audit.Entry{Action: "authenticate", Object: "websocket: " + err.Error(), Outcome: audit.OutcomeDenied})
			conn.End("refused at an operation")
			return graphql.OneShot(socketRefusal())
		}
		rh := next(conn.Operation(ctx))
		oc := graphql.GetOperationContext(ctx)
		if oc == nil || oc.Operation == nil || oc.Operation.Operation != ast.Subscription {
			return rh
		}
		var done bool
		return func(ctx context.Context) *graphql.Response {
			if done {
				return nil
			}
			resp := rh(ctx)
			if resp == nil && conn.Ended() {
				done = true
				return socketRefusal()
			}
			return resp
		}
	}
}

// projectSet marks a request whose project came from the X-Aomas-Project header.
type projectSet struct{}

package auth

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aomas/aomas/rbac"
)

// ErrUnauthenticated is what every refused credential wraps: clients learn only this.
var ErrUnauthenticated = errors.New("unauthenticated")

// Reasons a credential is refused, for logs, audit entries and tests.
var (
	ErrInvalidCredentials = fmt.Errorf("%w: wrong e-mail or password", ErrUnauthenticated)
	ErrLocked             = fmt.Errorf("%w: account locked after repeated failures", ErrUnauthenticated)
	ErrDisabled           = fmt.Errorf("%w: account disabled", ErrUnauthenticated)
	ErrNoPassword         = fmt.Errorf("%w: account has no password (tokens or single sign-on only)", ErrUnauthenticated)
	ErrTokenInvalid       = fmt.Errorf("%w: unknown token", ErrUnauthenticated)
	ErrTokenExpired       = fmt.Errorf("%w: token expired", ErrUnauthenticated)
	ErrTokenRevoked       = fmt.Errorf("%w: token revoked", ErrUnauthenticated)
	ErrSessionInvalid     = fmt.Errorf("%w: no such session, or it expired", ErrUnauthenticated)
)

// ErrWrongProject reports a token used outside the project it was made for.
var ErrWrongProject = errors.New("token is not valid for this project")

// Method says how a principal proved who it is.
type Method string

// The ways in.
const (
	MethodPassword Method = "password"
	MethodSession  Method = "session"
	MethodToken    Method = "token"
	MethodOIDC     Method = "oidc"
)

// Principal is an authenticated user as one request sees it.
type Principal struct {
	UserID int64
	Email  string
	Method Method
	// Project is the one project a token is valid for; empty for sessions (any project the
	// user's roles reach).
	Project string
	// TokenID is the API token used, if any (for the audit log).
	TokenID int64
	// SessionHash is the SHA-256 (hex) of the browser session used, if any: what a later
	// check, or an announcement that it ended, finds it by.
	SessionHash string
	// ExpiresAt is when the session or token used ends; zero when unknown.
	ExpiresAt time.Time
}

// Subject is the principal's Casbin subject.
func (p Principal) Subject() string { return rbac.UserSubject(p.UserID) }

// CheckProject refuses a token-authenticated principal outside its token's project.
func (p Principal) CheckProject(project string) error {
	if p.Project != "" && p.Project != project {
		return fmt.Errorf("token for project %q used in %q: %w", p.Project, project, ErrWrongProject)
	}
	return nil
}

type principalKey struct{}

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the principal ctx carries, if any.
func PrincipalFrom(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}

// DefaultProject is the project a request acts in when it names none.
const DefaultProject = "default"

// ProjectHeader names the project a session-authenticated request acts in.
const ProjectHeader = "X-Aomas-Project"

type projectKey struct{}
type clientKey struct{}

// WithProject returns ctx acting in project.
func WithProject(ctx context.Context, project string) context.Context {
	return context.WithValue(ctx, projectKey{}, project)
}

// ProjectFrom returns the project ctx acts in (DefaultProject when none was set).
func ProjectFrom(ctx context.Context) string {
	if p, ok := ctx.Value(projectKey{}).(string); ok && p != "" {
		return p
	}
	return DefaultProject
}

// WithClientAddr returns ctx carrying the client's address, for audit entries and limits.
func WithClientAddr(ctx context.Context, addr string) context.Context {
	return context.WithValue(ctx, clientKey{}, addr)
}

// ClientAddrFrom returns the client address ctx carries, or "".
func ClientAddrFrom(ctx context.Context) string {
	a, _ := ctx.Value(clientKey{}).(string)
	return a
}

// Actor names who a request acts as in audit entries: the principal's subject or "anonymous".
func Actor(ctx context.Context) string {
	if p, ok := PrincipalFrom(ctx); ok {
		return p.Subject()
	}
	return "anonymous"
}

package server

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/aomas/aomas/internal/audit"
	"github.com/aomas/aomas/internal/auth"
	"github.com/aomas/aomas/rbac"
)

// OIDCConfig names the provider aomas signs users in with, and how its groups become roles.
type OIDCConfig struct {
	Issuer       string
	ClientID     string
	ClientSecret string
	// RedirectURL is aomas's /auth/oidc/callback as the browser reaches it.
	RedirectURL string
	// GroupsClaim names the claim that lists the user's groups ("groups" when empty).
	GroupsClaim string
	// Roles maps a group to the roles it grants.
	Roles map[string][]RoleGrant
}

// RoleGrant is a role in a project ("*" for every project).
type RoleGrant struct{ Role, Project string }

// ParseRoleMap reads "group=role[@project],…" (project "default" when left out).
func ParseRoleMap(s string) (map[string][]RoleGrant, error) {
	out := map[string][]RoleGrant{}
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		group, grant, ok := strings.Cut(item, "=")
		if !ok || group == "" {
			return nil, fmt.Errorf("%q: want group=role[@project]", item)
		}
		role, project, _ := strings.Cut(grant, "@")
		if project == "" {
			project = auth.DefaultProject
		}
		if !slices.Contains(rbac.Roles(), role) {
			return nil, fmt.Errorf("%q: role %q is not one of %s", item, role, strings.Join(rbac.Roles(), ", "))
		}
		out[group] = append(out[group], RoleGrant{Role: role, Project: project})
	}
	return out, nil
}

// OIDC signs users in with an OpenID Connect provider: the authorization-code flow with
// PKCE, the groups claim mapped to roles, and then an ordinary aomas session.
type OIDC struct {
	cfg      OIDCConfig
	oauth    oauth2.Config
	verifier *oidc.IDTokenVerifier
	provider *oidc.Provider
	auth     *Auth
	policy   *rbac.Enforcer
	stateKey []byte
}

// oidcCookie carries the flow's state, PKCE verifier and nonce between login and callback;
// it is signed, so that every replica can check it.
const oidcCookie = "aomas_oidc"

// NewOIDC discovers the provider at cfg.Issuer.
func NewOIDC(ctx context.Context, cfg OIDCConfig, a *Auth, policy *rbac.Enforcer) (*OIDC, error) {
	p, err := oidc.NewProvider(ctx, cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("oidc provider %s: %w", cfg.Issuer, err)
	}
	if cfg.GroupsClaim == "" {
		cfg.GroupsClaim = "groups"
	}
	key := sha256.Sum256([]byte("aomas oidc state v1\x00" + cfg.ClientSecret))
	return &OIDC{
		cfg: cfg,
		oauth: oauth2.Config{ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, Endpoint: p.Endpoint(),
			RedirectURL: cfg.RedirectURL, Scopes: []string{oidc.ScopeOpenID, "email", "profile", "groups"}},
		verifier: p.Verifier(&oidc.Config{ClientID: cfg.ClientID}),
		provider: p,
		auth:     a,
		policy:   policy,
		stateKey: key[:],
	}, nil
}

// Mount adds GET /auth/oidc/login and GET /auth/oidc/callback to mux.
func (o *OIDC) Mount(mux *http.ServeMux) {
	mux.HandleFunc("GET /auth/oidc/login", o.login)
	mux.HandleFunc("GET /auth/oidc/callback", o.callback)
}

type flowState struct {
	State    string    `json:"s"`
	Verifier string    `json:"v"`
	Nonce    string    `json:"n"`
	Expires  time.Time `json:"e"`
}

func randomText() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func (o *OIDC) sign(b []byte) string {
	m := hmac.New(sha256.New, o.stateKey)
	m.Write(b)
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func (o *OIDC) login(w http.ResponseWriter, r *http.Request) {
	st := flowState{State: randomText(), Verifier: oauth2.GenerateVerifier(), Nonce: randomText(), Expires: time.Now().Add(10 * time.Minute)}
	b, _ := json.Marshal(st)
	http.SetCookie(w, &http.Cookie{Name: oidcCookie, Value: base64.RawURLEncoding.EncodeToString(b) + "." + o.sign(b),
		Path: "/auth/oidc", MaxAge: 600, HttpOnly: true, Secure: auth.IsTLS(r), SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, o.oauth.AuthCodeURL(st.State, oauth2.S256ChallengeOption(st.Verifier), oidc.Nonce(st.Nonce)), http.StatusFound)
}

// readState returns the flow state from the signed cookie.
func (o *OIDC) readState(r *http.Request) (flowState, error) {
	var st flowState
	c, err := r.Cookie(oidcCookie)
	if err != nil {
		return st, errors.New("the sign-in flow's cookie is missing: start again")
	}
	payload, sig, ok := strings.Cut(c.Value, ".")
	b, err := base64.RawURLEncoding.DecodeString(payload)
	if !ok || err != nil || !hmac.Equal([]byte(sig), []byte(o.sign(b))) {
		return st, errors.New("the sign-in flow's cookie is not ours")
	}
	if err := json.Unmarshal(b, &st); err != nil || time.Now().After(st.Expires) {
		return st, errors.New("the sign-in flow expired: start again")
	}
	return st, nil
}

// refuse ends a failed sign-in with a page that says why, and records it.
func (o *OIDC) refuse(w http.ResponseWriter, r *http.Request, status int, why string) {
	ctx := auth.WithClientAddr(r.Context(), clientAddr(r))
	o.auth.record(ctx, audit.Entry{Actor: "anonymous", Action: "login", Object: "oidc: " + why, Outcome: audit.OutcomeDenied})
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	fmt.Fprintf(w, `<!doctype html><title>Sign-in failed</title><p>Single sign-on failed: %s</p><p><a href="/">Back to aomas</a></p>`, html.EscapeString(why))
}

type idClaims struct {
	Email    string `json:"email"`
	Verified *bool  `json:"email_verified"`
	Name     string `json:"name"`
	Nonce    string `json:"nonce"`
}

func (o *OIDC) callback(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	http.SetCookie(w, &http.Cookie{Name: oidcCookie, Value: "", Path: "/auth/oidc", MaxAge: -1, HttpOnly: true})
	if e := r.URL.Query().Get("error"); e != "" {
		o.refuse(w, r, http.StatusUnauthorized, "the provider said "+e+": "+r.URL.Query().Get("error_description"))
		return
	}
	st, err := o.readState(r)
	if err != nil {
		o.refuse(w, r, http.StatusBadRequest, err.Error())
		return
	}
	if r.URL.Query().Get("state") != st.State {
		o.refuse(w, r, http.StatusBadRequest, "the state does not match this browser's sign-in")
		return
	}
	tok, err := o.oauth.Exchange(ctx, r.URL.Query().Get("code"), oauth2.VerifierOption(st.Verifier))
	if err != nil {
		o.refuse(w, r, http.StatusUnauthorized, "the provider refused the code")
		return
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := o.verifier.Verify(ctx, raw)
	if err != nil {
		o.refuse(w, r, http.StatusUnauthorized, "the ID token does not verify")
		return
	}
	var c idClaims
	all := map[string]any{}
	if err := idt.Claims(&c); err != nil || idt.Claims(&all) != nil {
		o.refuse(w, r, http.StatusUnauthorized, "the ID token's claims do not parse")
		return
	}
	if c.Nonce != st.Nonce {
		o.refuse(w, r, http.StatusUnauthorized, "the ID token's nonce does not match")
		return
	}
	// Providers that keep the ID token small (Keycloak by default, zitadel) put email and
	// groups at the userinfo endpoint.
	if c.Email == "" || all[o.cfg.GroupsClaim] == nil {
		ui, err := o.provider.UserInfo(ctx, oauth2.StaticTokenSource(tok))
		if err != nil {
			o.refuse(w, r, http.StatusBadGateway, "the provider's userinfo endpoint failed")
			return
		}
		if ui.Subject != idt.Subject {
			o.refuse(w, r, http.StatusUnauthorized, "userinfo names another subject")
			return
		}
		if err := ui.Claims(&all); err != nil {
			o.refuse(w, r, http.StatusBadGateway, "userinfo does not parse")
			return
		}
		_ = ui.Claims(&c)
		if c.Email == "" {
			c.Email = ui.Email
		}
	}
	if c.Email == "" || (c.Verified != nil && !*c.Verified) {
		o.refuse(w, r, http.StatusForbidden, "the provider gave no verified e-mail address")
		return
	}
	p, roles, err := o.account(ctx, c, groupsOf(all[o.cfg.GroupsClaim]))
	if err != nil {
		o.refuse(w, r, http.StatusForbidden, err.Error())
		return
	}
	s, err := o.auth.Sessions.Create(ctx, p.UserID, o.auth.ttl(), clientAddr(r), r.UserAgent())
	if err != nil {
		o.auth.log().Error("create session", "err", err)
		o.refuse(w, r, http.StatusInternalServerError, "could not start a session")
		return
	}
	actx := auth.WithPrincipal(auth.WithClientAddr(ctx, clientAddr(r)), p)
	o.auth.record(actx, audit.Entry{Action: "login", Object: "oidc: roles " + strings.Join(roles, ","), Outcome: audit.OutcomeOK})
	for _, ck := range s.Cookies(auth.IsTLS(r)) {
		http.SetCookie(w, ck)
	}
	http.Redirect(w, r, "/", http.StatusFound)
}

func groupsOf(v any) []string {
	var out []string
	switch g := v.(type) {
	case []any:
		for _, x := range g {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
	case string:
		out = append(out, g)
	}
	return out
}

// account finds or makes the local account for the signed-in user and grants what its
// groups map to; a user whom no group (and no earlier grant) gives a role is refused.
func (o *OIDC) account(ctx context.Context, c idClaims, groups []string) (auth.Principal, []string, error) {
	u, err := o.auth.Accounts.ByEmail(ctx, c.Email)
	if errors.Is(err, auth.ErrNotFound) {
		u, err = o.auth.Accounts.Create(ctx, c.Email, strings.TrimSpace(c.Name), "")
	}
	if err != nil {
		return auth.Principal{}, nil, fmt.Errorf("account for %s: %w", c.Email, err)
	}
	if u.Disabled {
		return auth.Principal{}, nil, errors.New("this account is disabled")
	}
	sub := rbac.UserSubject(u.ID)
	for _, g := range groups {
		for _, grant := range o.cfg.Roles[g] {
			held, err := o.policy.RolesOf(sub, grant.Project)
			if err != nil {
				return auth.Principal{}, nil, err
			}
			if slices.Contains(held, grant.Role) {
				continue
			}
			if err := o.policy.GrantRole(ctx, sub, grant.Role, grant.Project); err != nil {
				return auth.Principal{}, nil, err
			}
		}
	}
	roles, err := o.policy.RolesOf(sub, auth.DefaultProject)
	if err != nil {
		return auth.Principal{}, nil, err
	}
	grants, err := o.policy.Members("")
	if err != nil {
		return auth.Principal{}, nil, err
	}
	granted := len(roles) > 0
	for _, g := range grants {
		granted = granted || g.Subject == sub
	}
	if !granted {
		return auth.Principal{}, nil, fmt.Errorf("none of your groups (%s) grants an aomas role", strings.Join(groups, ", "))
	}
	return auth.Principal{UserID: u.ID, Email: u.Email, Method: auth.MethodOIDC}, roles, nil
}

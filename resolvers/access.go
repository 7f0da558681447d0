package resolvers

import (
	"context"
	"errors"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/aomas/aomas/db"
	"github.com/aomas/aomas/graph"
	"github.com/aomas/aomas/graph/model"
	"github.com/aomas/aomas/internal/audit"
	"github.com/aomas/aomas/internal/auth"
	"github.com/aomas/aomas/rbac"
)

var schemaOnce = sync.OnceValue(func() *ast.Schema {
	return graph.NewExecutableSchema(graph.Config{}).Schema()
})

// Coordinates lists every field of the schema as authorization sees it.
func Coordinates() []rbac.Coordinate { return rbac.SchemaCoordinates(schemaOnce()) }

// rootFieldsOf lists the root fields p may use in project, in schema order: the @public ones
// and those the policy grants (none when p's token is for another project). The answer is
// bounded by the schema's root fields, each a cached policy check.
func (r *Resolver) rootFieldsOf(ctx context.Context, p auth.Principal, project string) ([]string, error) {
	wrongProject := p.CheckProject(project) != nil
	var out []string
	for _, c := range Coordinates() {
		if !c.Root {
			continue
		}
		if c.Public {
			out = append(out, c.Object)
			continue
		}
		if wrongProject {
			continue
		}
		ok, err := r.Enforcer.Allowed(ctx, p.Subject(), project, c.Object, c.Action)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, c.Object)
		}
	}
	return out, nil
}

func (r *Resolver) needAccess() error {
	if r.Enforcer == nil || r.Accounts == nil {
		return &codedError{code: CodeUnavailable, msg: "access control is not configured on this server"}
	}
	return nil
}

func (r *Resolver) role(ctx context.Context, name string) (*model.Role, error) {
	perms, err := r.Enforcer.RolePermissions(name)
	if err != nil {
		return nil, err
	}
	out := &model.Role{Name: name, Permissions: make([]*rbac.Permission, len(perms))}
	for i := range perms {
		out.Permissions[i] = &perms[i]
	}
	return out, nil
}

// subjectUser returns the account behind a Casbin subject "user:ID", or nil for a role.
func (r *Resolver) subjectUser(ctx context.Context, subject string) (*auth.User, error) {
	idText, ok := strings.CutPrefix(subject, "user:")
	if !ok {
		return nil, nil
	}
	id, err := strconv.ParseInt(idText, 10, 64)
	if err != nil {
		return nil, nil
	}
	u, err := r.Accounts.ByID(ctx, id)
	if errors.Is(err, auth.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &u, nil
}

// grantee resolves a grant's e-mail address to the account's subject.
func (r *Resolver) grantee(ctx context.Context, in model.RoleGrantInput) (string, error) {
	u, err := r.Accounts.ByEmail(ctx, in.Email)
	if errors.Is(err, auth.ErrNotFound) {
		return "", invalidInput("no account has the e-mail address " + strconv.Quote(in.Email))
	}
	if err != nil {
		return "", err
	}
	return rbac.UserSubject(u.ID), nil
}

func auditFilter(f *model.AuditFilter, first *int, before *string) (audit.Filter, error) {
	var out audit.Filter
	if first != nil {
		if *first < 1 || *first > 1000 {
			return out, invalidInput("first must be between 1 and 1000")
		}
		out.Limit = *first
	}
	if before != nil {
		id, err := strconv.ParseInt(*before, 10, 64)
		if err != nil || id < 1 {
			return out, invalidInput("before must be an audit entry id")
		}
		out.BeforeID = id
	}
	if f == nil {
		return out, nil
	}
	str := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	tm := func(p *time.Time) time.Time {
		if p == nil {
			return time.Time{}
		}
		return *p
	}
	out.Actor, out.Action, out.Object, out.Outcome = str(f.Actor), str(f.Action), str(f.Object), str(f.Outcome)
	out.From, out.To = tm(f.From), tm(f.To)
	return out, nil
}

// projectsOf lists the projects p holds a role in; a grant for every project reaches every
// project that has subjects, and the default one.
func (r *Resolver) projectsOf(ctx context.Context, p auth.Principal) ([]string, error) {
	if p.Project != "" {
		return []string{p.Project}, nil
	}
	grants, err := r.Enforcer.Members("")
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	all := false
	for _, g := range grants {
		if g.Subject != p.Subject() {
			continue
		}
		if g.Project == rbac.AllProjects {
			all = true
		} else {
			seen[g.Project] = true
		}
	}
	if all {
		seen[auth.DefaultProject] = true
		if r.DB != nil {
			known, err := db.ProjectsWithSubjects(ctx, r.DB)
			if err != nil {
				return nil, err
			}
			for _, k := range known {
				seen[k] = true
			}
		}
	}
	out := make([]string, 0, len(seen))
	for k := range seen {
		out = append(out, k)
	}
	sort.Strings(out)
	return out, nil
}

// userByID returns an account, or nil when it no longer exists.
func (r *Resolver) userByID(ctx context.Context, id int64) (*auth.User, error) {
	if err := r.needAccess(); err != nil {
		return nil, err
	}
	u, err := r.Accounts.ByID(ctx, id)
	if errors.Is(err, auth.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &u, nil
}

// maxTokensListed bounds a token listing.
const maxTokensListed = 1000

func (r *Resolver) needTokens() error {
	if r.Tokens == nil || r.Enforcer == nil {
		return &codedError{code: CodeUnavailable, msg: "API tokens are not configured on this server"}
	}
	return nil
}

func tokenPtrs(ts []auth.Token) []*auth.Token {
	out := make([]*auth.Token, len(ts))
	for i := range ts {
		out[i] = &ts[i]
	}
	return out
}

// myTokens lists the caller's own tokens.
func (r *Resolver) myTokens(ctx context.Context) ([]*auth.Token, error) {
	if err := r.needTokens(); err != nil {
		return nil, err
	}
	p, ok := auth.PrincipalFrom(ctx)
	if !ok {
		return nil, ErrSignIn
	}
	ts, err := r.Tokens.List(ctx, p.UserID)
	if err != nil {
		return nil, err
	}
	return tokenPtrs(ts), nil
}

// projectTokens lists the tokens made for the request's project.
func (r *Resolver) projectTokens(ctx context.Context) ([]*auth.Token, error) {
	if err := r.needTokens(); err != nil {
		return nil, err
	}
	ts, err := r.Tokens.ListAll(ctx, auth.ProjectFrom(ctx), maxTokensListed)
	if err != nil {
		return nil, err
	}
	return tokenPtrs(ts), nil
}

// revokeToken revokes a token the caller holds, or, for an admin of the token's project,
// anyone's; to anyone else another user's token does not exist. Every socket using it,
// here and on the other replicas, ends with it.
func (r *Resolver) revokeToken(ctx context.Context, id string) (*auth.Token, error) {
	if err := r.needTokens(); err != nil {
		return nil, err
	}
	p, ok := auth.PrincipalFrom(ctx)
	if !ok {
		return nil, ErrSignIn
	}
	n, err := idOf(id, "ApiToken")
	if err != nil {
		return nil, err
	}
	tok, err := r.Tokens.ByID(ctx, n)
	if errors.Is(err, auth.ErrNoToken) {
		return nil, notFound("api token", n)
	}
	if err != nil {
		return nil, err
	}
	if tok.UserID != p.UserID {
		roles, err := r.Enforcer.RolesOf(p.Subject(), tok.Project)
		if err != nil {
			return nil, err
		}
		// A token acts in its own project only, for this as for everything.
		if !slices.Contains(roles, rbac.RoleAdmin) || p.CheckProject(tok.Project) != nil {
			return nil, notFound("api token", n)
		}
	}
	revoked, err := r.Tokens.RevokeID(ctx, n)
	if errors.Is(err, auth.ErrNoToken) {
		// Revoked already: say so as it is.
		revoked, err = r.Tokens.ByID(ctx, n)
	}
	if err != nil {
		return nil, err
	}
	if r.Ends != nil {
		r.Ends.Announce(ctx, auth.TokenKey(n))
	}
	return &revoked, nil
}

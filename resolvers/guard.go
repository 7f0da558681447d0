// The guard enforces the policy on GraphQL: the @hasPermission and @public directives,
// a check on every other field against its type's rules, introspection only for signed-in
// callers, per-caller mutation limits, and an audit entry for every mutation and every
// refusal.

package resolvers

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strings"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/jmoiron/sqlx"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/aomas/aomas/graph"
	"github.com/aomas/aomas/graph/model"
	"github.com/aomas/aomas/internal/audit"
	"github.com/aomas/aomas/internal/auth"
	"github.com/aomas/aomas/internal/reqid"
	"github.com/aomas/aomas/rbac"
)

// ErrSignIn is the refusal for a caller who is not signed in.
var ErrSignIn error = refusal{msg: "sign in first", is: auth.ErrUnauthenticated}

// refusal is a refused field: its text is what the client reads, and it is
// rbac.ErrForbidden or auth.ErrUnauthenticated to errors.Is.
type refusal struct {
	msg string
	is  error
}

func (r refusal) Error() string { return r.msg }
func (r refusal) Unwrap() error { return r.is }

func forbidden(format string, a ...any) error {
	return refusal{msg: fmt.Sprintf(format, a...), is: rbac.ErrForbidden}
}

// ErrRateLimited reports a caller over its mutation limit.
var ErrRateLimited = errors.New("too many mutations: slow down and retry shortly")

// CodeRateLimited is extensions.code of a refused, over-limit mutation.
const CodeRateLimited = "RATE_LIMITED"

// Guard decides every field of every operation.
type Guard struct {
	Enforcer *rbac.Enforcer
	// Audit receives an entry per mutation and per refusal; nil records nothing.
	Audit *sqlx.DB
	// Mutations limits mutations, each field counted, per token (or user, or client
	// address) and role; nil: no limit.
	Mutations *auth.MutationLimits
	Log       *slog.Logger
}

func (g *Guard) log() *slog.Logger {
	if g.Log == nil {
		return slog.Default()
	}
	return g.Log
}

// opState remembers one operation's decisions: a response asks about the same few
// coordinates many times, and a refusal is audited once per operation.
type opState struct {
	mu      sync.Mutex
	decided map[*ast.FieldDefinition]error
	// pending are the operation's audit entries, written together before its response
	// leaves: a client never sees a change whose entry is not stored.
	pending []audit.Entry
	// public: every root field the operation selects is @public (a subscription's fields
	// do not see their root field as a parent).
	public bool
}

type opKey struct{}

// Directives returns the implementations of @hasPermission and @public.
func (g *Guard) Directives() graph.DirectiveRoot {
	return graph.DirectiveRoot{
		HasPermission: func(ctx context.Context, _ any, next graphql.Resolver, p model.Permission) (any, error) {
			if err := g.decide(ctx, actionOf(p)); err != nil {
				return nil, err
			}
			return next(ctx)
		},
		Public: func(ctx context.Context, _ any, next graphql.Resolver) (any, error) {
			return next(ctx)
		},
	}
}

func actionOf(p model.Permission) string {
	if p == model.PermissionWrite {
		return rbac.ActWrite
	}
	return rbac.ActRead
}

// Operations prepares each operation's decision memo and applies the mutation limit.
func (g *Guard) Operations() graphql.OperationMiddleware {
	return func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
		oc := graphql.GetOperationContext(ctx)
		if g.Mutations != nil && oc.Operation != nil && oc.Operation.Operation == ast.Mutation {
			if refused := g.limitMutations(ctx, oc); refused != nil {
				g.record(ctx, audit.Entry{Action: rbac.ActWrite, Object: "Mutation: rate limited", Outcome: audit.OutcomeDenied})
				return graphql.OneShot(&graphql.Response{Errors: gqlerror.List{refused}})
			}
		}
		st := &opState{decided: map[*ast.FieldDefinition]error{}, public: allPublic(oc)}
		ctx = context.WithValue(ctx, opKey{}, st)
		rh := next(ctx)
		return func(ctx context.Context) *graphql.Response {
			resp := rh(ctx)
			st.mu.Lock()
			pending := st.pending
			st.pending = nil
			st.mu.Unlock()
			g.write(ctx, pending)
			return resp
		}
	}
}

// limitMutations takes one event per mutation field the operation runs (aliases each
// count) from the caller's bucket, all or none, and returns the refusal when there are
// too few: with extensions.retryAfterSeconds, when waiting helps.
func (g *Guard) limitMutations(ctx context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	n := len(graphql.CollectFields(oc, oc.Operation.SelectionSet, []string{"Mutation"}))
	var roles []string
	if p, ok := auth.PrincipalFrom(ctx); ok && g.Enforcer != nil {
		var err error
		if roles, err = g.Enforcer.RolesOf(p.Subject(), auth.ProjectFrom(ctx)); err != nil {
			g.log().Warn("roles for the mutation limit", "err", err)
		}
	}
	wait, burst, ok := g.Mutations.Take(limitKey(ctx), roles, n)
	if ok {
		return nil
	}
	if wait <= 0 {
		return &gqlerror.Error{Message: fmt.Sprintf("%d mutations in one request; at most %d", n, burst),
			Extensions: map[string]any{"code": CodeRateLimited}}
	}
	secs := int(math.Ceil(wait.Seconds()))
	return &gqlerror.Error{Message: fmt.Sprintf("%s (retry in %d s)", ErrRateLimited.Error(), secs),
		Extensions: map[string]any{"code": CodeRateLimited, "retryAfterSeconds": secs}}
}

// limitKey is whom a mutation limit counts against: the token, else the user, else the address.
func limitKey(ctx context.Context) string {
	if p, ok := auth.PrincipalFrom(ctx); ok {
		if p.TokenID != 0 {
			return fmt.Sprintf("token:%d", p.TokenID)
		}
		return p.Subject()
	}
	return "addr:" + auth.ClientAddrFrom(ctx)
}

// Fields checks every field that carries neither directive against its type's rules, and
// audits every mutation.
func (g *Guard) Fields() graphql.FieldMiddleware {
	return func(ctx context.Context, next graphql.Resolver) (any, error) {
		fc := graphql.GetFieldContext(ctx)
		if fc == nil || fc.Field.Field == nil || fc.Field.Definition == nil || strings.HasPrefix(fc.Field.Name, "__") || strings.HasPrefix(fc.Object, "__") {
			return next(ctx)
		}
		if !directed(fc.Field.Definition) && !publicRoot(ctx, fc) {
			if err := g.decide(ctx, rbac.ActRead); err != nil {
				return nil, err
			}
		}
		if fc.Object != "Mutation" {
			return next(ctx)
		}
		ctx, note := withAuditNote(ctx)
		res, err := next(ctx)
		if errors.Is(err, rbac.ErrForbidden) || errors.Is(err, auth.ErrUnauthenticated) {
			return res, err // audited as a refusal already
		}
		e := audit.Entry{Action: rbac.ActWrite, Object: "Mutation." + fc.Field.Name, Outcome: audit.OutcomeOK,
			BeforeDigest: digestJSON(fc.Args), Target: note.get()}
		if err != nil {
			e.Outcome = audit.OutcomeFailed
			e.Reason = errorReason(err)
		} else {
			e.AfterDigest = digestJSON(res)
		}
		g.record(ctx, e)
		return res, err
	}
}

// publicRoot reports whether fc lies under a @public root field: what health and me
// return is open to whoever may call them.
func publicRoot(ctx context.Context, fc *graphql.FieldContext) bool {
	if st, ok := ctx.Value(opKey{}).(*opState); ok && st.public {
		return true
	}
	for p := fc.Parent; p != nil; p = p.Parent {
		if p.Field.Field == nil || p.Field.Definition == nil {
			continue // a list element's context
		}
		if p.Object == "Query" || p.Object == "Subscription" {
			return p.Field.Definition.Directives.ForName("public") != nil
		}
	}
	return false
}

// allPublic reports whether every root field oc selects is @public.
func allPublic(oc *graphql.OperationContext) bool {
	if oc == nil || oc.Operation == nil || len(oc.Operation.SelectionSet) == 0 {
		return false
	}
	for _, sel := range oc.Operation.SelectionSet {
		f, ok := sel.(*ast.Field)
		if !ok || f.Definition == nil {
			return false
		}
		if strings.HasPrefix(f.Name, "__") {
			continue
		}
		if f.Definition.Directives.ForName("public") == nil {
			return false
		}
	}
	return true
}

func directed(def *ast.FieldDefinition) bool {
	for _, d := range def.Directives {
		if d.Name == "hasPermission" || d.Name == "public" {
			return true
		}
	}
	return false
}

// decide answers for the field in ctx, once per operation and field.
func (g *Guard) decide(ctx context.Context, act string) error {
	fc := graphql.GetFieldContext(ctx)
	st, _ := ctx.Value(opKey{}).(*opState)
	if st != nil {
		st.mu.Lock()
		err, ok := st.decided[fc.Field.Definition]
		st.mu.Unlock()
		if ok {
			return err
		}
	}
	obj := fc.Object + "." + fc.Field.Name
	err := g.check(ctx, obj, act)
	if st != nil {
		st.mu.Lock()
		_, again := st.decided[fc.Field.Definition]
		st.decided[fc.Field.Definition] = err
		st.mu.Unlock()
		if again {
			return err
		}
	}
	if err != nil {
		g.record(ctx, audit.Entry{Action: act, Object: obj, Outcome: audit.OutcomeDenied, Reason: g.refusalReason(ctx, err)})
	}
	return err
}

// refusalReason says why a field was refused, for the audit log: the refusal and the
// roles the caller held in the request's project.
func (g *Guard) refusalReason(ctx context.Context, err error) string {
	p, ok := auth.PrincipalFrom(ctx)
	if !ok {
		return err.Error()
	}
	project := auth.ProjectFrom(ctx)
	roles, rerr := g.Enforcer.RolesOf(p.Subject(), project)
	if rerr != nil || len(roles) == 0 {
		return fmt.Sprintf("%v (no role in project %s)", err, project)
	}
	return fmt.Sprintf("%v (roles in project %s: %s)", err, project, strings.Join(roles, ", "))
}

func (g *Guard) check(ctx context.Context, obj, act string) error {
	p, ok := auth.PrincipalFrom(ctx)
	if !ok {
		return ErrSignIn
	}
	project := auth.ProjectFrom(ctx)
	if err := p.CheckProject(project); err != nil {
		return forbidden("%v", err)
	}
	allowed, err := g.Enforcer.Allowed(ctx, p.Subject(), project, obj, act)
	if err != nil {
		g.log().Error("policy check", "err", err, "object", obj)
		return forbidden("not allowed to %s %s", act, obj)
	}
	if !allowed {
		return forbidden("not allowed to %s %s", act, obj)
	}
	return nil
}

// record adds e, with the request's actor, id and address, to the operation's entries
// (written when its response is ready), or writes it now outside an operation.
func (g *Guard) record(ctx context.Context, e audit.Entry) {
	if g.Audit == nil {
		return
	}
	e.Actor = auth.Actor(ctx)
	e.RequestID = reqid.From(ctx)
	e.ClientRequestID = reqid.ClientFrom(ctx)
	e.ClientAddr = auth.ClientAddrFrom(ctx)
	if st, ok := ctx.Value(opKey{}).(*opState); ok {
		st.mu.Lock()
		st.pending = append(st.pending, e)
		st.mu.Unlock()
		return
	}
	g.write(ctx, []audit.Entry{e})
}

// write stores entries. One that fails is logged loudly: what it describes has happened.
func (g *Guard) write(ctx context.Context, entries []audit.Entry) {
	if g.Audit == nil || len(entries) == 0 {
		return
	}
	if err := audit.AppendAll(context.WithoutCancel(ctx), g.Audit, entries); err != nil {
		g.log().Error("audit entries lost", "err", err, "count", len(entries), "first_action", entries[0].Action, "first_object", entries[0].Object)
	}
}

func digest(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// digestJSON fingerprints a value; uploads' file handles encode as empty objects.
func digestJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return digest(string(b))
}

// Schema builds the executable schema with the guard's directives.
func Schema(r graph.ResolverRoot, g *Guard) graphql.ExecutableSchema {
	return graph.NewExecutableSchema(graph.Config{Resolvers: r, Directives: g.Directives()})
}

// PublicOnly returns a guard over the default policy held in memory, with no grants: for
// servers (tests, benchmarks) that serve only the public fields.
func PublicOnly() *Guard {
	e, err := rbac.NewMemory(rbac.DefaultPolicy(), nil)
	if err != nil {
		panic(fmt.Sprintf("default policy does not load: %v", err))
	}
	return &Guard{Enforcer: e}
}

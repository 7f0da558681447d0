package resolvers

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/aomas/aomas/internal/auth"
)

// Introspection allows __schema and __type to signed-in callers only: the schema is a map
// of the health data aomas holds. A signed-out caller who asks is told to sign in
// (UNAUTHENTICATED) before anything runs; __typename stays open.
type Introspection struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = Introspection{}

// ExtensionName names the extension for gqlgen.
func (Introspection) ExtensionName() string { return "SignedInIntrospection" }

// Validate accepts any schema.
func (Introspection) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationContext turns introspection on for authenticated requests and refuses
// it, as a caller's mistake, to the others.
func (Introspection) MutateOperationContext(ctx context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	_, ok := auth.PrincipalFrom(ctx)
	oc.DisableIntrospection = !ok
	if !ok && oc.Operation != nil && introspects(oc.Operation.SelectionSet, map[string]bool{}) {
		return &gqlerror.Error{Message: "sign in to introspect the schema", Extensions: map[string]any{"code": CodeUnauthenticated}}
	}
	return nil
}

// introspects reports whether set selects __schema or __type anywhere; seen stops a
// fragment from being walked twice (validation has refused cycles already).
func introspects(set ast.SelectionSet, seen map[string]bool) bool {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			if s.Name == "__schema" || s.Name == "__type" || introspects(s.SelectionSet, seen) {
				return true
			}
		case *ast.InlineFragment:
			if introspects(s.SelectionSet, seen) {
				return true
			}
		case *ast.FragmentSpread:
			if s.Definition != nil && !seen[s.Name] {
				seen[s.Name] = true
				if introspects(s.Definition.SelectionSet, seen) {
					return true
				}
			}
		}
	}
	return false
}

package resolvers

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/aomas/aomas/internal/auth"
)

// Introspection allows __schema and __type to signed-in callers only: the schema is a map
// of the health data aomas holds.
type Introspection struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = Introspection{}

// ExtensionName names the extension for gqlgen.
func (Introspection) ExtensionName() string { return "SignedInIntrospection" }

// Validate accepts any schema.
func (Introspection) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationContext turns introspection on for authenticated requests.
func (Introspection) MutateOperationContext(ctx context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	_, ok := auth.PrincipalFrom(ctx)
	oc.DisableIntrospection = !ok
	return nil
}

package server

import (
	"context"
	"fmt"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/aomas/aomas/internal/auth"
)

// Subscriptions one websocket may hold open at once. The SPA holds a handful; each one
// costs the server a goroutine and a stream of reports.
const (
	MaxSubscriptionsSignedIn  = 32
	MaxSubscriptionsAnonymous = 4
)

// CodeTooManySubscriptions is extensions.code of a subscription refused for its socket's cap.
const CodeTooManySubscriptions = "TOO_MANY_SUBSCRIPTIONS"

// socketSubs counts one websocket's open subscriptions.
type socketSubs struct {
	mu   sync.Mutex
	open int
}

type socketSubsKey struct{}

// countSubscriptions gives each websocket its counter, then lets init authenticate it.
func countSubscriptions(init transport.WebsocketInitFunc) transport.WebsocketInitFunc {
	return func(ctx context.Context, p transport.InitPayload) (context.Context, *transport.InitPayload, error) {
		return init(context.WithValue(ctx, socketSubsKey{}, &socketSubs{}), p)
	}
}

// capSubscriptions refuses a subscription beyond its socket's cap; the slot frees when the
// subscription ends (complete, error, or the socket closing).
func capSubscriptions(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	oc := graphql.GetOperationContext(ctx)
	subs, ok := ctx.Value(socketSubsKey{}).(*socketSubs)
	if !ok || oc.Operation == nil || oc.Operation.Operation != ast.Subscription {
		return next(ctx)
	}
	limit := MaxSubscriptionsAnonymous
	if _, signedIn := auth.PrincipalFrom(ctx); signedIn {
		limit = MaxSubscriptionsSignedIn
	}
	subs.mu.Lock()
	full := subs.open >= limit
	if !full {
		subs.open++
	}
	subs.mu.Unlock()
	if full {
		return graphql.OneShot(&graphql.Response{Errors: gqlerror.List{{
			Message:    fmt.Sprintf("at most %d subscriptions at once on one connection", limit),
			Extensions: map[string]any{"code": CodeTooManySubscriptions},
		}}})
	}
	go func() {
		<-ctx.Done()
		subs.mu.Lock()
		subs.open--
		subs.mu.Unlock()
	}()
	return next(ctx)
}

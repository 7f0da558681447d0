// Package reqid carries a request's id through its context so that logs, errors and the
// audit trail of one request can be tied together. The id is always the server's own; an id
// a client sent (X-Request-ID) travels beside it, checked and labelled as the client's, and
// never stands in for it.
package reqid

import (
	"context"
	"crypto/rand"
	"encoding/hex"
)

// Header is the HTTP header that carries a request id: the server answers with its own id
// in it, and a client may send one of its own to correlate with its logs.
const Header = "X-Request-ID"

// MaxClientLen is the longest client-supplied id kept.
const MaxClientLen = 64

type key struct{}
type clientKey struct{}

// With returns ctx carrying id.
func With(ctx context.Context, id string) context.Context { return context.WithValue(ctx, key{}, id) }

// From returns the request id in ctx, or "" when there is none.
func From(ctx context.Context) string {
	id, _ := ctx.Value(key{}).(string)
	return id
}

// WithClient returns ctx carrying the id the client sent, if Client accepts it; a
// malformed one is dropped.
func WithClient(ctx context.Context, sent string) context.Context {
	if c := Client(sent); c != "" {
		return context.WithValue(ctx, clientKey{}, c)
	}
	return ctx
}

// ClientFrom returns the client-supplied id in ctx, or "".
func ClientFrom(ctx context.Context) string {
	id, _ := ctx.Value(clientKey{}).(string)
	return id
}

// Client returns sent if it is a plausible request id — 1 to MaxClientLen characters of
// letters, digits and . _ : - — and "" otherwise, so that nothing a client sends can forge
// log lines, carry markup or grow the audit log.
func Client(sent string) string {
	if sent == "" || len(sent) > MaxClientLen {
		return ""
	}
	for _, r := range sent {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == ':' || r == '-'
		if !ok {
			return ""
		}
	}
	return sent
}

// New returns a fresh random id of 16 hex digits.
func New() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on Linux
	return hex.EncodeToString(b[:])
}

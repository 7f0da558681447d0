package resolvers

import (
	"context"
	"fmt"
	"strings"

	"github.com/aomas/aomas/db"
	"github.com/aomas/aomas/internal/auth"
	"github.com/aomas/aomas/internal/gid"
)

func globalID(n db.Node) string { return gid.Encode(n.NodeType(), n.NodeID()) }

// parseID splits a global id into its type and row id.
func parseID(id string) (string, int64, error) {
	typ, n, err := gid.Decode(id)
	if err != nil {
		return "", 0, invalidInput(fmt.Sprintf("%q is not an aomas id", id))
	}
	return typ, n, nil
}

// idOf parses a global id that must be of type want.
func idOf(id, want string) (int64, error) {
	typ, n, err := parseID(id)
	if err != nil {
		return 0, err
	}
	if typ != want {
		return 0, invalidInput(fmt.Sprintf("id %q is a %s, not a %s", id, typ, want))
	}
	return n, nil
}

func optionalID(id *string, want string) (*int64, error) {
	if id == nil {
		return nil, nil
	}
	n, err := idOf(*id, want)
	if err != nil {
		return nil, err
	}
	return &n, nil
}

func invalidInput(msg string) error { return &codedError{code: CodeInvalidInput, msg: msg} }

// inProject reports whether row n of type typ belongs to the request's project. Which rows
// a caller reaches is decided here, in SQL, before anything is loaded.
func (r *Resolver) inProject(ctx context.Context, typ string, n int64) (bool, error) {
	if r.DB == nil {
		return true, nil
	}
	return db.InProject(ctx, r.DB, typ, n, auth.ProjectFrom(ctx))
}

// ownedID decodes a global id of type want and refuses, as NOT_FOUND, a row of another
// project: to its caller it does not exist.
func (r *Resolver) ownedID(ctx context.Context, id, want string) (int64, error) {
	n, err := idOf(id, want)
	if err != nil {
		return 0, err
	}
	ok, err := r.inProject(ctx, want, n)
	if err != nil {
		return 0, err
	}
	if !ok {
		return 0, notFound(strings.ToLower(want), n)
	}
	return n, nil
}

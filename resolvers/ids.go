package resolvers

import (
	"fmt"

	"github.com/aomas/aomas/db"
	"github.com/aomas/aomas/gid"
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

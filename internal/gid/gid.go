// Package gid encodes the global ids GraphQL clients see: base64url("Type:row id"), opaque to
// clients and unique across types.
package gid

import (
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
)

// ErrMalformed reports a string that is not a global id.
var ErrMalformed = errors.New("not an aomas id")

// Encode returns the global id of row id of GraphQL type typ.
func Encode(typ string, id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(typ + ":" + strconv.FormatInt(id, 10)))
}

// Decode splits a global id into its type and row id.
func Decode(s string) (string, int64, error) {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return "", 0, ErrMalformed
	}
	typ, num, ok := strings.Cut(string(raw), ":")
	n, err := strconv.ParseInt(num, 10, 64)
	if !ok || err != nil || n <= 0 || typ == "" {
		return "", 0, ErrMalformed
	}
	return typ, n, nil
}

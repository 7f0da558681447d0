package auth

import (
	"errors"
	"net/http"
	"strings"
)

// ErrTokenInQuery reports a token sent in the URL, where logs, proxies and browser history
// keep it. Such a request is refused even if the token is good (and the token should be
// revoked).
var ErrTokenInQuery = errors.New("tokens are accepted only in the Authorization header, never in the URL")

// queryTokenParams are the URL parameters clients commonly put tokens in.
var queryTokenParams = [...]string{"access_token", "token", "api_key", "apikey", "auth"}

// BearerToken returns the token of an `Authorization: Bearer TOKEN` header and whether there
// was one. A request that carries a token-like URL parameter, or an aomas token anywhere in
// its URL, gets ErrTokenInQuery.
func BearerToken(r *http.Request) (string, bool, error) {
	q := r.URL.Query()
	for _, p := range queryTokenParams {
		if q.Has(p) {
			return "", false, ErrTokenInQuery
		}
	}
	if strings.Contains(r.URL.RawQuery, TokenPrefix) || strings.Contains(r.URL.Path, TokenPrefix) {
		return "", false, ErrTokenInQuery
	}
	h := r.Header.Get("Authorization")
	if h == "" {
		return "", false, nil
	}
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(tok) == "" {
		return "", false, ErrTokenInvalid
	}
	return strings.TrimSpace(tok), true, nil
}

package server

import (
	"net/http"

	"github.com/99designs/gqlgen/graphql/playground"

	"github.com/aomas/aomas/internal/auth"
)

// graphiql serves GraphiQL (gqlgen's playground page) at /graphiql to signed-in callers;
// anyone else is sent to the sign-in page. The page's requests carry the session cookie
// (same origin) and, for a session, the CSRF header that POSTs need, which the page is given
// here because only the session's own holder can read this response.
func graphiql(a *Auth) http.Handler {
	return a.Authenticate(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, ok := auth.PrincipalFrom(r.Context())
		if !ok {
			http.Redirect(w, r, "/?next=%2Fgraphiql", http.StatusSeeOther)
			return
		}
		headers := map[string]string{}
		if c, err := r.Cookie(auth.SessionCookie); err == nil && c.Value != "" && p.TokenID == 0 {
			headers[auth.CSRFHeader] = auth.CSRFToken(c.Value)
		}
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("X-Frame-Options", "DENY")
		playground.Handler("aomas GraphiQL", "/graphql",
			playground.WithGraphiqlFetcherHeaders(headers),
			playground.WithStoragePrefix("aomas-graphiql"),
		).ServeHTTP(w, r)
	}))
}

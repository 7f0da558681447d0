package server_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aomas/aomas/resolvers"
	"github.com/aomas/aomas/server"
)

// BenchmarkGraphQLTrivialQuery is the GraphQL layer's own cost per request, without the
// network: parse (cached), validate, limits, execute and encode.
func BenchmarkGraphQLTrivialQuery(b *testing.B) {
	guard := resolvers.PublicOnly()
	h := server.GraphQL(server.Options{
		Schema:        resolvers.Schema(&resolvers.Resolver{Build: resolvers.BuildInfo{Version: "b", Commit: "b"}}, guard),
		Guard:         guard,
		MaxDepth:      12,
		MaxComplexity: 5000,
	})
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(`{"query":"{ version { version commit } }"}`))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatal(rec.Code, rec.Body.String())
		}
	}
}

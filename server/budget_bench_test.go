package server_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aomas/aomas/resolvers"
	"github.com/aomas/aomas/server"
)

// BenchmarkWorstAnonymousRequest reports the server CPU (the process's rusage, over the
// handler alone) of the costliest documents a signed-out caller may still send, and of
// the one issue 13 found (8,000 repeats of one field), now refused before validation.
func BenchmarkWorstAnonymousRequest(b *testing.B) {
	guard := resolvers.PublicOnly()
	h := server.New(server.Options{
		Schema:        resolvers.Schema(&resolvers.Resolver{Build: resolvers.BuildInfo{Version: "b", Commit: "b"}}, guard),
		Guard:         guard,
		MaxDepth:      12,
		MaxComplexity: 5000,
	})
	var frags strings.Builder
	frags.WriteString("{ version { ...F0 } } fragment F0 on BuildInfo { ...F1 ...F1 }")
	for i := 1; i < 3; i++ {
		fmt.Fprintf(&frags, " fragment F%d on BuildInfo { ...F%d ...F%d }", i, i+1, i+1)
	}
	frags.WriteString(" fragment F3 on BuildInfo { version version version }")
	docs := []struct{ name, query string }{
		{"8000-repeats-refused", "{ version { " + strings.Repeat("version ", 8000) + "} }"},
		{"8000-repeats-compact-refused", "{version{" + strings.Repeat("version ", 8000) + "}}"},
		{"99-repeats", "{ version { " + strings.Repeat("version ", 99) + "} }"},
		{"33-nested-repeats", "{ " + strings.Repeat("version { version version } ", 33) + "}"},
		{"fragments", frags.String()},
		{"1000-tokens-refused", "{ version { " + strings.Repeat("version @include(if: true) ", 200) + "} }"},
	}
	for _, d := range docs {
		b.Run(d.name, func(b *testing.B) {
			var cpu time.Duration
			i := 0
			for b.Loop() {
				// GET: no body limit, so the token and field budgets are what refuse. A
				// comment makes each document new to the query cache.
				i++
				req := httptest.NewRequest(http.MethodGet, "/graphql?query="+url.QueryEscape(fmt.Sprintf("%s\n# %d", d.query, i)), http.NoBody)
				rec := httptest.NewRecorder()
				before := processCPU()
				h.ServeHTTP(rec, req)
				cpu += processCPU() - before
				refused := strings.HasSuffix(d.name, "-refused")
				if refused != strings.Contains(rec.Body.String(), "QUERY_TOO_LARGE") || !refused && strings.Contains(rec.Body.String(), "errors") {
					b.Fatalf("%s: %d %s", d.name, rec.Code, rec.Body.String())
				}
			}
			b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu-ms/op")
		})
	}
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

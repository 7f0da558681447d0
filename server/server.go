// Package server assembles aomas's HTTP surface: GraphQL (POST, GET, websocket), the SPA,
// liveness and readiness, and Prometheus metrics.
package server

import (
	"context"
	"encoding/json"
	"io/fs"
	"log/slog"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/coder/websocket"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/aomas/aomas/internal/health"
	"github.com/aomas/aomas/internal/reqid"
	"github.com/aomas/aomas/resolvers"
)

// Options configures the HTTP surface.
type Options struct {
	Schema        graphql.ExecutableSchema
	Checker       *health.Checker
	SPA           fs.FS // nil or without index.html: "/" explains how to build it
	Logger        *slog.Logger
	MaxDepth      int
	MaxComplexity int
	// AroundOperations wraps every operation (per-request dataloaders).
	AroundOperations graphql.OperationMiddleware
	// MaxUploadBytes bounds a multipart upload request; parts beyond 32 MiB are spooled to
	// temporary files, never held in memory.
	MaxUploadBytes int64
	// AllowedOrigins are host patterns ("localhost:5173") whose pages may open websockets
	// besides the server's own origin.
	AllowedOrigins []string
	// Auth authenticates requests and serves /auth/login and /auth/logout; nil: every
	// request is anonymous.
	Auth *Auth
	// Guard enforces the policy on every field (the schema must be built with its
	// directives: resolvers.Schema); nil only where a test mounts public fields alone.
	Guard *resolvers.Guard
	// OIDC adds single sign-on (GET /auth/oidc/login); nil: local accounts only.
	OIDC *OIDC
	// ExportFiles serves folder exports' files at /exports/files/ (signed links); nil: none.
	ExportFiles http.Handler
	// Anonymous and SignedIn bound each document before validation; zero values take
	// AnonymousLimits() and SignedInLimits().
	Anonymous, SignedIn DocumentLimits
	// DICOMweb serves /dicomweb/ (STOW-RS, QIDO-RS) behind Auth; nil: not served.
	DICOMweb http.Handler
	// Collectors are exported on /metrics beside the HTTP metrics (the queue sizes that
	// worker pools scale on).
	Collectors []prometheus.Collector
}

// New returns the handler for every route aomas serves.
func New(opts Options) http.Handler {
	reg := prometheus.NewRegistry()
	m := newHTTPMetrics(reg)
	reg.MustRegister(opts.Collectors...)
	logger := opts.Logger
	if logger == nil {
		logger = slog.Default()
	}

	mux := http.NewServeMux()
	gql := limitBody(anonymousLimits(opts).Body, spoolUnknownLengthUploads(GraphQL(opts), uploadLimit(opts)))
	if opts.Auth != nil {
		gql = opts.Auth.Authenticate(gql)
		opts.Auth.Mount(mux)
		mux.Handle("GET /graphiql", m.wrap("graphiql", graphiql(opts.Auth)))
	}
	if opts.OIDC != nil {
		opts.OIDC.Mount(mux)
	}
	// What the sign-in form offers.
	mux.Handle("GET /auth/providers", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"password": opts.Auth != nil, "oidc": opts.OIDC != nil})
	}))
	mux.Handle("/graphql", m.wrap("graphql", gql))
	if opts.DICOMweb != nil && opts.Auth != nil {
		mux.Handle("/dicomweb/", m.wrap("dicomweb", opts.Auth.Authenticate(opts.DICOMweb)))
	}
	mux.Handle("GET /healthz", m.wrap("healthz", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"status": "ok"})
	})))
	if opts.ExportFiles != nil {
		mux.Handle("GET /exports/files/", m.wrap("exports", opts.ExportFiles))
	}
	mux.Handle("GET /readyz", m.wrap("readyz", readyz(opts.Checker)))
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	mux.Handle("/", m.wrap("spa", spa(opts.SPA)))
	return withRequestID(logger, mux)
}

// GraphQL returns the GraphQL endpoint alone; benchmarks and tests mount it directly.
func GraphQL(opts Options) http.Handler {
	srv := handler.New(opts.Schema)
	srv.AddTransport(&transport.Websocket{
		KeepAlivePingInterval: 10 * time.Second,
		// coder/websocket lets browsers in only from the page's own host or the listed
		// host patterns; clients that send no Origin (notebooks, scanners) pass.
		Implementation: transport.CoderWebsocketImplementation{
			AcceptOptions: websocket.AcceptOptions{OriginPatterns: opts.AllowedOrigins},
		},
		InitFunc: countSubscriptions(opts.Auth.websocketInit),
	})
	srv.AddTransport(transport.Options{})
	srv.AddTransport(transport.GET{})
	srv.AddTransport(transport.POST{})
	srv.AddTransport(streamingMultipart{MaxUploadSize: uploadLimit(opts)})
	queries := lru.New[*ast.QueryDocument](1000)
	srv.SetQueryCache(queries)
	signedIn := opts.SignedIn
	if signedIn == (DocumentLimits{}) {
		signedIn = SignedInLimits()
	}
	// gqlgen's own parser limit backs up the budget below for every caller.
	srv.SetParserTokenLimit(signedIn.Tokens)
	if opts.Guard != nil {
		srv.Use(resolvers.Introspection{})
	} else {
		srv.Use(extension.Introspection{})
	}
	srv.Use(resolvers.InputLimits{Schema: opts.Schema.Schema()})
	srv.Use(extension.AutomaticPersistedQuery{Cache: lru.New[string](1000)})
	// After the persisted query extension, which may fill in the query text.
	srv.Use(documentBudget{cache: queries, anonymous: anonymousLimits(opts), signedIn: signedIn})
	if opts.MaxComplexity > 0 {
		srv.Use(extension.FixedComplexityLimit(opts.MaxComplexity))
	}
	srv.Use(depthLimit{max: opts.MaxDepth})
	// A socket's credential is checked again before the guard decides anything.
	srv.AroundOperations(opts.Auth.Operations())
	srv.AroundOperations(capSubscriptions)
	if opts.Guard != nil {
		srv.AroundOperations(opts.Guard.Operations())
		srv.AroundFields(opts.Guard.Fields())
	}
	if opts.AroundOperations != nil {
		srv.AroundOperations(opts.AroundOperations)
	}
	srv.SetErrorPresenter(resolvers.PresentError)
	srv.SetRecoverFunc(resolvers.Recover(opts.Logger))
	return srv
}

// maxJSONBody bounds a signed-in request that is not an upload: the largest sensible query
// with its variables (a batch of a few hundred aliased mutations) fits many times over.
const maxJSONBody = 2 << 20

func anonymousLimits(opts Options) DocumentLimits {
	if opts.Anonymous == (DocumentLimits{}) {
		return AnonymousLimits()
	}
	return opts.Anonymous
}

// uploadLimit is the largest multipart request: the largest file plus room for the
// operation itself.
func uploadLimit(opts Options) int64 { return max(opts.MaxUploadBytes, 1<<20) + 1<<20 }

// spoolUnknownLengthUploads makes gqlgen spool a streamed (chunked) multipart upload to a
// temporary file: it decides between memory and disk on Content-Length alone, and a
// length of -1 would otherwise read the whole file into memory.
// Claiming the upload limit as the length keeps gqlgen's own size check meaningful: the
// body is still cut off at that limit while it is read.
func spoolUnknownLengthUploads(next http.Handler, limit int64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength < 0 && strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/") {
			r.ContentLength = limit
		}
		next.ServeHTTP(w, r)
	})
}

func readyz(c *health.Checker) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rep := c.Check(r.Context())
		code := http.StatusOK
		if !rep.OK() {
			code = http.StatusServiceUnavailable
		}
		services := map[string]any{}
		for _, res := range rep.Results {
			// Anyone may ask: the probe's own error may name internal addresses.
			services[res.Name] = map[string]any{"ok": res.OK, "latencyMs": res.LatencyMs, "error": res.Summary}
		}
		writeJSON(w, code, map[string]any{"ready": rep.OK(), "checkedAt": rep.CheckedAt, "services": services})
	})
}

// spa serves the built single-page app: real files as they are, any other path without a
// file extension as index.html so that client-side routes survive a reload.
func spa(dist fs.FS) http.Handler {
	if dist == nil {
		return notBuilt()
	}
	if _, err := fs.Stat(dist, "index.html"); err != nil {
		return notBuilt()
	}
	files := http.FileServerFS(dist)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		p := strings.TrimPrefix(path.Clean(r.URL.Path), "/")
		if p == "" || p == "." {
			p = "index.html"
		}
		if _, err := fs.Stat(dist, p); err != nil {
			if path.Ext(p) != "" {
				http.NotFound(w, r)
				return
			}
			r = r.Clone(r.Context())
			r.URL.Path = "/"
			p = "index.html"
		}
		if strings.HasPrefix(p, "assets/") {
			// Vite puts a content hash in every asset name.
			w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			w.Header().Set("Cache-Control", "no-cache")
		}
		files.ServeHTTP(w, r)
	})
}

func notBuilt() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "the SPA was not built into this binary: run `make web` and rebuild (GraphQL is at /graphql)", http.StatusServiceUnavailable)
	})
}

// withRequestID gives every request an id of the server's making, answered in
// X-Request-ID. An id the client sent is never used as the request's: it is kept apart,
// checked and length-limited (reqid.Client), as the client's own, for the audit log.
func withRequestID(logger *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := reqid.New()
		w.Header().Set(reqid.Header, id)
		ctx := reqid.WithClient(reqid.With(r.Context(), id), r.Header.Get(reqid.Header))
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

// Shutdown stops srv, giving in-flight requests up to grace.
func Shutdown(srv *http.Server, grace time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	return srv.Shutdown(ctx)
}

// Package apitest drives the aomas API the way notebooks and scanners do: over HTTP only,
// against real resolvers, PostgreSQL, Redis and MinIO.
package apitest

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/hibiken/asynq"
	"github.com/jmoiron/sqlx"
	"github.com/stretchr/testify/require"

	"github.com/aomas/aomas/ingest"
	"github.com/aomas/aomas/internal/auth"
	"github.com/aomas/aomas/internal/export"
	"github.com/aomas/aomas/internal/health"
	"github.com/aomas/aomas/internal/intake"
	"github.com/aomas/aomas/internal/labels"
	"github.com/aomas/aomas/internal/registry"
	"github.com/aomas/aomas/internal/testenv"
	"github.com/aomas/aomas/jobs"
	"github.com/aomas/aomas/rbac"
	"github.com/aomas/aomas/resolvers"
	"github.com/aomas/aomas/server"
	"github.com/aomas/aomas/storage"
)

// countingDB counts the statements sent to PostgreSQL.
type countingDB struct {
	*sqlx.DB
	n atomic.Int64
}

func (c *countingDB) QueryxContext(ctx context.Context, q string, args ...any) (*sqlx.Rows, error) {
	c.n.Add(1)
	return c.DB.QueryxContext(ctx, q, args...)
}

func (c *countingDB) QueryRowxContext(ctx context.Context, q string, args ...any) *sqlx.Row {
	c.n.Add(1)
	return c.DB.QueryRowxContext(ctx, q, args...)
}

func (c *countingDB) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	c.n.Add(1)
	return c.DB.QueryContext(ctx, q, args...)
}

func (c *countingDB) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	c.n.Add(1)
	return c.DB.ExecContext(ctx, q, args...)
}

type api struct {
	t   *testing.T
	url string
	db  *countingDB
	raw *sqlx.DB
	// policy is the server's enforcer; token is the admin's, sent with every request
	// unless a request sets its own Authorization.
	policy *rbac.Enforcer
	token  string
	admin  auth.User
	store  *storage.Store
	// exports is the server's export service (a folder destination, no worker: tests run
	// exports with exports.Run, as the worker's handler does).
	exports *export.Service
}

const maxUpload = 24 << 20

func newAPI(t *testing.T) *api { t.Helper(); return newAPIWith(t, nil) }

// setup is what a test may adjust before its server starts.
type setup struct {
	guard   *resolvers.Guard
	checker *health.Checker
	// res and conn are the server's, for parts a test adds (the DICOM service).
	res  *resolvers.Resolver
	conn *sqlx.DB
	// dicomweb, when a test sets it, is served at /dicomweb/.
	dicomweb http.Handler
}

// newAPIWith is newAPI with adjust applied to the server's parts before it starts.
func newAPIWith(t *testing.T, adjust func(*setup)) *api {
	t.Helper()
	conn := testenv.Postgres(t)
	rdb, redisURL := testenv.Redis(t)
	store := testenv.Store(t)
	cdb := &countingDB{DB: conn}
	policy, err := rbac.New(context.Background(), conn, nil)
	require.NoError(t, err)
	accounts, err := auth.NewAccounts(conn, auth.AccountsConfig{})
	require.NoError(t, err)
	guard := &resolvers.Guard{Enforcer: policy, Audit: conn}
	checker := server.NewChecker(conn, rdb, store)
	// Runs are started (and refused) for real; no worker runs them here.
	opt, err := asynq.ParseRedisURI(redisURL)
	require.NoError(t, err)
	client, insp := asynq.NewClient(opt), asynq.NewInspector(opt)
	t.Cleanup(func() { _ = client.Close(); _ = insp.Close() })
	pipe := jobs.NewPipeline(jobs.Deps{DB: conn, Queue: client, Redis: rdb, Inspector: insp,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), MaxRetry: 3})
	res := &resolvers.Resolver{
		Pipeline:    pipe,
		Checker:     checker,
		DB:          cdb,
		Store:       store,
		Intake:      &intake.Service{DB: cdb, Store: store, SubjectKey: []byte("test-subject-key-0123"), MaxBytes: maxUpload, TempDir: t.TempDir()},
		Labels:      &labels.Service{DB: cdb, Store: store},
		Slices:      resolvers.NewSlicer(0, 0, ingest.Options{}),
		LayerTables: resolvers.NewLayerTables(0),
		Exports: &export.Service{DB: cdb, Folder: &export.DirSink{Dir: t.TempDir()}, Labels: &labels.Service{DB: cdb, Store: store},
			Queue: client, Redis: rdb, URLKey: []byte("test-export-link-key")},

		Enforcer: policy,
		Accounts: accounts,
		Audit:    conn,
		Registry: &registry.Service{DB: cdb, Store: store, ORTLib: os.Getenv("AOMAS_ORT_LIB")},
	}
	st := &setup{guard: guard, checker: checker, res: res, conn: conn}
	if adjust != nil {
		adjust(st)
	}
	h := server.New(server.Options{
		Schema: resolvers.Schema(res, guard),
		Guard:  guard,
		Auth: &server.Auth{Accounts: accounts, Sessions: auth.NewSessions(conn, nil), Tokens: auth.NewTokens(conn, auth.TokensConfig{}),
			Login: auth.NewLimiter(auth.LoginLimit()), Audit: conn},
		Checker:          checker,
		MaxDepth:         12,
		MaxComplexity:    50000,
		AroundOperations: res.LoaderMiddleware(),
		MaxUploadBytes:   maxUpload,
		DICOMweb:         st.dicomweb,
	})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	admin, token := testenv.Account(t, conn, policy, rbac.RoleAdmin, rbac.AllProjects)
	return &api{t: t, url: srv.URL + "/graphql", db: cdb, raw: conn, policy: policy, token: token, admin: admin, store: store, exports: res.Exports}
}

type gqlError struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

type response struct {
	Data   json.RawMessage `json:"data"`
	Errors []gqlError      `json:"errors"`
	status int
}

func (a *api) do(req *http.Request) response {
	a.t.Helper()
	if a.token != "" && req.Header.Get("Authorization") == "" {
		req.Header.Set("Authorization", "Bearer "+a.token)
	}
	return a.send(req)
}

// send sends req as it is and decodes the GraphQL response.
func (a *api) send(req *http.Request) response {
	a.t.Helper()
	resp, err := http.DefaultClient.Do(req)
	require.NoError(a.t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(a.t, err)
	var out response
	require.NoError(a.t, json.Unmarshal(body, &out), "status %d: %s", resp.StatusCode, body)
	out.status = resp.StatusCode
	return out
}

// query posts a GraphQL request as application/json.
func (a *api) query(q string, vars map[string]any) response {
	a.t.Helper()
	body, _ := json.Marshal(map[string]any{"query": q, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, a.url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	return a.do(req)
}

// mustQuery posts q, requires no errors and decodes data into out.
func (a *api) mustQuery(q string, vars map[string]any, out any) {
	a.t.Helper()
	res := a.query(q, vars)
	require.Empty(a.t, res.Errors, "query %s", q)
	require.NoError(a.t, json.Unmarshal(res.Data, out))
}

const uploadMutation = `mutation($file: Upload!, $input: UploadVolumeInput!) {
  uploadVolume(file: $file, input: $input) {
    duplicate
    volume { id status errorCode error sourceFormat modality dims { z y x } spacingUm { x y z } dataType sizeBytes sha256 downloadUrl }
  }
}`

type volumeData struct {
	ID           string
	Status       string
	ErrorCode    *string
	Error        *string
	SourceFormat string
	Modality     string
	Dims         struct{ Z, Y, X int }
	SpacingUm    struct{ X, Y, Z *float64 }
	DataType     string
	SizeBytes    int64
	Sha256       *string
	DownloadURL  *string
}

type uploadData struct {
	UploadVolume *struct {
		Duplicate bool
		Volume    volumeData
	}
}

// upload sends one file per the GraphQL multipart request spec.
func (a *api) upload(name string, content []byte, input map[string]any) (uploadData, response) {
	a.t.Helper()
	res := a.uploadQuery(uploadMutation, name, content, input)
	var d uploadData
	if len(res.Data) > 0 && string(res.Data) != "null" {
		require.NoError(a.t, json.Unmarshal(res.Data, &d))
	}
	return d, res
}

// uploadQuery sends q with content bound to $file and input to $input.
func (a *api) uploadQuery(q, name string, content []byte, input map[string]any) response {
	a.t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	ops, _ := json.Marshal(map[string]any{"query": q, "variables": map[string]any{"file": nil, "input": input}})
	require.NoError(a.t, w.WriteField("operations", string(ops)))
	require.NoError(a.t, w.WriteField("map", `{"0":["variables.file"]}`))
	part, err := w.CreateFormFile("0", filepath.Base(name))
	require.NoError(a.t, err)
	_, err = part.Write(content)
	require.NoError(a.t, err)
	require.NoError(a.t, w.Close())
	req, _ := http.NewRequest(http.MethodPost, a.url, &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	return a.do(req)
}

func (a *api) createCase(code string, tags ...string) string {
	a.t.Helper()
	var d struct {
		CreateCase struct{ Case struct{ ID string } }
	}
	if tags == nil {
		tags = []string{}
	}
	a.mustQuery(`mutation($in: CreateCaseInput!) { createCase(input: $in) { case { id } } }`,
		map[string]any{"in": map[string]any{"subjectCode": code, "eye": "OD", "eccentricityDeg": 1.5, "tags": tags}}, &d)
	require.NotEmpty(a.t, d.CreateCase.Case.ID)
	return d.CreateCase.Case.ID
}

// healthy checks the server still answers and every service is up.
func (a *api) healthy() {
	a.t.Helper()
	var d struct {
		Health struct{ Postgres, Redis, ObjectStorage bool }
	}
	a.mustQuery(`{ health { postgres redis objectStorage } }`, nil, &d)
	require.True(a.t, d.Health.Postgres && d.Health.Redis && d.Health.ObjectStorage, "%+v", d)
}

func decode(res response, out any) error { return json.Unmarshal(res.Data, out) }

package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"
	"github.com/stretchr/testify/require"

	"github.com/aomas/aomas/internal/health"
	"github.com/aomas/aomas/internal/testenv"
	"github.com/aomas/aomas/resolvers"
	"github.com/aomas/aomas/server"
	"github.com/aomas/aomas/storage"
)

// newServer serves aomas over real PostgreSQL, Redis and MinIO; a non-empty s3Endpoint
// points object storage elsewhere (a dead port) to see a service down.
func newServer(t *testing.T, s3Endpoint string) *httptest.Server {
	t.Helper()
	conn := testenv.Postgres(t)
	rdb, _ := testenv.Redis(t)
	store := testenv.Store(t)
	if s3Endpoint != "" {
		cfg := testenv.S3Config(t)
		cfg.Endpoint = s3Endpoint
		var err error
		store, err = storage.New(cfg)
		require.NoError(t, err)
	}
	checker := server.NewChecker(conn, rdb, store)
	checker.Timeout = 500 * time.Millisecond
	spa := fstest.MapFS{
		"index.html":      {Data: []byte("<!doctype html><title>aomas</title>")},
		"assets/app-1.js": {Data: []byte("console.log(1)")},
	}
	guard := resolvers.PublicOnly()
	h := server.New(server.Options{
		Schema:        resolvers.Schema(&resolvers.Resolver{Checker: checker, MinHealthInterval: 100 * time.Millisecond}, guard),
		Guard:         guard,
		Checker:       checker,
		SPA:           spa,
		MaxDepth:      4,
		MaxComplexity: 50,
	})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

type gqlResponse struct {
	Data   json.RawMessage `json:"data"`
	Errors []struct {
		Message    string         `json:"message"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
}

func post(t *testing.T, url, query string) gqlResponse {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query})
	resp, err := http.Post(url+"/graphql", "application/json", bytes.NewReader(body))
	require.NoError(t, err)
	defer resp.Body.Close()
	var out gqlResponse
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
	return out
}

type healthData struct {
	Health struct {
		Postgres, Redis, ObjectStorage bool
		CheckedAt                      time.Time
		Services                       []struct {
			Name  string
			Ok    bool
			Error *string
		}
	}
}

func TestHealthQueryReportsEachService(t *testing.T) {
	t.Run("all up", func(t *testing.T) {
		srv := newServer(t, "")
		res := post(t, srv.URL, `{ health { postgres redis objectStorage checkedAt services { name ok error } } }`)
		require.Empty(t, res.Errors)
		var d healthData
		require.NoError(t, json.Unmarshal(res.Data, &d))
		require.True(t, d.Health.Postgres)
		require.True(t, d.Health.Redis)
		require.True(t, d.Health.ObjectStorage)
		require.WithinDuration(t, time.Now(), d.Health.CheckedAt, time.Minute)
		require.Len(t, d.Health.Services, 3)

		resp, err := http.Get(srv.URL + "/readyz")
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode)
	})
	t.Run("object storage down, server still answers", func(t *testing.T) {
		srv := newServer(t, "127.0.0.1:1")
		res := post(t, srv.URL, `{ health { postgres redis objectStorage services { name ok error } } }`)
		require.Empty(t, res.Errors)
		var d healthData
		require.NoError(t, json.Unmarshal(res.Data, &d))
		require.True(t, d.Health.Postgres)
		require.True(t, d.Health.Redis)
		require.False(t, d.Health.ObjectStorage)
		for _, s := range d.Health.Services {
			if s.Name == health.ObjectStorage {
				require.NotNil(t, s.Error)
			}
		}
		resp, err := http.Get(srv.URL + "/readyz")
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
		resp, err = http.Get(srv.URL + "/healthz")
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode, "liveness does not depend on other services")
	})
}

func TestGraphQLOverGET(t *testing.T) {
	srv := newServer(t, "")
	resp, err := http.Get(srv.URL + "/graphql?query=" + strings.ReplaceAll("{ version { goVersion } }", " ", "%20"))
	require.NoError(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	require.Equal(t, http.StatusOK, resp.StatusCode, string(b))
	require.Contains(t, string(b), `"goVersion":"go1.`)
}

func TestLimitsAndErrorCodes(t *testing.T) {
	srv := newServer(t, "")
	tests := []struct {
		name, query, code string
	}{
		{"unknown field", `{ nope }`, "GRAPHQL_VALIDATION_FAILED"},
		{"syntax", `{ health { `, "GRAPHQL_PARSE_FAILED"},
		{"too complex", `{ a: health { postgres } b: health { postgres } c: health { postgres } d: health { postgres } e: health { postgres } f: health { postgres } g: health { postgres } h: health { postgres } i: health { postgres } j: health { postgres } k: health { postgres } l: health { postgres } m: health { postgres } n: health { postgres } o: health { postgres } p: health { postgres } q: health { postgres } r: health { postgres } s: health { postgres } t: health { postgres } u: health { postgres } v: health { postgres } w: health { postgres } x: health { postgres } y: health { postgres } z: health { postgres } }`, "COMPLEXITY_LIMIT_EXCEEDED"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := post(t, srv.URL, tc.query)
			require.NotEmpty(t, res.Errors)
			require.Equal(t, tc.code, res.Errors[0].Extensions["code"], res.Errors[0].Message)
		})
	}
}

func TestSPAServesFilesAndFallsBackToIndex(t *testing.T) {
	srv := newServer(t, "")
	for path, want := range map[string]string{
		"/":                "<title>aomas</title>",
		"/cases/42":        "<title>aomas</title>", // a client-side route survives a reload
		"/assets/app-1.js": "console.log(1)",
	} {
		resp, err := http.Get(srv.URL + path)
		require.NoError(t, err)
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode, path)
		require.Contains(t, string(b), want, path)
	}
	resp, err := http.Get(srv.URL + "/assets/missing.js")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusNotFound, resp.StatusCode)

	resp, err = http.Get(srv.URL + "/metrics")
	require.NoError(t, err)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Contains(t, string(b), `aomas_http_requests_total{code="200",route="spa"}`)
}

// TestHealthSubscriptionOverGraphQLTransportWS speaks the graphql-transport-ws protocol
// over a real websocket and sees reports arrive in order.
func TestHealthSubscriptionOverGraphQLTransportWS(t *testing.T) {
	srv := newServer(t, "")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	conn, resp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http")+"/graphql",
		&websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
	require.NoError(t, err)
	defer conn.CloseNow()
	require.Equal(t, "graphql-transport-ws", resp.Header.Get("Sec-WebSocket-Protocol"))

	type msg struct {
		ID      string          `json:"id,omitempty"`
		Type    string          `json:"type"`
		Payload json.RawMessage `json:"payload,omitempty"`
	}
	require.NoError(t, wsjson.Write(ctx, conn, msg{Type: "connection_init"}))
	var ack msg
	require.NoError(t, wsjson.Read(ctx, conn, &ack))
	require.Equal(t, "connection_ack", ack.Type)

	sub, _ := json.Marshal(map[string]any{"query": `subscription { healthChanged(everyMs: 100) { postgres redis objectStorage checkedAt } }`})
	require.NoError(t, wsjson.Write(ctx, conn, msg{ID: "1", Type: "subscribe", Payload: sub}))
	var last time.Time
	for i := 0; i < 3; i++ {
		var m msg
		require.NoError(t, wsjson.Read(ctx, conn, &m))
		if m.Type == "ping" {
			i--
			continue
		}
		require.Equal(t, "next", m.Type, string(m.Payload))
		require.Equal(t, "1", m.ID)
		var p struct {
			Data struct {
				HealthChanged struct {
					Postgres, Redis, ObjectStorage bool
					CheckedAt                      time.Time
				}
			}
		}
		require.NoError(t, json.Unmarshal(m.Payload, &p))
		h := p.Data.HealthChanged
		require.True(t, h.Postgres && h.Redis && h.ObjectStorage, string(m.Payload))
		require.True(t, h.CheckedAt.After(last), "reports arrive in order")
		last = h.CheckedAt
	}
	require.NoError(t, wsjson.Write(ctx, conn, msg{ID: "1", Type: "complete"}))
	require.NoError(t, conn.Close(websocket.StatusNormalClosure, ""))
}

func TestWebsocketRefusesForeignOrigin(t *testing.T) {
	srv := newServer(t, "")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, resp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http")+"/graphql", &websocket.DialOptions{
		Subprotocols: []string{"graphql-transport-ws"},
		HTTPHeader:   http.Header{"Origin": []string{"https://evil.example"}},
	})
	require.Error(t, err)
	require.Equal(t, http.StatusForbidden, resp.StatusCode)
}

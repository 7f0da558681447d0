package resolvers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"
	"github.com/hibiken/asynq"
	"github.com/jmoiron/sqlx"
	"github.com/stretchr/testify/require"

	"github.com/aomas/aomas/internal/auth"
	"github.com/aomas/aomas/internal/gid"
	"github.com/aomas/aomas/internal/labels"
	"github.com/aomas/aomas/internal/testenv"
	"github.com/aomas/aomas/jobs"
	"github.com/aomas/aomas/jobs/worker"
	"github.com/aomas/aomas/rbac"
	"github.com/aomas/aomas/resolvers"
	"github.com/aomas/aomas/server"
	"github.com/aomas/aomas/storage"
)

// pipelineAPI is the GraphQL API over real services with the pipeline wired in, and the
// means to run an in-process worker.
type pipelineAPI struct {
	t     *testing.T
	url   string
	conn  *sqlx.DB
	store *storage.Store
	opt   asynq.RedisConnOpt
	deps  worker.Deps
	token string
}

func newPipelineAPI(t *testing.T) *pipelineAPI {
	t.Helper()
	conn := testenv.Postgres(t)
	rdb, redisURL := testenv.Redis(t)
	store := testenv.Store(t)
	opt, err := asynq.ParseRedisURI(redisURL)
	require.NoError(t, err)
	client, insp := asynq.NewClient(opt), asynq.NewInspector(opt)
	t.Cleanup(func() { _ = client.Close(); _ = insp.Close() })
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	deps := worker.Deps{DB: conn, Objects: store, Queue: client, Redis: rdb, Inspector: insp,
		Logger: logger, WorkerID: "test-worker", Lease: 10 * time.Second, MaxRetry: 3}
	checker := server.NewChecker(conn, rdb, store)
	res := &resolvers.Resolver{Checker: checker, DB: conn, Store: store, Pipeline: jobs.NewPipeline(jobs.Deps{DB: conn, Queue: client, Redis: rdb, Inspector: insp, Logger: logger, MaxRetry: 3})}
	res.Labels = &labels.Service{DB: conn, Store: store}
	policy, err := rbac.New(context.Background(), conn, nil)
	require.NoError(t, err)
	accounts, err := auth.NewAccounts(conn, auth.AccountsConfig{})
	require.NoError(t, err)
	guard := &resolvers.Guard{Enforcer: policy, Audit: conn}
	srv := httptest.NewServer(server.New(server.Options{
		Schema: resolvers.Schema(res, guard), Guard: guard, Checker: checker,
		Auth:     &server.Auth{Accounts: accounts, Sessions: auth.NewSessions(conn, nil), Tokens: auth.NewTokens(conn, auth.TokensConfig{}), Audit: conn},
		MaxDepth: 12, MaxComplexity: 50000, AroundOperations: res.LoaderMiddleware(),
	}))
	t.Cleanup(srv.Close)
	// An ML engineer may start, cancel and retry runs, watch them and read the queues: what these tests do.
	_, token := testenv.Account(t, conn, policy, rbac.RoleMLEngineer, rbac.AllProjects)
	return &pipelineAPI{t: t, url: srv.URL + "/graphql", conn: conn, store: store, opt: opt, deps: deps, token: token}
}

func (a *pipelineAPI) startWorker() {
	srv := asynq.NewServer(a.opt, asynq.Config{Concurrency: 2, Queues: jobs.DefaultQueues(), LogLevel: asynq.FatalLevel,
		TaskCheckInterval: 2 * time.Millisecond, DelayedTaskCheckInterval: 200 * time.Millisecond, RetryDelayFunc: worker.RetryDelay})
	require.NoError(a.t, srv.Start(worker.NewServeMux(a.deps)))
	a.t.Cleanup(srv.Shutdown)
}

// query posts q and decodes data into out; it returns the errors' codes.
func (a *pipelineAPI) query(q string, vars map[string]any, out any) []string {
	a.t.Helper()
	body, _ := json.Marshal(map[string]any{"query": q, "variables": vars})
	req, err := http.NewRequest(http.MethodPost, a.url, bytes.NewReader(body))
	require.NoError(a.t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+a.token)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(a.t, err)
	defer resp.Body.Close()
	var res struct {
		Data   json.RawMessage
		Errors []struct {
			Message    string
			Extensions map[string]any
		}
	}
	require.NoError(a.t, json.NewDecoder(resp.Body).Decode(&res))
	var codes []string
	for _, e := range res.Errors {
		codes = append(codes, fmt.Sprint(e.Extensions["code"]))
	}
	if out != nil && len(res.Data) > 0 && string(res.Data) != "null" {
		require.NoError(a.t, json.Unmarshal(res.Data, out))
	}
	return codes
}

// newVolume stores a READY raw float32 cone-mosaic volume and returns its global id.
func (a *pipelineAPI) newVolume(seed uint64, size, frames int) (string, int64) {
	a.t.Helper()
	vol := testenv.PhantomVolume(a.t, a.conn, a.store, seed, size, frames)
	return gid.Encode("Volume", vol), vol
}

type wsMsg struct {
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

type progressEvent struct {
	RunID    string
	Step     string
	Fraction float64
	Message  string
	Status   string
	At       time.Time
}

type runView struct {
	ID       string
	Status   string
	Progress *progressEvent
	Steps    []struct {
		Name     string
		Status   string
		Attempts int
		Error    *string
	}
}

const runQuery = `query($id: ID!) { run(id: $id) { id status progress { step fraction message status } steps { name status attempts error } } }`

// TestRunProgressOverGraphQLTransportWS starts a run by mutation and follows it over a
// graphql-transport-ws subscription: the events come in order and end with the final
// state, which run(id){progress} then reports too; runsChanged sees the run finish.
func TestRunProgressOverGraphQLTransportWS(t *testing.T) {
	a := newPipelineAPI(t)
	volID, _ := a.newVolume(3, 64, 2)
	var started struct{ StartRun struct{ ID, Status string } }
	require.Empty(t, a.query(`mutation($v: ID!) { startRun(input: {volumeId: $v, params: "{\"eccentricityDeg\": 3}"}) { id status } }`,
		map[string]any{"v": volID}, &started))
	require.Equal(t, "QUEUED", started.StartRun.Status)
	runID := started.StartRun.ID

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(a.url, "http"), &websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
	require.NoError(t, err)
	defer conn.CloseNow()
	init, _ := json.Marshal(map[string]string{"Authorization": "Bearer " + a.token})
	require.NoError(t, wsjson.Write(ctx, conn, wsMsg{Type: "connection_init", Payload: init}))
	var ack wsMsg
	require.NoError(t, wsjson.Read(ctx, conn, &ack))
	require.Equal(t, "connection_ack", ack.Type)
	subscribe := func(id, q string, vars map[string]any) {
		b, _ := json.Marshal(map[string]any{"query": q, "variables": vars})
		require.NoError(t, wsjson.Write(ctx, conn, wsMsg{ID: id, Type: "subscribe", Payload: b}))
	}
	subscribe("p", `subscription($id: ID!) { runProgress(runId: $id) { runId step fraction message status at } }`, map[string]any{"id": runID})
	subscribe("r", `subscription { runsChanged(filter: {status: SUCCEEDED}) { id status } }`, nil)
	// The first event is the stored state; start the worker once it is here, so that the
	// subscription sees the whole run.
	var events []progressEvent
	var finished []string
	progressDone := false
	for !progressDone || len(finished) == 0 {
		var m wsMsg
		require.NoError(t, wsjson.Read(ctx, conn, &m))
		switch {
		case m.Type == "ping":
			continue
		case m.ID == "p" && m.Type == "complete":
			progressDone = true
		case m.ID == "p":
			require.Equal(t, "next", m.Type, string(m.Payload))
			var p struct {
				Data struct{ RunProgress progressEvent }
			}
			require.NoError(t, json.Unmarshal(m.Payload, &p))
			events = append(events, p.Data.RunProgress)
			if len(events) == 1 {
				require.Equal(t, "QUEUED", events[0].Status)
				a.startWorker()
			}
		case m.ID == "r":
			require.Equal(t, "next", m.Type, string(m.Payload))
			var r struct {
				Data struct{ RunsChanged struct{ ID, Status string } }
			}
			require.NoError(t, json.Unmarshal(m.Payload, &r))
			require.Equal(t, "SUCCEEDED", r.Data.RunsChanged.Status)
			finished = append(finished, r.Data.RunsChanged.ID)
		}
	}
	require.Contains(t, finished, runID)
	require.GreaterOrEqual(t, len(events), 11, "queued, then a start and an end per step at least")
	for i, ev := range events {
		require.Equal(t, runID, ev.RunID)
		if i > 0 {
			require.False(t, ev.At.Before(events[i-1].At), "event %d comes before the one before it", i)
			require.GreaterOrEqual(t, ev.Fraction, events[i-1].Fraction, "event %d: progress goes backwards", i)
		}
	}
	last := events[len(events)-1]
	require.Equal(t, "SUCCEEDED", last.Status)
	require.InDelta(t, 1, last.Fraction, 1e-9)
	t.Logf("%d progress events, last %+v", len(events), last)

	var got struct{ Run runView }
	require.Empty(t, a.query(runQuery, map[string]any{"id": runID}, &got))
	require.Equal(t, "SUCCEEDED", got.Run.Status)
	require.Equal(t, "SUCCEEDED", got.Run.Progress.Status)
	require.Len(t, got.Run.Steps, 5)
	for _, s := range got.Run.Steps {
		require.Equal(t, "SUCCEEDED", s.Status, s.Name)
		require.Equal(t, 1, s.Attempts, s.Name)
	}
	var metrics struct {
		Metrics struct {
			Edges []struct {
				Node struct {
					Name              string
					Value             float64
					Unit              string
					Ci95Low, Ci95High *float64
				}
			}
		}
	}
	require.Empty(t, a.query(`query($id: ID) { metrics(filter: {runId: $id}) { edges { node { name value unit ci95Low ci95High } } } }`,
		map[string]any{"id": runID}, &metrics))
	names := map[string]bool{}
	for _, e := range metrics.Metrics.Edges {
		names[e.Node.Name] = true
		if e.Node.Name == "cone_density" {
			require.NotNil(t, e.Node.Ci95Low)
			require.LessOrEqual(t, *e.Node.Ci95Low, e.Node.Value)
		}
	}
	require.True(t, names["cone_density"] && names["cone_count"] && names["nnd"], "metrics: %v", names)

	var qs struct {
		Queues []struct {
			Name            string
			Pending, Active int
			Dead            int
		}
	}
	require.Empty(t, a.query(`{ queues { name pending active dead } }`, nil, &qs))
	require.NotEmpty(t, qs.Queues)
}

// TestFailedStepOverGraphQL shows a step that fails for good in run(id){steps{error}},
// refuses to cancel the failed run, and retries it from the failed step.
func TestFailedStepOverGraphQL(t *testing.T) {
	a := newPipelineAPI(t)
	volID, vol := a.newVolume(5, 64, 1)
	_, err := a.conn.Exec(`UPDATE volumes SET dim_y = dim_y + 2 WHERE id = $1`, vol)
	require.NoError(t, err)
	a.startWorker()
	var started struct{ StartRun struct{ ID string } }
	require.Empty(t, a.query(`mutation($v: ID!) { startRun(input: {volumeId: $v, priority: batch}) { id } }`, map[string]any{"v": volID}, &started))
	runID := started.StartRun.ID

	var got struct{ Run runView }
	require.Eventually(t, func() bool {
		require.Empty(t, a.query(runQuery, map[string]any{"id": runID}, &got))
		return got.Run.Status == "FAILED"
	}, 30*time.Second, 20*time.Millisecond)
	steps := map[string]int{}
	for i, s := range got.Run.Steps {
		steps[s.Name] = i
	}
	pre := got.Run.Steps[steps["preprocess"]]
	require.Equal(t, "FAILED", pre.Status)
	require.NotNil(t, pre.Error)
	require.Contains(t, *pre.Error, "sidecar declares")
	require.Equal(t, "SUCCEEDED", got.Run.Steps[steps["validate"]].Status)
	require.Equal(t, "PENDING", got.Run.Steps[steps["segment"]].Status)
	require.Equal(t, "FAILED", got.Run.Progress.Status)
	t.Logf("run(id){steps{error}}: %s", *pre.Error)

	require.Equal(t, []string{"CONFLICT"}, a.query(`mutation($id: ID!) { cancelRun(id: $id) { id } }`, map[string]any{"id": runID}, nil))
	require.Equal(t, []string{"INVALID_INPUT"}, a.query(`mutation { startRun(input: {volumeId: "bm9wZQ"}) { id } }`, nil, nil))

	_, err = a.conn.Exec(`UPDATE volumes SET dim_y = dim_y - 2 WHERE id = $1`, vol)
	require.NoError(t, err)
	var retried struct{ RetryRun struct{ Status string } }
	require.Empty(t, a.query(`mutation($id: ID!) { retryRun(id: $id) { status } }`, map[string]any{"id": runID}, &retried))
	require.Equal(t, "QUEUED", retried.RetryRun.Status)
	require.Eventually(t, func() bool {
		require.Empty(t, a.query(runQuery, map[string]any{"id": runID}, &got))
		return got.Run.Status == "SUCCEEDED"
	}, 30*time.Second, 20*time.Millisecond)
	require.Equal(t, 1, got.Run.Steps[steps["validate"]].Attempts, "the finished step is reused")
	require.Equal(t, 2, got.Run.Steps[steps["preprocess"]].Attempts)
}

// TestStartRunUnknownModelVersion (issue 13, finding 11): a model version that does not
// exist is the caller's mistake, NOT_FOUND, not an INTERNAL foreign-key failure.
func TestStartRunUnknownModelVersion(t *testing.T) {
	a := newPipelineAPI(t)
	vol, _ := a.newVolume(7, 32, 2)
	codes := a.query(`mutation($in: StartRunInput!) { startRun(input: $in) { id } }`,
		map[string]any{"in": map[string]any{"volumeId": vol, "modelVersionId": gid.Encode("ModelVersion", 987654)}}, nil)
	require.Equal(t, []string{"NOT_FOUND"}, codes)
}

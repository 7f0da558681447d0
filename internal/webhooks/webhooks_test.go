package webhooks_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aomas/aomas/db"
	"github.com/aomas/aomas/internal/testenv"
	"github.com/aomas/aomas/internal/webhooks"
)

func TestValidate(t *testing.T) {
	for _, bad := range []string{"ftp://x/y", "file:///etc/passwd", "javascript:alert(1)", "http://", "https://u:p@host/x", "//host/x",
		"http://h/" + string(make([]byte, webhooks.MaxURLLength))} {
		require.ErrorIs(t, webhooks.Validate(bad, []string{webhooks.EventDriftAlert}), webhooks.ErrInvalid, bad)
	}
	require.ErrorIs(t, webhooks.Validate("https://h/x", nil), webhooks.ErrInvalid)
	require.ErrorIs(t, webhooks.Validate("https://h/x", []string{"run_finished"}), webhooks.ErrInvalid)
	require.NoError(t, webhooks.Validate("http://10.0.0.5:8080/hook?t=1", []string{webhooks.EventStageChanged, webhooks.EventDriftAlert}))
}

// receiver is a real HTTP endpoint that checks signatures and fails its first fails calls.
type receiver struct {
	mu     sync.Mutex
	secret string
	fails  int
	got    []http.Header
	bodies [][]byte
	bad    int
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	b, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	if req.Header.Get(webhooks.HeaderSignature) != webhooks.Sign(r.secret, b) {
		r.bad++
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	r.got = append(r.got, req.Header.Clone())
	r.bodies = append(r.bodies, b)
	if r.fails > 0 {
		r.fails--
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func TestDeliveriesSignedRetriedRecorded(t *testing.T) {
	ctx := context.Background()
	conn := testenv.Postgres(t)
	rec := &receiver{fails: 2}
	srv := httptest.NewServer(rec)
	defer srv.Close()

	w, secret, err := webhooks.Create(ctx, conn, "p1", srv.URL+"/hook", []string{webhooks.EventDriftAlert, webhooks.EventStageChanged}, nil)
	require.NoError(t, err)
	require.Len(t, secret, 64)
	rec.secret = secret
	// Another project's webhook hears nothing of p1.
	other := &receiver{}
	osrv := httptest.NewServer(other)
	defer osrv.Close()
	_, osecret, err := webhooks.Create(ctx, conn, "p2", osrv.URL, []string{webhooks.EventDriftAlert, webhooks.EventStageChanged}, nil)
	require.NoError(t, err)
	other.secret = osecret

	p1 := "p1"
	require.NoError(t, webhooks.Enqueue(ctx, conn, &p1, webhooks.EventDriftAlert, map[string]any{"feature": "snr"}, time.Now()))
	const backoff = 200 * time.Millisecond
	d := &webhooks.Dispatcher{DB: conn, Backoff: backoff, MaxAttempts: 5}
	require.Eventually(t, func() bool {
		_, err := d.Pass(ctx)
		require.NoError(t, err)
		rec.mu.Lock()
		defer rec.mu.Unlock()
		return len(rec.got) == 3
	}, 10*time.Second, 20*time.Millisecond)
	_, err = d.Pass(ctx)
	require.NoError(t, err)

	rec.mu.Lock()
	require.Zero(t, rec.bad, "every request carries the right signature")
	require.Len(t, rec.got, 3, "delivered once, not again")
	for _, h := range rec.got {
		require.Equal(t, webhooks.EventDriftAlert, h.Get(webhooks.HeaderEvent))
		require.Equal(t, rec.got[0].Get(webhooks.HeaderDelivery), h.Get(webhooks.HeaderDelivery), "the attempts share the delivery id")
		require.NotEmpty(t, h.Get(webhooks.HeaderTimestamp))
	}
	var body struct {
		Event string         `json:"event"`
		Data  map[string]any `json:"data"`
	}
	require.NoError(t, json.Unmarshal(rec.bodies[2], &body))
	require.Equal(t, "drift_alert", body.Event)
	require.Equal(t, "snr", body.Data["feature"])
	rec.mu.Unlock()

	ds, err := db.WebhookDeliveries(ctx, conn, "p1", w.ID, 20)
	require.NoError(t, err)
	require.Len(t, ds, 3)
	// Newest first: attempt 3 delivered, 2 and 1 failed with 503; each retry waited twice as long.
	require.Equal(t, []int{3, 2, 1}, []int{ds[0].Attempt, ds[1].Attempt, ds[2].Attempt})
	require.NotNil(t, ds[0].DeliveredAt)
	require.Equal(t, 204, *ds[0].StatusCode)
	for _, f := range ds[1:] {
		require.Nil(t, f.DeliveredAt)
		require.Equal(t, 503, *f.StatusCode)
		require.Equal(t, "HTTP 503", *f.Error)
	}
	gap1, gap2 := ds[1].NextAt.Sub(*ds[2].NextAt), ds[0].NextAt.Sub(*ds[1].NextAt)
	require.GreaterOrEqual(t, gap1, backoff)
	require.GreaterOrEqual(t, gap2, 2*backoff)
	t.Logf("retries after %v and %v (backoff %v, doubling)", gap1, gap2, backoff)
	none, err := db.WebhookDeliveries(ctx, conn, "p2", w.ID, 20)
	require.NoError(t, err)
	require.Empty(t, none, "p1's webhook is not p2's to read")
	other.mu.Lock()
	require.Empty(t, other.got)
	other.mu.Unlock()

	t.Run("stage changes become events once, for the model's project", func(t *testing.T) {
		var model, version int64
		require.NoError(t, conn.Get(&model, `INSERT INTO models (name, task, modality, project) VALUES ('m-p1', 'cones', 'confocal', 'p1') RETURNING id`))
		require.NoError(t, conn.Get(&version, `INSERT INTO model_versions (model_id, version, weights_key, weights_sha256, card)
			VALUES ($1, '1.0.0', 'k', repeat('a', 64), '{}') RETURNING id`, model))
		_, err := conn.Exec(`INSERT INTO stage_changes (model_version_id, from_stage, to_stage, reason) VALUES ($1, 'CANDIDATE', 'SHADOW', 'try')`, version)
		require.NoError(t, err)
		for range 3 {
			_, err := d.Pass(ctx)
			require.NoError(t, err)
		}
		rec.mu.Lock()
		defer rec.mu.Unlock()
		require.Len(t, rec.got, 4)
		require.Equal(t, webhooks.EventStageChanged, rec.got[3].Get(webhooks.HeaderEvent))
		var body struct {
			Data map[string]any `json:"data"`
		}
		require.NoError(t, json.Unmarshal(rec.bodies[3], &body))
		require.Equal(t, "SHADOW", body.Data["to"])
		require.Equal(t, "m-p1", body.Data["model"])
		other.mu.Lock()
		defer other.mu.Unlock()
		require.Empty(t, other.got, "another project's model is none of p2's business")
	})

	t.Run("a deactivated webhook gets nothing more", func(t *testing.T) {
		_, err := db.DeactivateWebhook(ctx, conn, "p2", w.ID)
		require.ErrorIs(t, err, db.ErrNotFound, "p2 cannot reach p1's webhook")
		_, err = db.DeactivateWebhook(ctx, conn, "p1", w.ID)
		require.NoError(t, err)
		require.NoError(t, webhooks.Enqueue(ctx, conn, &p1, webhooks.EventDriftAlert, map[string]any{}, time.Now()))
		n, err := d.Pass(ctx)
		require.NoError(t, err)
		require.Zero(t, n)
	})
}

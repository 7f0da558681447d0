// Package webhooks tells admins' URLs of registry events (stage_changed, drift_alert).
// Each event becomes one delivery per listening webhook; a dispatcher loop (in the worker,
// any number of replicas: attempts are claimed with FOR UPDATE SKIP LOCKED) POSTs it,
// signed with HMAC-SHA256, and retries with exponential backoff up to MaxAttempts. Every
// attempt is a row of webhook_deliveries.
//
// URLs: only http and https, at most MaxURLLength bytes, no user info. Admins register them,
// so private addresses are allowed (a hospital's receiver is usually on its own network);
// what reaches them is only the event's JSON, and the response body is never read back into
// aomas, so a URL pointing inside gives an admin nothing they could not already see.
package webhooks

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/aomas/aomas/db"
	"github.com/aomas/aomas/internal/gid"
)

// Events a webhook may listen to.
const (
	EventStageChanged = "stage_changed"
	EventDriftAlert   = "drift_alert"
)

// Headers of a delivery.
const (
	HeaderSignature = "X-Aomas-Signature"
	HeaderEvent     = "X-Aomas-Event"
	HeaderDelivery  = "X-Aomas-Delivery"
	HeaderTimestamp = "X-Aomas-Timestamp"
)

// MaxURLLength bounds a webhook's URL.
const MaxURLLength = 2048

// ErrInvalid is a webhook refused for its URL or events.
var ErrInvalid = errors.New("invalid webhook")

// Validate checks a webhook's URL and events.
func Validate(raw string, events []string) error {
	if len(raw) > MaxURLLength {
		return fmt.Errorf("%w: url longer than %d bytes", ErrInvalid, MaxURLLength)
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return fmt.Errorf("%w: url must be http:// or https:// with a host and no user info", ErrInvalid)
	}
	if len(events) == 0 {
		return fmt.Errorf("%w: no events", ErrInvalid)
	}
	for _, e := range events {
		if e != EventStageChanged && e != EventDriftAlert {
			return fmt.Errorf("%w: unknown event %q (stage_changed or drift_alert)", ErrInvalid, e)
		}
	}
	return nil
}

// Sign returns the X-Aomas-Signature value of body: sha256=hex(HMAC-SHA256(secret, body)).
func Sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Create stores a webhook of project and returns it with its secret (32 random bytes, hex),
// which is shown this once.
func Create(ctx context.Context, q sqlx.QueryerContext, project, rawURL string, events []string, by *int64) (db.Webhook, string, error) {
	if err := Validate(rawURL, events); err != nil {
		return db.Webhook{}, "", err
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return db.Webhook{}, "", fmt.Errorf("webhook secret: %w", err)
	}
	secret := hex.EncodeToString(b)
	evs := slices.Clone(events)
	slices.Sort(evs)
	w, err := db.CreateWebhook(ctx, q, db.Webhook{Project: project, URL: rawURL, Events: slices.Compact(evs), Secret: secret, CreatedBy: by})
	return w, secret, err
}

// Enqueue adds an event for every active webhook of project listening to it (every
// project's when project is nil).
func Enqueue(ctx context.Context, q sqlx.ExecerContext, project *string, event string, data any, at time.Time) error {
	id := make([]byte, 12)
	if _, err := rand.Read(id); err != nil {
		return fmt.Errorf("event id: %w", err)
	}
	eventID := hex.EncodeToString(id)
	body, err := json.Marshal(map[string]any{"event": event, "id": eventID, "at": at.UTC(), "data": data})
	if err != nil {
		return fmt.Errorf("%s payload: %w", event, err)
	}
	_, err = db.EnqueueWebhookEvent(ctx, q, project, event, eventID, body, at)
	return err
}

// Dispatcher delivers due attempts and turns new stage changes into events.
type Dispatcher struct {
	DB db.DB
	// Client POSTs; nil uses one with a 10 s timeout.
	Client *http.Client
	// Backoff is the wait before the second attempt, doubled for each further one; 0: 30 s.
	Backoff time.Duration
	// MaxAttempts bounds the attempts of one delivery; 0: 6.
	MaxAttempts int
	// Batch bounds what one pass claims; 0: 20.
	Batch  int
	Logger *slog.Logger
}

func (d *Dispatcher) defaults() {
	if d.Client == nil {
		d.Client = &http.Client{Timeout: 10 * time.Second}
	}
	if d.Backoff <= 0 {
		d.Backoff = 30 * time.Second
	}
	if d.MaxAttempts <= 0 {
		d.MaxAttempts = 6
	}
	if d.Batch <= 0 {
		d.Batch = 20
	}
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
}

// Run passes every interval until ctx ends.
func (d *Dispatcher) Run(ctx context.Context, every time.Duration) {
	d.defaults()
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if _, err := d.Pass(ctx); err != nil && ctx.Err() == nil {
			d.Logger.WarnContext(ctx, "webhook dispatch", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Pass announces new stage changes and makes the attempts due now; it returns how many
// attempts it made.
func (d *Dispatcher) Pass(ctx context.Context) (int, error) {
	d.defaults()
	if err := d.stageChanges(ctx); err != nil {
		return 0, err
	}
	n := 0
	err := db.InTx(ctx, d.DB, func(tx *sqlx.Tx) error {
		due, err := db.ClaimDueDeliveries(ctx, tx, d.Batch)
		if err != nil {
			return err
		}
		for _, dd := range due {
			if err := d.attempt(ctx, tx, dd); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}

func (d *Dispatcher) stageChanges(ctx context.Context) error {
	return db.InTx(ctx, d.DB, func(tx *sqlx.Tx) error {
		cs, err := db.NextStageChanges(ctx, tx, 100)
		if err != nil || len(cs) == 0 {
			return err
		}
		for _, c := range cs {
			data := map[string]any{"modelVersion": gid.Encode("ModelVersion", c.ModelVersionID), "model": c.Model,
				"version": c.Version, "from": c.From, "to": c.To, "canaryPercent": c.CanaryPercent, "override": c.Override}
			if err := Enqueue(ctx, tx, c.Project, EventStageChanged, data, c.At); err != nil {
				return err
			}
		}
		return db.AdvanceStageCursor(ctx, tx, cs[len(cs)-1].ID)
	})
}

// attempt POSTs one delivery and records the outcome: delivered on a 2xx, else a retry
// after Backoff·2^(attempt−1) while attempts remain.
func (d *Dispatcher) attempt(ctx context.Context, tx *sqlx.Tx, dd db.DueDelivery) error {
	var status *int
	var errText *string
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, dd.URL, bytes.NewReader(dd.Payload))
	if err == nil {
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("User-Agent", "aomas-webhooks")
		req.Header.Set(HeaderSignature, Sign(dd.Secret, dd.Payload))
		req.Header.Set(HeaderEvent, dd.Event)
		req.Header.Set(HeaderDelivery, dd.EventID)
		req.Header.Set(HeaderTimestamp, strconv.FormatInt(time.Now().Unix(), 10))
		var resp *http.Response
		if resp, err = d.Client.Do(req); err == nil {
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
			_ = resp.Body.Close()
			code := resp.StatusCode
			status = &code
		}
	}
	if err != nil {
		// The URL may hold a token in its query: say what failed, not where.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		s := err.Error()
		errText = &s
	}
	delivered := status != nil && *status >= 200 && *status < 300
	if !delivered && errText == nil {
		s := fmt.Sprintf("HTTP %d", *status)
		errText = &s
	}
	var retryAt *time.Time
	if !delivered && dd.Attempt < d.MaxAttempts {
		at := time.Now().Add(d.Backoff << (dd.Attempt - 1))
		retryAt = &at
	}
	return db.FinishAttempt(ctx, tx, dd.WebhookDelivery, status, errText, delivered, retryAt)
}

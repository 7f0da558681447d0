package db

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// Webhook is an admin's URL told of registry events. Secret is the HMAC key deliveries are
// signed with: kept as given (signing needs it), never shown again after creation.
type Webhook struct {
	ID        int64          `db:"id"`
	Project   string         `db:"project"`
	URL       string         `db:"url"`
	Events    pq.StringArray `db:"events"`
	Secret    string         `db:"secret"`
	Active    bool           `db:"active"`
	CreatedBy *int64         `db:"created_by"`
	CreatedAt time.Time      `db:"created_at"`
}

// WebhookDelivery is one attempt to deliver one event to one webhook; the attempts of a
// delivery share EventID.
type WebhookDelivery struct {
	ID          int64           `db:"id"`
	WebhookID   int64           `db:"webhook_id"`
	EventID     string          `db:"event_id"`
	Event       string          `db:"event"`
	Payload     json.RawMessage `db:"payload"`
	Attempt     int             `db:"attempt"`
	StatusCode  *int            `db:"status_code"`
	Error       *string         `db:"error"`
	NextAt      *time.Time      `db:"next_at"`
	DeliveredAt *time.Time      `db:"delivered_at"`
	CreatedAt   time.Time       `db:"created_at"`
}

// CreateWebhook stores a webhook.
func CreateWebhook(ctx context.Context, q sqlx.QueryerContext, w Webhook) (Webhook, error) {
	var out Webhook
	if err := sqlx.GetContext(ctx, q, &out, `INSERT INTO webhooks (project, url, events, secret, created_by)
		VALUES ($1, $2, $3, $4, $5) RETURNING *`, w.Project, w.URL, w.Events, w.Secret, w.CreatedBy); err != nil {
		return out, fmt.Errorf("create webhook: %w", err)
	}
	return out, nil
}

// DeactivateWebhook stops deliveries to a webhook of project (its record and deliveries
// stay); ErrNotFound when project has no such webhook.
func DeactivateWebhook(ctx context.Context, q sqlx.QueryerContext, project string, id int64) (Webhook, error) {
	var out Webhook
	if err := sqlx.GetContext(ctx, q, &out, `UPDATE webhooks SET active = false WHERE id = $1 AND project = $2 RETURNING *`,
		id, project); err != nil {
		if isNoRows(err) {
			return out, fmt.Errorf("webhook %d: %w", id, ErrNotFound)
		}
		return out, fmt.Errorf("webhook %d: %w", id, err)
	}
	return out, nil
}

// Webhooks lists project's webhooks, newest first.
func Webhooks(ctx context.Context, q sqlx.QueryerContext, project string) ([]Webhook, error) {
	var ws []Webhook
	if err := sqlx.SelectContext(ctx, q, &ws, `SELECT * FROM webhooks WHERE project = $1 ORDER BY id DESC`, project); err != nil {
		return nil, fmt.Errorf("webhooks: %w", err)
	}
	return ws, nil
}

// WebhookDeliveries returns a webhook of project's last limit attempts, newest first.
func WebhookDeliveries(ctx context.Context, q sqlx.QueryerContext, project string, webhookID int64, limit int) ([]WebhookDelivery, error) {
	var ds []WebhookDelivery
	if err := sqlx.SelectContext(ctx, q, &ds, `SELECT d.* FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id
		WHERE d.webhook_id = $1 AND w.project = $2 ORDER BY d.created_at DESC, d.id DESC LIMIT $3`, webhookID, project, limit); err != nil {
		return nil, fmt.Errorf("deliveries of webhook %d: %w", webhookID, err)
	}
	return ds, nil
}

// EnqueueWebhookEvent adds a first attempt, due now, for every active webhook that listens
// to event in project (in every project when project is nil: a shared model's stage
// change) and was created before since. It returns how many.
func EnqueueWebhookEvent(ctx context.Context, q sqlx.ExecerContext, project *string, event, eventID string, payload []byte, since time.Time) (int64, error) {
	res, err := q.ExecContext(ctx, `INSERT INTO webhook_deliveries (webhook_id, event_id, event, payload, attempt, next_at)
		SELECT id, $3 || '-' || id, $2, $4, 1, clock_timestamp() FROM webhooks
		WHERE active AND $2 = ANY(events) AND ($1::text IS NULL OR project = $1) AND created_at <= $5`,
		project, event, eventID, payload, since)
	if err != nil {
		return 0, fmt.Errorf("enqueue %s: %w", event, err)
	}
	return res.RowsAffected()
}

// DueDelivery is an attempt due now, with where it goes.
type DueDelivery struct {
	WebhookDelivery
	URL    string `db:"url"`
	Secret string `db:"secret"`
}

// ClaimDueDeliveries locks at most limit due attempts of active webhooks for tx; other
// replicas skip them (FOR UPDATE SKIP LOCKED).
func ClaimDueDeliveries(ctx context.Context, tx *sqlx.Tx, limit int) ([]DueDelivery, error) {
	var ds []DueDelivery
	if err := sqlx.SelectContext(ctx, tx, &ds, `SELECT d.*, w.url, w.secret FROM webhook_deliveries d
		JOIN webhooks w ON w.id = d.webhook_id
		WHERE d.delivered_at IS NULL AND d.status_code IS NULL AND d.error IS NULL
		AND d.next_at <= clock_timestamp() AND w.active
		ORDER BY d.next_at LIMIT $1 FOR UPDATE OF d SKIP LOCKED`, limit); err != nil {
		return nil, fmt.Errorf("claim webhook deliveries: %w", err)
	}
	return ds, nil
}

// FinishAttempt records an attempt's outcome (next_at stays: when it was due); retryAt, when
// set, adds the next attempt.
func FinishAttempt(ctx context.Context, q sqlx.ExecerContext, d WebhookDelivery, status *int, errText *string, delivered bool, retryAt *time.Time) error {
	if _, err := q.ExecContext(ctx, `UPDATE webhook_deliveries SET status_code = $2, error = $3,
		delivered_at = CASE WHEN $4 THEN clock_timestamp() END WHERE id = $1`, d.ID, status, errText, delivered); err != nil {
		return fmt.Errorf("delivery %d: %w", d.ID, err)
	}
	if retryAt == nil {
		return nil
	}
	if _, err := q.ExecContext(ctx, `INSERT INTO webhook_deliveries (webhook_id, event_id, event, payload, attempt, next_at)
		VALUES ($1, $2, $3, $4, $5, $6)`, d.WebhookID, d.EventID, d.Event, []byte(d.Payload), d.Attempt+1, *retryAt); err != nil {
		return fmt.Errorf("retry of delivery %d: %w", d.ID, err)
	}
	return nil
}

// StageChangeEvent is a stage change with what a webhook says of it.
type StageChangeEvent struct {
	ID             int64     `db:"id"`
	ModelVersionID int64     `db:"model_version_id"`
	Model          string    `db:"model"`
	Version        string    `db:"version"`
	Project        *string   `db:"project"`
	From           string    `db:"from_stage"`
	To             string    `db:"to_stage"`
	CanaryPercent  *int      `db:"canary_percent"`
	Override       bool      `db:"override"`
	At             time.Time `db:"at"`
}

// NextStageChanges locks the stage-change cursor for tx and returns at most limit changes
// after it, oldest first; AdvanceStageCursor moves it.
func NextStageChanges(ctx context.Context, tx *sqlx.Tx, limit int) ([]StageChangeEvent, error) {
	if _, err := tx.ExecContext(ctx, `INSERT INTO webhook_cursors (name, last_id) VALUES ('stage_changes', 0) ON CONFLICT DO NOTHING`); err != nil {
		return nil, fmt.Errorf("stage change cursor: %w", err)
	}
	var last int64
	if err := sqlx.GetContext(ctx, tx, &last, `SELECT last_id FROM webhook_cursors WHERE name = 'stage_changes' FOR UPDATE`); err != nil {
		return nil, fmt.Errorf("stage change cursor: %w", err)
	}
	var cs []StageChangeEvent
	if err := sqlx.SelectContext(ctx, tx, &cs, `SELECT sc.id, sc.model_version_id, m.name AS model, mv.version, m.project,
		sc.from_stage, sc.to_stage, sc.canary_percent, sc.override, sc.at
		FROM stage_changes sc JOIN model_versions mv ON mv.id = sc.model_version_id JOIN models m ON m.id = mv.model_id
		WHERE sc.id > $1 ORDER BY sc.id LIMIT $2`, last, limit); err != nil {
		return nil, fmt.Errorf("stage changes: %w", err)
	}
	return cs, nil
}

// AdvanceStageCursor records that the changes up to id were announced.
func AdvanceStageCursor(ctx context.Context, tx *sqlx.Tx, id int64) error {
	if _, err := tx.ExecContext(ctx, `UPDATE webhook_cursors SET last_id = $1 WHERE name = 'stage_changes'`, id); err != nil {
		return fmt.Errorf("stage change cursor: %w", err)
	}
	return nil
}

package resolvers

// Drift and webhooks of the model registry (issue 16): translation only; the work is in
// internal/drift and internal/webhooks.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/aomas/aomas/db"
	"github.com/aomas/aomas/graph/model"
	"github.com/aomas/aomas/internal/auth"
	"github.com/aomas/aomas/internal/drift"
	"github.com/aomas/aomas/internal/gid"
	"github.com/aomas/aomas/internal/webhooks"
)

func (r *Resolver) mutationCreateWebhook(ctx context.Context, url string, events []string) (*model.CreateWebhookPayload, error) {
	var by *int64
	if p, ok := auth.PrincipalFrom(ctx); ok && p.UserID > 0 {
		id := p.UserID
		by = &id
	}
	w, secret, err := webhooks.Create(ctx, r.DB, auth.ProjectFrom(ctx), url, events, by)
	if errors.Is(err, webhooks.ErrInvalid) {
		return nil, invalidInput(err.Error())
	}
	if err != nil {
		return nil, err
	}
	return &model.CreateWebhookPayload{Webhook: webhookOf(w), Secret: secret}, nil
}

func (r *Resolver) mutationDeleteWebhook(ctx context.Context, id string) (*model.Webhook, error) {
	n, err := idOf(id, "Webhook")
	if err != nil {
		return nil, err
	}
	w, err := db.DeactivateWebhook(ctx, r.DB, auth.ProjectFrom(ctx), n)
	if errors.Is(err, db.ErrNotFound) {
		return nil, notFound("webhook", n)
	}
	if err != nil {
		return nil, err
	}
	return webhookOf(w), nil
}

func (r *Resolver) queryDrift(ctx context.Context, versionID string) (*model.DriftReport, error) {
	id, err := r.ownedID(ctx, versionID, "ModelVersion")
	if err != nil {
		return nil, err
	}
	mv, err := db.ModelVersionByID(ctx, r.DB, id)
	if err != nil {
		return nil, err
	}
	svc := drift.Service{DB: r.DB, Window: r.DriftWindow}
	rep, err := svc.Report(ctx, auth.ProjectFrom(ctx), id)
	if err != nil {
		return nil, err
	}
	out := &model.DriftReport{ModelVersion: &mv, WindowSize: rep.Window, Runs: rep.Runs, Drifted: rep.Current.Drifted,
		Features: driftFeatures(rep.Current.Features), History: []*model.DriftPoint{}, Alpha: drift.Alpha, PsiLimit: drift.PSILimit}
	for _, c := range rep.History {
		var fs []drift.FeatureResult
		if err := json.Unmarshal(c.Features, &fs); err != nil {
			return nil, fmt.Errorf("drift check %d: %w", c.ID, err)
		}
		out.History = append(out.History, &model.DriftPoint{At: c.At, Runs: c.Runs, Drifted: c.Drifted, Features: driftFeatures(fs)})
	}
	return out, nil
}

func driftFeatures(fs []drift.FeatureResult) []*model.DriftFeature {
	out := make([]*model.DriftFeature, len(fs))
	for i, f := range fs {
		out[i] = &model.DriftFeature{Feature: f.Feature, Kind: f.Kind, Ks: f.KS, PValue: f.PValue, Psi: f.PSI, Drifted: f.Drifted,
			ReferenceMean: f.ReferenceMean, WindowMean: f.WindowMean}
	}
	return out
}

func (r *Resolver) queryWebhooks(ctx context.Context) ([]*model.Webhook, error) {
	ws, err := db.Webhooks(ctx, r.DB, auth.ProjectFrom(ctx))
	if err != nil {
		return nil, err
	}
	out := make([]*model.Webhook, len(ws))
	for i, w := range ws {
		out[i] = webhookOf(w)
	}
	return out, nil
}

func (r *Resolver) webhookDeliveries(ctx context.Context, obj *model.Webhook, first *int) ([]*model.WebhookDelivery, error) {
	n, err := idOf(obj.ID, "Webhook")
	if err != nil {
		return nil, err
	}
	limit := 20
	if first != nil {
		limit = min(max(*first, 1), 100)
	}
	ds, err := db.WebhookDeliveries(ctx, r.DB, auth.ProjectFrom(ctx), n, limit)
	if err != nil {
		return nil, err
	}
	out := make([]*model.WebhookDelivery, len(ds))
	for i, d := range ds {
		out[i] = &model.WebhookDelivery{Event: d.Event, Attempt: d.Attempt, StatusCode: d.StatusCode, Error: d.Error,
			DeliveredAt: d.DeliveredAt, CreatedAt: d.CreatedAt}
	}
	return out, nil
}

// webhookOf never carries the secret: it is shown once, by createWebhook.
func webhookOf(w db.Webhook) *model.Webhook {
	return &model.Webhook{ID: gid.Encode("Webhook", w.ID), URL: w.URL, Events: []string(w.Events), Active: w.Active, CreatedAt: w.CreatedAt}
}

package resolvers

// Owned by the registry work of issue 16; filled in by its branch.

import (
	"context"

	"github.com/aomas/aomas/graph/model"
)

func (r *Resolver) mutationCreateWebhook(ctx context.Context, url string, events []string) (*model.CreateWebhookPayload, error) {
	return nil, errNotYet("mutationResolver.CreateWebhook")
}

func (r *Resolver) mutationDeleteWebhook(ctx context.Context, id string) (*model.Webhook, error) {
	return nil, errNotYet("mutationResolver.DeleteWebhook")
}

func (r *Resolver) queryDrift(ctx context.Context, versionID string) (*model.DriftReport, error) {
	return nil, errNotYet("queryResolver.Drift")
}

func (r *Resolver) queryWebhooks(ctx context.Context) ([]*model.Webhook, error) {
	return nil, errNotYet("queryResolver.Webhooks")
}

func (r *Resolver) webhookDeliveries(ctx context.Context, obj *model.Webhook, first *int) ([]*model.WebhookDelivery, error) {
	return nil, errNotYet("webhookResolver.Deliveries")
}

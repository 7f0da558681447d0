package resolvers

// Owned by the registry work of issue 16; filled in by its branch.

import (
	"context"

	"github.com/aomas/aomas/db"
	"github.com/aomas/aomas/graph/model"
)

func (r *Resolver) datasetItems(ctx context.Context, obj *model.Dataset, first *int, after *string) ([]*model.DatasetItem, error) {
	return nil, errNotYet("datasetResolver.Items")
}

func (r *Resolver) modelVersionEvaluations(ctx context.Context, obj *db.ModelVersion) ([]*model.Evaluation, error) {
	return nil, errNotYet("modelVersionResolver.Evaluations")
}

func (r *Resolver) mutationCreateDataset(ctx context.Context, name string, task string, description *string) (*model.Dataset, error) {
	return nil, errNotYet("mutationResolver.CreateDataset")
}

func (r *Resolver) mutationAddToDataset(ctx context.Context, datasetID string, volumeIds []string) (*model.Dataset, error) {
	return nil, errNotYet("mutationResolver.AddToDataset")
}

func (r *Resolver) mutationEvaluateModel(ctx context.Context, versionID string, datasetID string) (*model.Evaluation, error) {
	return nil, errNotYet("mutationResolver.EvaluateModel")
}

func (r *Resolver) queryDatasets(ctx context.Context) ([]*model.Dataset, error) {
	return nil, errNotYet("queryResolver.Datasets")
}

func (r *Resolver) queryDataset(ctx context.Context, id string) (*model.Dataset, error) {
	return nil, errNotYet("queryResolver.Dataset")
}

func (r *Resolver) queryEvaluation(ctx context.Context, id string) (*model.Evaluation, error) {
	return nil, errNotYet("queryResolver.Evaluation")
}

func (r *Resolver) subscriptionEvaluationProgress(ctx context.Context, id string) (<-chan *model.Evaluation, error) {
	return nil, errNotYet("subscriptionResolver.EvaluationProgress")
}

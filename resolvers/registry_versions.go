package resolvers

// Owned by the registry work of issue 16; filled in by its branch.

import (
	"context"
	"fmt"

	"github.com/99designs/gqlgen/graphql"
	"github.com/aomas/aomas/db"
	"github.com/aomas/aomas/graph/model"
	"github.com/aomas/aomas/internal/auth"
)

func (r *Resolver) modelVersionGates(ctx context.Context, obj *db.ModelVersion) ([]*model.GateResult, error) {
	return nil, errNotYet("modelVersionResolver.Gates")
}

func (r *Resolver) modelVersionRegisteredBy(ctx context.Context, obj *db.ModelVersion) (*auth.User, error) {
	return nil, errNotYet("modelVersionResolver.RegisteredBy")
}

func (r *Resolver) modelVersionStageHistory(ctx context.Context, obj *db.ModelVersion) ([]*model.StageChange, error) {
	return nil, errNotYet("modelVersionResolver.StageHistory")
}

func (r *Resolver) mutationRegisterModelVersion(ctx context.Context, file graphql.Upload, input model.RegisterModelVersionInput) (*db.ModelVersion, error) {
	return nil, errNotYet("mutationResolver.RegisterModelVersion")
}

func (r *Resolver) mutationPromoteModelVersion(ctx context.Context, id string, stage model.ModelStage, reason string, canaryPercent *int, override *bool) (*db.ModelVersion, error) {
	return nil, errNotYet("mutationResolver.PromoteModelVersion")
}

func (r *Resolver) mutationRollbackModel(ctx context.Context, task string, modality string, reason string) (*db.ModelVersion, error) {
	return nil, errNotYet("mutationResolver.RollbackModel")
}

func (r *Resolver) mutationSetGatePolicy(ctx context.Context, task string, modality string, minDice float64, maxDiceDrop float64, maxMsPerMpx float64) (*model.GatePolicy, error) {
	return nil, errNotYet("mutationResolver.SetGatePolicy")
}

func (r *Resolver) queryGatePolicies(ctx context.Context) ([]*model.GatePolicy, error) {
	return nil, errNotYet("queryResolver.GatePolicies")
}

func (r *Resolver) queryProductionHistory(ctx context.Context, task string, modality string) ([]*model.ProductionInterval, error) {
	return nil, errNotYet("queryResolver.ProductionHistory")
}

func (r *Resolver) queryShadowReport(ctx context.Context, versionID string) (*model.ShadowReport, error) {
	return nil, errNotYet("queryResolver.ShadowReport")
}

func (r *Resolver) shadowReportRecent(ctx context.Context, obj *model.ShadowReport, first *int) ([]*model.ShadowAgreement, error) {
	return nil, errNotYet("shadowReportResolver.Recent")
}

// errNotYet marks a registry resolver whose branch has not landed.
func errNotYet(field string) error { return fmt.Errorf("%s is not implemented yet", field) }

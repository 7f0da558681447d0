package resolvers

// The registry core of issue 16: registering versions, stages and gates, rollback, the
// production history and the shadow report. The rules live in internal/registry.

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/99designs/gqlgen/graphql"
	"github.com/aomas/aomas/db"
	"github.com/aomas/aomas/graph/model"
	"github.com/aomas/aomas/internal/auth"
	"github.com/aomas/aomas/internal/registry"
	"github.com/aomas/aomas/rbac"
)

// registryError gives the registry's errors their codes; a refusal by the gates carries
// every gate's verdict in extensions.gates.
func registryError(err error) error {
	var ge *registry.GateError
	var bad *registry.InputError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ge):
		gates := make([]map[string]any, len(ge.Gates))
		for i, g := range ge.Gates {
			gates[i] = map[string]any{"gate": g.Gate, "passed": g.Passed, "detail": g.Detail}
		}
		return &codedError{code: CodeConflict, msg: ge.Error(), err: err, ext: map[string]any{"gates": gates}}
	case errors.As(err, &bad):
		return &codedError{code: CodeInvalidInput, msg: bad.Error(), err: err}
	case errors.Is(err, registry.ErrForbidden):
		return &codedError{code: CodeForbidden, msg: err.Error(), err: err}
	case errors.Is(err, registry.ErrUnavailable):
		return &codedError{code: CodeUnavailable, msg: err.Error(), err: err}
	case errors.Is(err, db.ErrConflict):
		return &codedError{code: CodeConflict, msg: err.Error(), err: err}
	}
	return err
}

func (r *Resolver) needRegistry() error {
	if r.Registry == nil {
		return &codedError{code: CodeUnavailable, msg: "the model registry is not configured on this server"}
	}
	return nil
}

func gateResults(gs []registry.Gate) []*model.GateResult {
	out := make([]*model.GateResult, len(gs))
	for i, g := range gs {
		out[i] = &model.GateResult{Gate: g.Gate, Passed: g.Passed, Detail: g.Detail}
	}
	return out
}

// versionRef loads a version the project sees (its own or a shared one).
func (r *Resolver) versionRef(ctx context.Context, id int64) (db.ModelRef, error) {
	ok, err := r.inProject(ctx, "ModelVersion", id)
	if err != nil {
		return db.ModelRef{}, err
	}
	if !ok {
		return db.ModelRef{}, notFound("model version", id)
	}
	return db.ModelRefByID(ctx, r.DB, id)
}

func (r *Resolver) modelVersionGates(ctx context.Context, obj *db.ModelVersion) ([]*model.GateResult, error) {
	ref, err := r.versionRef(ctx, obj.ID)
	if err != nil {
		return nil, err
	}
	gs, err := registry.Gates(ctx, r.DB, ref, auth.ProjectFrom(ctx))
	if err != nil {
		return nil, err
	}
	return gateResults(gs), nil
}

func (r *Resolver) modelVersionRegisteredBy(ctx context.Context, obj *db.ModelVersion) (*auth.User, error) {
	if obj.RegisteredBy == nil {
		return nil, nil
	}
	return r.userByID(ctx, *obj.RegisteredBy)
}

func (r *Resolver) stageChange(ctx context.Context, c db.StageChangeRow, v *db.ModelVersion) (*model.StageChange, error) {
	if v == nil {
		mv, err := db.ModelVersionByID(ctx, r.DB, c.ModelVersionID)
		if err != nil {
			return nil, err
		}
		v = &mv
	}
	out := &model.StageChange{ModelVersion: v, From: c.FromStage, To: c.ToStage, CanaryPercent: c.CanaryPercent,
		Reason: c.Reason, Override: c.Override, Gates: gateResults(registry.DecodeGates(c.Gates)), At: c.At}
	if c.ActorID != nil {
		u, err := r.userByID(ctx, *c.ActorID)
		if err != nil {
			return nil, err
		}
		out.Actor = u
	}
	return out, nil
}

func (r *Resolver) modelVersionStageHistory(ctx context.Context, obj *db.ModelVersion) ([]*model.StageChange, error) {
	cs, err := db.StageChanges(ctx, r.DB, obj.ID)
	if err != nil {
		return nil, err
	}
	out := make([]*model.StageChange, 0, len(cs))
	for _, c := range cs {
		sc, err := r.stageChange(ctx, c, obj)
		if err != nil {
			return nil, err
		}
		out = append(out, sc)
	}
	return out, nil
}

func principalID(ctx context.Context) *int64 {
	if p, ok := auth.PrincipalFrom(ctx); ok {
		id := p.UserID
		return &id
	}
	return nil
}

func (r *Resolver) mutationRegisterModelVersion(ctx context.Context, file graphql.Upload, input model.RegisterModelVersionInput) (*db.ModelVersion, error) {
	if err := r.needRegistry(); err != nil {
		return nil, err
	}
	desc := ""
	if input.Description != nil {
		desc = *input.Description
	}
	noteTarget(ctx, "model %s %s (%s, %s)", input.Model, input.Version, input.Task, input.Modality)
	v, err := r.Registry.Register(ctx, registry.Registration{Project: auth.ProjectFrom(ctx), Model: input.Model, Task: input.Task,
		Modality: input.Modality, Version: input.Version, Description: desc, Card: []byte(input.Card), Size: file.Size,
		Weights: file.File, RegisteredBy: principalID(ctx)})
	if err != nil {
		return nil, registryError(err)
	}
	return &v, nil
}

// isAdmin reports whether the caller is an admin of the request's project.
func (r *Resolver) isAdmin(ctx context.Context) (bool, error) {
	p, ok := auth.PrincipalFrom(ctx)
	if !ok || r.Enforcer == nil {
		return false, nil
	}
	roles, err := r.Enforcer.RolesOf(p.Subject(), auth.ProjectFrom(ctx))
	if err != nil {
		return false, err
	}
	return slices.Contains(roles, rbac.RoleAdmin), nil
}

func (r *Resolver) mutationPromoteModelVersion(ctx context.Context, id string, stage model.ModelStage, reason string, canaryPercent *int, override *bool) (*db.ModelVersion, error) {
	if err := r.needRegistry(); err != nil {
		return nil, err
	}
	n, err := r.ownedID(ctx, id, "ModelVersion")
	if err != nil {
		return nil, err
	}
	admin, err := r.isAdmin(ctx)
	if err != nil {
		return nil, err
	}
	ov := override != nil && *override
	target := fmt.Sprintf("model version %s to %s", id, stage)
	if ref, err := db.ModelRefByID(ctx, r.DB, n); err == nil {
		target = fmt.Sprintf("model %s %s (%s) %s → %s", ref.Name, ref.Version, id, ref.Stage, stage)
	}
	if canaryPercent != nil {
		target += fmt.Sprintf(" at %d%%", *canaryPercent)
	}
	if ov {
		target += " OVERRIDING the gates"
	}
	noteTarget(ctx, "%s; reason: %s", target, reason)
	v, _, err := r.Registry.Promote(ctx, registry.Promotion{Project: auth.ProjectFrom(ctx), VersionID: n, Stage: string(stage),
		Reason: reason, CanaryPercent: canaryPercent, Override: ov, Actor: registry.Actor{UserID: principalID(ctx), Admin: admin}})
	if err != nil {
		return nil, registryError(err)
	}
	return &v, nil
}

func (r *Resolver) mutationRollbackModel(ctx context.Context, task, modality, reason string) (*db.ModelVersion, error) {
	if err := r.needRegistry(); err != nil {
		return nil, err
	}
	noteTarget(ctx, "rollback of %s %s; reason: %s", task, modality, reason)
	v, err := r.Registry.Rollback(ctx, auth.ProjectFrom(ctx), task, modality, reason, registry.Actor{UserID: principalID(ctx)})
	if err != nil {
		return nil, registryError(err)
	}
	return &v, nil
}

func gatePolicy(p db.GatePolicyRow) *model.GatePolicy {
	return &model.GatePolicy{Task: p.Task, Modality: p.Modality, MinDice: p.MinDice, MaxDiceDrop: p.MaxDiceDrop, MaxMsPerMpx: p.MaxMsPerMpx}
}

func (r *Resolver) mutationSetGatePolicy(ctx context.Context, task, modality string, minDice, maxDiceDrop, maxMsPerMpx float64) (*model.GatePolicy, error) {
	if err := r.needRegistry(); err != nil {
		return nil, err
	}
	noteTarget(ctx, "gate policy %s %s: min Dice %g, max drop %g, max %g ms/Mpx", task, modality, minDice, maxDiceDrop, maxMsPerMpx)
	p, err := r.Registry.SetGatePolicy(ctx, db.GatePolicyRow{Project: auth.ProjectFrom(ctx), Task: task, Modality: modality,
		MinDice: minDice, MaxDiceDrop: maxDiceDrop, MaxMsPerMpx: maxMsPerMpx})
	if err != nil {
		return nil, registryError(err)
	}
	return gatePolicy(p), nil
}

func (r *Resolver) queryGatePolicies(ctx context.Context) ([]*model.GatePolicy, error) {
	ps, err := db.GatePolicies(ctx, r.DB, auth.ProjectFrom(ctx))
	if err != nil {
		return nil, err
	}
	out := make([]*model.GatePolicy, len(ps))
	for i, p := range ps {
		out[i] = gatePolicy(p)
	}
	return out, nil
}

func (r *Resolver) queryProductionHistory(ctx context.Context, task, modality string) ([]*model.ProductionInterval, error) {
	ivs, err := registry.History(ctx, r.DB, auth.ProjectFrom(ctx), task, modality)
	if err != nil {
		return nil, err
	}
	versions := map[int64]*db.ModelVersion{}
	version := func(id int64) (*db.ModelVersion, error) {
		if v, ok := versions[id]; ok {
			return v, nil
		}
		v, err := db.ModelVersionByID(ctx, r.DB, id)
		if err != nil {
			return nil, err
		}
		versions[id] = &v
		return &v, nil
	}
	out := make([]*model.ProductionInterval, 0, len(ivs))
	for _, iv := range ivs {
		v, err := version(iv.VersionID)
		if err != nil {
			return nil, err
		}
		began, err := r.stageChange(ctx, iv.Began, v)
		if err != nil {
			return nil, err
		}
		pi := &model.ProductionInterval{ModelVersion: v, Stage: iv.Stage, CanaryPercent: iv.CanaryPercent, From: iv.From, To: iv.To, Began: began}
		if iv.Ended != nil {
			if pi.Ended, err = r.stageChange(ctx, *iv.Ended, v); err != nil {
				return nil, err
			}
		}
		out = append(out, pi)
	}
	return out, nil
}

func (r *Resolver) queryShadowReport(ctx context.Context, versionID string) (*model.ShadowReport, error) {
	n, err := r.ownedID(ctx, versionID, "ModelVersion")
	if err != nil {
		return nil, err
	}
	v, err := db.ModelVersionByID(ctx, r.DB, n)
	if err != nil {
		return nil, err
	}
	s, err := registry.ShadowReport(ctx, r.DB, n)
	if err != nil {
		return nil, err
	}
	out := &model.ShadowReport{ModelVersion: &v, Runs: s.Runs, MeanCountDifference: s.MeanCountDifference, DiceHistogram: s.Histogram}
	if s.MeanDice != nil {
		out.MeanDice = &model.Estimate{Value: s.MeanDice[0], Low: s.MeanDice[1], High: s.MeanDice[2]}
	}
	return out, nil
}

func (r *Resolver) shadowReportRecent(ctx context.Context, obj *model.ShadowReport, first *int) ([]*model.ShadowAgreement, error) {
	limit := 50
	if first != nil {
		limit = *first
	}
	if limit < 0 || limit > 500 {
		return nil, invalidInput("first must lie in 0..500")
	}
	rs, err := db.ShadowResults(ctx, r.DB, obj.ModelVersion.ID, limit)
	if err != nil {
		return nil, err
	}
	out := make([]*model.ShadowAgreement, 0, len(rs))
	for _, sr := range rs {
		run, err := db.PipelineRun(ctx, r.DB, sr.RunID, false)
		if err != nil {
			return nil, err
		}
		a := &model.ShadowAgreement{Run: &run, Dice: sr.Dice, ProductionCount: sr.ProductionCount, ShadowCount: sr.ShadowCount, CreatedAt: sr.CreatedAt}
		if sr.ProductionVersionID != nil {
			pv, err := db.ModelVersionByID(ctx, r.DB, *sr.ProductionVersionID)
			if err != nil {
				return nil, err
			}
			a.ProductionVersion = &pv
		}
		out = append(out, a)
	}
	return out, nil
}

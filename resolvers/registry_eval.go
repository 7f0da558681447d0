package resolvers

// Datasets and evaluations of the model registry (issue 16): translation between GraphQL
// and internal/evaluation, which holds the rules.

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"

	"github.com/aomas/aomas/db"
	"github.com/aomas/aomas/graph/model"
	"github.com/aomas/aomas/internal/auth"
	"github.com/aomas/aomas/internal/evaluation"
	"github.com/aomas/aomas/internal/gid"
)

// maxDatasetsListed bounds the datasets query.
const maxDatasetsListed = 500

// maxEvaluationsListed bounds ModelVersion.evaluations.
const maxEvaluationsListed = 50

func (r *Resolver) evaluations() (*evaluation.Service, error) {
	if r.Evaluations == nil {
		return nil, &codedError{code: CodeUnavailable, msg: "evaluations are not configured on this server"}
	}
	return r.Evaluations, nil
}

// evalError gives the evaluation service's refusals their codes.
func evalError(err error) error {
	var in *evaluation.InputError
	switch {
	case errors.As(err, &in):
		return invalidInput(in.Reason)
	case errors.Is(err, evaluation.ErrNameTaken):
		return &codedError{code: CodeConflict, msg: err.Error(), err: err}
	}
	return err
}

func callerID(ctx context.Context) *int64 {
	if p, ok := auth.PrincipalFrom(ctx); ok && p.UserID > 0 {
		return &p.UserID
	}
	return nil
}

func (r *Resolver) datasetModel(ctx context.Context, d db.DatasetRow) (*model.Dataset, error) {
	n, err := db.DatasetItemCount(ctx, r.DB, d.ID)
	if err != nil {
		return nil, err
	}
	return &model.Dataset{ID: gid.Encode("Dataset", d.ID), Name: d.Name, Task: d.Task, Description: d.Description,
		ItemCount: n, CreatedAt: d.CreatedAt}, nil
}

// ownedDataset loads a dataset of the caller's project; others are NOT_FOUND.
func (r *Resolver) ownedDataset(ctx context.Context, id string) (db.DatasetRow, error) {
	n, err := idOf(id, "Dataset")
	if err != nil {
		return db.DatasetRow{}, err
	}
	d, err := db.DatasetInProject(ctx, r.DB, n, auth.ProjectFrom(ctx))
	if errors.Is(err, db.ErrNotFound) {
		return db.DatasetRow{}, notFound("dataset", n)
	}
	return d, err
}

func (r *Resolver) volumesByID(ctx context.Context, ids []int64) (map[int64]*db.Volume, error) {
	vs, err := db.VolumesByIDs(ctx, r.DB, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]*db.Volume, len(vs))
	for i := range vs {
		out[vs[i].ID] = &vs[i]
	}
	return out, nil
}

func (r *Resolver) datasetItems(ctx context.Context, obj *model.Dataset, first *int, after *string) ([]*model.DatasetItem, error) {
	n := 100
	if first != nil {
		n = *first
	}
	if n < 1 || n > 500 {
		return nil, invalidInput("first: want 1 to 500")
	}
	var from int64
	if after != nil && *after != "" {
		v, err := idOf(*after, "Volume")
		if err != nil {
			return nil, err
		}
		from = v
	}
	d, err := r.ownedDataset(ctx, obj.ID)
	if err != nil {
		return nil, err
	}
	items, err := db.DatasetItems(ctx, r.DB, d.ID, from, n)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(items))
	for i, it := range items {
		ids[i] = it.VolumeID
	}
	vols, err := r.volumesByID(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]*model.DatasetItem, 0, len(items))
	for _, it := range items {
		out = append(out, &model.DatasetItem{Volume: vols[it.VolumeID], Modality: it.Modality, Marks: it.Marks, Source: it.Source})
	}
	return out, nil
}

// evaluationModel builds the GraphQL evaluation with its version, dataset, scores and items.
func (r *Resolver) evaluationModel(ctx context.Context, e db.EvaluationRow) (*model.Evaluation, error) {
	mv, err := db.ModelVersionByID(ctx, r.DB, e.ModelVersionID)
	if err != nil {
		return nil, err
	}
	d, err := db.EvaluationDataset(ctx, r.DB, e.DatasetID)
	if err != nil {
		return nil, err
	}
	dm, err := r.datasetModel(ctx, d)
	if err != nil {
		return nil, err
	}
	out := &model.Evaluation{ID: gid.Encode("Evaluation", e.ID), ModelVersion: &mv, Dataset: dm,
		Status: model.EvaluationStatus(e.Status), Progress: e.Progress, Message: e.Message, MsPerMpx: e.MsPerMpx,
		CreatedAt: e.CreatedAt, FinishedAt: e.FinishedAt, Scores: []*model.DetectionScores{}, Items: []*model.EvaluationItem{}}
	if e.Status != db.EvaluationSucceeded {
		return out, nil
	}
	var scores []evaluation.Scores
	if err := json.Unmarshal(e.Scores, &scores); err != nil {
		return nil, err
	}
	est := func(v evaluation.Estimate) *model.Estimate {
		return &model.Estimate{Value: v.Value, Low: v.Low, High: v.High}
	}
	for _, s := range scores {
		out.Scores = append(out.Scores, &model.DetectionScores{Modality: s.Modality, Images: s.Images,
			Sensitivity: est(s.Sensitivity), Fdr: est(s.FDR), Dice: est(s.Dice)})
	}
	items, err := db.EvaluationItems(ctx, r.DB, e.ID)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(items))
	for i, it := range items {
		ids[i] = it.VolumeID
	}
	vols, err := r.volumesByID(ctx, ids)
	if err != nil {
		return nil, err
	}
	for _, it := range items {
		out.Items = append(out.Items, &model.EvaluationItem{Volume: vols[it.VolumeID], Modality: it.Modality,
			TruePositives: it.TruePositives, FalsePositives: it.FalsePositives, FalseNegatives: it.FalseNegatives,
			Sensitivity: it.Sensitivity, Fdr: it.FDR, Dice: it.Dice, Milliseconds: it.Milliseconds})
	}
	return out, nil
}

func (r *Resolver) modelVersionEvaluations(ctx context.Context, obj *db.ModelVersion) ([]*model.Evaluation, error) {
	es, err := db.EvaluationsOfVersion(ctx, r.DB, obj.ID, auth.ProjectFrom(ctx), maxEvaluationsListed)
	if err != nil {
		return nil, err
	}
	return convertEach(ctx, es, r.evaluationModel)
}

func (r *Resolver) mutationCreateDataset(ctx context.Context, name, task string, description *string) (*model.Dataset, error) {
	s, err := r.evaluations()
	if err != nil {
		return nil, err
	}
	desc := ""
	if description != nil {
		desc = *description
	}
	d, err := s.CreateDataset(ctx, auth.ProjectFrom(ctx), name, task, desc, callerID(ctx))
	if err != nil {
		return nil, evalError(err)
	}
	noteTarget(ctx, "dataset %d (%s)", d.ID, d.Name)
	return r.datasetModel(ctx, d)
}

func (r *Resolver) mutationAddToDataset(ctx context.Context, datasetID string, volumeIds []string) (*model.Dataset, error) {
	s, err := r.evaluations()
	if err != nil {
		return nil, err
	}
	if len(volumeIds) == 0 || len(volumeIds) > evaluation.MaxAddVolumes {
		return nil, invalidInput("volumeIds: want 1 to " + strconv.Itoa(evaluation.MaxAddVolumes) + " volumes")
	}
	d, err := r.ownedDataset(ctx, datasetID)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(volumeIds))
	for i, v := range volumeIds {
		if ids[i], err = idOf(v, "Volume"); err != nil {
			return nil, err
		}
	}
	d, err = s.AddFromLabels(ctx, auth.ProjectFrom(ctx), d.ID, ids)
	if errors.Is(err, db.ErrNotFound) {
		return nil, &codedError{code: CodeNotFound, msg: "volume not found", err: err}
	}
	if err != nil {
		return nil, evalError(err)
	}
	noteTarget(ctx, "dataset %d (%d volumes added)", d.ID, len(ids))
	return r.datasetModel(ctx, d)
}

func (r *Resolver) mutationEvaluateModel(ctx context.Context, versionID, datasetID string) (*model.Evaluation, error) {
	s, err := r.evaluations()
	if err != nil {
		return nil, err
	}
	vid, err := idOf(versionID, "ModelVersion")
	if err != nil {
		return nil, err
	}
	d, err := r.ownedDataset(ctx, datasetID)
	if err != nil {
		return nil, err
	}
	e, err := s.Evaluate(ctx, auth.ProjectFrom(ctx), vid, d.ID, callerID(ctx))
	if errors.Is(err, db.ErrNotFound) {
		return nil, notFound("model version", vid)
	}
	if err != nil {
		return nil, evalError(err)
	}
	noteTarget(ctx, "evaluation %d (model version %d on dataset %d)", e.ID, vid, d.ID)
	return r.evaluationModel(ctx, e)
}

func (r *Resolver) queryDatasets(ctx context.Context) ([]*model.Dataset, error) {
	ds, err := db.Datasets(ctx, r.DB, auth.ProjectFrom(ctx), maxDatasetsListed)
	if err != nil {
		return nil, err
	}
	return convertEach(ctx, ds, r.datasetModel)
}

func (r *Resolver) queryDataset(ctx context.Context, id string) (*model.Dataset, error) {
	d, err := r.ownedDataset(ctx, id)
	if errors.Is(err, db.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return r.datasetModel(ctx, d)
}

// ownedEvaluation loads an evaluation on a dataset of the caller's project; others are NOT_FOUND.
func (r *Resolver) ownedEvaluation(ctx context.Context, id string) (db.EvaluationRow, error) {
	n, err := idOf(id, "Evaluation")
	if err != nil {
		return db.EvaluationRow{}, err
	}
	e, err := db.EvaluationInProject(ctx, r.DB, n, auth.ProjectFrom(ctx))
	if errors.Is(err, db.ErrNotFound) {
		return db.EvaluationRow{}, notFound("evaluation", n)
	}
	return e, err
}

func (r *Resolver) queryEvaluation(ctx context.Context, id string) (*model.Evaluation, error) {
	e, err := r.ownedEvaluation(ctx, id)
	if errors.Is(err, db.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return r.evaluationModel(ctx, e)
}

func (r *Resolver) subscriptionEvaluationProgress(ctx context.Context, id string) (<-chan *model.Evaluation, error) {
	s, err := r.evaluations()
	if err != nil {
		return nil, err
	}
	e, err := r.ownedEvaluation(ctx, id)
	if err != nil {
		return nil, err
	}
	in, err := s.Subscribe(ctx, e.ID)
	if err != nil {
		return nil, err
	}
	out := make(chan *model.Evaluation, 1)
	go func() {
		defer close(out)
		for ev := range in {
			m, err := r.evaluationModel(ctx, ev)
			if err != nil {
				return
			}
			select {
			case out <- m:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out, nil
}

// convertEach turns each row into its GraphQL model, stopping at the first error.
func convertEach[R, M any](ctx context.Context, rows []R, convert func(context.Context, R) (*M, error)) ([]*M, error) {
	out := make([]*M, 0, len(rows))
	for _, row := range rows {
		m, err := convert(ctx, row)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

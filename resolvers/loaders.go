package resolvers

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vikstrous/dataloadgen"

	"github.com/aomas/aomas/db"
)

// loaders batch the reads of one operation: each kind of row is fetched with one query per
// batch, whatever the shape of the query that asked for it.
type loaders struct {
	// slices counts the Volume.slice fields this operation resolved (MaxSlicesPerOperation).
	slices atomic.Int32
	// cellDistributions counts the Run.cellDistributions fields (MaxCellDistributionsPerOperation).
	cellDistributions atomic.Int32
	// bscanFields counts Run.layers and Volume.layerCorrections (MaxBScanFieldsPerOperation);
	// thicknessMaps the Run.thicknessMap fields (MaxThicknessMapsPerOperation).
	bscanFields   atomic.Int32
	thicknessMaps atomic.Int32
	subject       batched[*db.Subject]
	identity      batched[*db.SubjectIdentity]
	caseByID      batched[*db.Case]
	casesBySubj   batched[[]*db.Case]
	volume        batched[*db.Volume]
	volumesByCase batched[[]*db.Volume]
	run           batched[*db.Run]
	runsByVolume  batched[[]*db.Run]
	latestByCase  batched[*db.Run]
	steps         batched[[]*db.RunStep]
	metrics       batched[[]*db.Metric]
	qcFlags       batched[[]*db.QCFlag]
	artifacts     batched[[]*db.Artifact]
	currentRun    batched[*db.Run]
	detector      batched[*db.RunDetector]
	userEmail     batched[*db.UserEmail]
	assignment    batched[*db.Assignment]
	label         batched[*db.Label]
}

type loadersKey struct{}

// batched is a loader together with its fetch function, so that a listing can prefetch a
// whole page with exactly one call and prime the cache (LoadAll may split a page into
// two batches when its keys straggle past the wait on a busy machine).
type batched[V any] struct {
	*dataloadgen.Loader[int64, V]
	fetch func(context.Context, []int64) ([]V, []error)
}

func newBatched[V any](fetch func(context.Context, []int64) ([]V, []error), opts []dataloadgen.Option) batched[V] {
	return batched[V]{Loader: dataloadgen.NewLoader(fetch, opts...), fetch: fetch}
}

// prefetch loads ids with one fetch and primes the cache; on error it primes nothing and
// the ordinary loads report it.
func (b batched[V]) prefetch(ctx context.Context, ids []int64) []V {
	vals, errs := b.fetch(ctx, ids)
	for _, err := range errs {
		if err != nil {
			return nil
		}
	}
	for i, id := range ids {
		b.Prime(id, vals[i])
	}
	return vals
}

// one returns a fetch function for rows with one row per key; missing keys load as nil.
func one[T any](load func(context.Context, []int64) ([]T, error), key func(*T) int64) func(context.Context, []int64) ([]*T, []error) {
	return func(ctx context.Context, ids []int64) ([]*T, []error) {
		rows, err := load(ctx, ids)
		if err != nil {
			return nil, []error{err}
		}
		byID := make(map[int64]*T, len(rows))
		for i := range rows {
			byID[key(&rows[i])] = &rows[i]
		}
		out := make([]*T, len(ids))
		for i, id := range ids {
			out[i] = byID[id]
		}
		return out, nil
	}
}

// many returns a fetch function for rows grouped under each key, in the order loaded.
func many[T any](load func(context.Context, []int64) ([]T, error), key func(*T) int64) func(context.Context, []int64) ([][]*T, []error) {
	return func(ctx context.Context, ids []int64) ([][]*T, []error) {
		rows, err := load(ctx, ids)
		if err != nil {
			return nil, []error{err}
		}
		groups := make(map[int64][]*T, len(ids))
		for i := range rows {
			k := key(&rows[i])
			groups[k] = append(groups[k], &rows[i])
		}
		out := make([][]*T, len(ids))
		for i, id := range ids {
			out[i] = groups[id]
			if out[i] == nil {
				out[i] = []*T{}
			}
		}
		return out, nil
	}
}

func newLoaders(q db.DB) *loaders {
	opts := []dataloadgen.Option{dataloadgen.WithWait(500 * time.Microsecond), dataloadgen.WithBatchCapacity(1000)}
	return &loaders{
		subject: newBatched(one(func(ctx context.Context, ids []int64) ([]db.Subject, error) { return db.SubjectsByIDs(ctx, q, ids) },
			func(r *db.Subject) int64 { return r.ID }), opts),
		identity: newBatched(one(func(ctx context.Context, ids []int64) ([]db.SubjectIdentity, error) {
			return db.IdentitiesBySubjectIDs(ctx, q, ids)
		},
			func(r *db.SubjectIdentity) int64 { return r.SubjectID }), opts),
		caseByID: newBatched(one(func(ctx context.Context, ids []int64) ([]db.Case, error) { return db.CasesByIDs(ctx, q, ids) },
			func(r *db.Case) int64 { return r.ID }), opts),
		casesBySubj: newBatched(many(func(ctx context.Context, ids []int64) ([]db.Case, error) { return db.CasesBySubjectIDs(ctx, q, ids) },
			func(r *db.Case) int64 { return r.SubjectID }), opts),
		volume: newBatched(one(func(ctx context.Context, ids []int64) ([]db.Volume, error) { return db.VolumesByIDs(ctx, q, ids) },
			func(r *db.Volume) int64 { return r.ID }), opts),
		volumesByCase: newBatched(many(func(ctx context.Context, ids []int64) ([]db.Volume, error) { return db.VolumesByCaseIDs(ctx, q, ids) },
			func(r *db.Volume) int64 { return r.CaseID }), opts),
		run: newBatched(one(func(ctx context.Context, ids []int64) ([]db.Run, error) { return db.RunsByIDs(ctx, q, ids) },
			func(r *db.Run) int64 { return r.ID }), opts),
		runsByVolume: newBatched(many(func(ctx context.Context, ids []int64) ([]db.Run, error) { return db.RunsByVolumeIDs(ctx, q, ids) },
			func(r *db.Run) int64 { return r.VolumeID }), opts),
		latestByCase: newBatched(func(ctx context.Context, ids []int64) ([]*db.Run, []error) {
			rows, err := db.LatestRunsByCaseIDs(ctx, q, ids)
			if err != nil {
				return nil, []error{err}
			}
			byCase := make(map[int64]*db.Run, len(rows))
			for i := range rows {
				byCase[rows[i].CaseID] = &rows[i].Run
			}
			out := make([]*db.Run, len(ids))
			for i, id := range ids {
				out[i] = byCase[id]
			}
			return out, nil
		}, opts),
		steps: newBatched(many(func(ctx context.Context, ids []int64) ([]db.RunStep, error) { return db.StepsByRunIDs(ctx, q, ids) },
			func(r *db.RunStep) int64 { return r.RunID }), opts),
		metrics: newBatched(many(func(ctx context.Context, ids []int64) ([]db.Metric, error) { return db.MetricsByRunIDs(ctx, q, ids) },
			func(r *db.Metric) int64 { return r.RunID }), opts),
		qcFlags: newBatched(many(func(ctx context.Context, ids []int64) ([]db.QCFlag, error) { return db.QCFlagsByRunIDs(ctx, q, ids) },
			func(r *db.QCFlag) int64 { return r.RunID }), opts),
		artifacts: newBatched(many(func(ctx context.Context, ids []int64) ([]db.Artifact, error) {
			return db.ArtifactsByRunIDs(ctx, q, ids)
		},
			func(r *db.Artifact) int64 {
				if r.RunID == nil {
					return 0
				}
				return *r.RunID
			}), opts),
		currentRun: newBatched(one(func(ctx context.Context, ids []int64) ([]db.Run, error) {
			return db.CurrentRunsByVolumeIDs(ctx, q, ids)
		},
			func(r *db.Run) int64 { return r.VolumeID }), opts),
		detector: newBatched(one(func(ctx context.Context, ids []int64) ([]db.RunDetector, error) {
			return db.DetectorsByRunIDs(ctx, q, ids)
		},
			func(r *db.RunDetector) int64 { return r.RunID }), opts),
		userEmail: newBatched(one(func(ctx context.Context, ids []int64) ([]db.UserEmail, error) { return db.UserEmailsByIDs(ctx, q, ids) },
			func(r *db.UserEmail) int64 { return r.ID }), opts),
		assignment: newBatched(one(func(ctx context.Context, ids []int64) ([]db.Assignment, error) {
			return db.AssignmentsByVolumeIDs(ctx, q, ids)
		},
			func(r *db.Assignment) int64 { return r.VolumeID }), opts),
		label: newBatched(one(func(ctx context.Context, ids []int64) ([]db.Label, error) { return db.LabelsByIDs(ctx, q, ids) },
			func(r *db.Label) int64 { return r.ID }), opts),
	}
}

// LoaderMiddleware gives every operation its own loaders, so that nothing cached outlives
// the request that read it.
func (r *Resolver) LoaderMiddleware() graphql.OperationMiddleware {
	return func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
		return next(context.WithValue(ctx, loadersKey{}, newLoaders(r.DB)))
	}
}

func (r *Resolver) loaders(ctx context.Context) *loaders {
	if l, ok := ctx.Value(loadersKey{}).(*loaders); ok {
		return l
	}
	// Outside an operation (direct calls in tests): a fresh set that batches nothing across calls.
	return newLoaders(r.DB)
}

// load fetches one row that must exist.
func load[T any](ctx context.Context, l batched[*T], id int64, what string) (*T, error) {
	v, err := l.Load(ctx, id)
	if err != nil {
		return nil, err
	}
	if v == nil {
		return nil, notFound(what, id)
	}
	return v, nil
}

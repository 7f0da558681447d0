package resolvers

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/aomas/aomas/db"
)

// The dataloaders batch whatever arrives within their wait; list items resolve in
// goroutines that may straggle past it on a busy machine. For the listings that feed
// tables, prefetch: look at what the query selects below each node and load each kind of
// child for the whole page with exactly one query, priming the loaders' caches.

// selected reports whether the current field selects the path of field names below it.
func selected(ctx context.Context, path ...string) bool {
	fc := graphql.GetFieldContext(ctx)
	oc := graphql.GetOperationContext(ctx)
	if fc == nil || oc == nil {
		return false
	}
	set := fc.Field.Selections
	for _, name := range path {
		var next ast.SelectionSet
		found := false
		for _, f := range graphql.CollectFields(oc, set, nil) {
			if f.Name == name {
				next = append(next, f.Selections...)
				found = true
			}
		}
		if !found {
			return false
		}
		set = next
	}
	return true
}

// prefetchCases loads, for a page of cases, the children the query asks for below
// edges.node.
func (r *Resolver) prefetchCases(ctx context.Context, cases []db.Case) {
	if len(cases) == 0 {
		return
	}
	l := r.loaders(ctx)
	ids := make([]int64, len(cases))
	subjects := make([]int64, len(cases))
	for i, c := range cases {
		ids[i], subjects[i] = c.ID, c.SubjectID
	}
	node := []string{"edges", "node"}
	if selected(ctx, append(node, "subject")...) {
		l.subject.prefetch(ctx, subjects)
	}
	if selected(ctx, append(node, "volumes")...) {
		l.volumesByCase.prefetch(ctx, ids)
	}
	if selected(ctx, append(node, "latestRun")...) {
		runs := l.latestByCase.prefetch(ctx, ids)
		r.prefetchRunChildren(ctx, runs, append(node, "latestRun"))
	}
}

// prefetchRunChildren loads the steps, metrics, QC flags and masks of runs when the query
// selects them under path.
func (r *Resolver) prefetchRunChildren(ctx context.Context, runs []*db.Run, path []string) {
	var ids []int64
	for _, run := range runs {
		if run != nil {
			ids = append(ids, run.ID)
		}
	}
	if len(ids) == 0 {
		return
	}
	l := r.loaders(ctx)
	if selected(ctx, append(path, "steps")...) {
		l.steps.prefetch(ctx, ids)
	}
	if selected(ctx, append(path, "metrics")...) {
		l.metrics.prefetch(ctx, ids)
	}
	if selected(ctx, append(path, "qcFlags")...) {
		l.qcFlags.prefetch(ctx, ids)
	}
	if selected(ctx, append(path, "masks")...) {
		l.artifacts.prefetch(ctx, ids)
	}
}

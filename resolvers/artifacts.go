package resolvers

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/aomas/aomas/db"
)

// maxPointsCSV bounds the model's marks read into a response (about a million marks).
const maxPointsCSV = 32 << 20

// maxGridJSON bounds a run's grid artifact (64×64 cells are ~60 kB).
const maxGridJSON = 8 << 20

// runArtifact reads the run's stored artifact of kind (at most limit bytes); nil before it exists.
func (r *Resolver) runArtifact(ctx context.Context, runID int64, kind string, limit int64) ([]byte, error) {
	arts, err := r.loaders(ctx).artifacts.Load(ctx, runID)
	if err != nil {
		return nil, err
	}
	for _, a := range arts {
		if a.Kind == kind {
			return r.readArtifact(ctx, a, runID, kind, limit)
		}
	}
	return nil, nil
}

// readArtifact reads artifact a of run runID, refusing one over limit bytes.
func (r *Resolver) readArtifact(ctx context.Context, a *db.Artifact, runID int64, kind string, limit int64) ([]byte, error) {
	if r.Store == nil {
		return nil, &codedError{code: CodeUnavailable, msg: "object storage is not configured on this server"}
	}
	rc, err := r.Store.Get(ctx, a.ObjectKey)
	if err != nil {
		return nil, fmt.Errorf("%s of run %d: %w", kind, runID, err)
	}
	defer func() { _ = rc.Close() }()
	b, err := io.ReadAll(io.LimitReader(rc, limit+1))
	if err != nil {
		return nil, fmt.Errorf("%s of run %d: %w", kind, runID, err)
	}
	if int64(len(b)) > limit {
		return nil, &codedError{code: CodeInvalidInput, msg: fmt.Sprintf("the run's %s is too large to send in one response", kind)}
	}
	return b, nil
}

// modelPoints returns the segment step's points.csv of run, or nil before it exists.
func (r *Resolver) modelPoints(ctx context.Context, runID int64) (*string, error) {
	b, err := r.runArtifact(ctx, runID, "points", maxPointsCSV)
	if b == nil || err != nil {
		return nil, err
	}
	s := string(b)
	return &s, nil
}

// runGrid decodes the run's grid artifact of kind (an orientation field, an uncertainty
// map), or nil before the step that writes it ran.
func runGrid[T any](ctx context.Context, r *Resolver, runID int64, kind string) (*T, error) {
	b, err := r.runArtifact(ctx, runID, kind, maxGridJSON)
	if b == nil || err != nil {
		return nil, err
	}
	var g T
	if err := json.Unmarshal(b, &g); err != nil {
		return nil, fmt.Errorf("%s of run %d: %w", kind, runID, err)
	}
	return &g, nil
}

// Package resolvers implements the GraphQL schema in graph/schema on top of db, storage and
// the other services.
package resolvers

//go:generate sh -c "cd .. && go tool gqlgen generate"

import (
	"context"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/aomas/aomas/db"
	"github.com/aomas/aomas/internal/auth"
	"github.com/aomas/aomas/internal/evaluation"
	"github.com/aomas/aomas/internal/export"
	"github.com/aomas/aomas/internal/health"
	"github.com/aomas/aomas/internal/intake"
	"github.com/aomas/aomas/internal/labels"
	"github.com/aomas/aomas/internal/registry"
	"github.com/aomas/aomas/rbac"
	"github.com/aomas/aomas/storage"
)

// healthChecker is what the resolvers need to report the services' health.
type healthChecker interface {
	Check(ctx context.Context) health.Report
}

// BuildInfo says which build answers.
type BuildInfo struct {
	Version string
	Commit  string
}

// Resolver holds the dependencies of every resolver. It is built once in cmd/aomas.
type Resolver struct {
	DB     db.DB
	Store  *storage.Store
	Intake *intake.Service
	// Labels saves, submits and reviews labels (labels.resolvers.go).
	Labels *labels.Service
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Project is the project new subjects belong to until projects come with roles.
	Project string

	Checker healthChecker
	Build   BuildInfo
	// MinHealthInterval bounds how often a healthChanged subscription may poll.
	MinHealthInterval time.Duration

	// Pipeline starts and steers runs and streams their progress (pipeline.resolvers.go);
	// *jobs.Pipeline satisfies it.
	Pipeline pipeline

	// Exports creates, follows and serves exports (exports.resolvers.go); nil: UNAVAILABLE.
	Exports *export.Service

	// Evaluations keeps evaluation datasets and runs evaluations (registry_eval.go); nil: UNAVAILABLE.
	Evaluations *evaluation.Service

	// Slices renders Volume.slice; nil leaves slices UNAVAILABLE.
	Slices *Slicer
	// LayerTables keeps parsed layer boundaries of recent runs (Run.layers); nil parses each time.
	LayerTables *LayerTables

	// Access (issue 4): the policy, the accounts it names, and the audit log (access.resolvers.go).
	Enforcer *rbac.Enforcer
	Accounts *auth.Accounts
	Audit    *sqlx.DB
	// Tokens lists and revokes API tokens; Ends ends what a revoked token still holds open
	// (nil: requests refuse it at once, sockets at their next operation).
	Tokens *auth.Tokens
	Ends   *auth.Ends

	// Registry registers model versions and moves them through the stages (issue 16,
	// registry_versions.go); nil: those mutations are UNAVAILABLE.
	Registry *registry.Service
	// DriftWindow is how many latest runs of a model version drift(versionId) compares;
	// 0: drift.DefaultWindow (issue 16).
	DriftWindow int
}

func (r *Resolver) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

package registry

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/aomas/aomas/db"
)

// ErrForbidden marks an override asked for by someone who is not an admin.
var ErrForbidden = errors.New("forbidden")

// Actor is who changes a stage.
type Actor struct {
	UserID *int64
	// Admin may promote over failed gates.
	Admin bool
}

// Promotion is a request to move a version to a stage.
type Promotion struct {
	Project       string
	VersionID     int64
	Stage         string
	Reason        string
	CanaryPercent *int
	Override      bool
	Actor         Actor
}

// gated are the stages a version reaches only through the gates.
var gated = map[string]bool{db.StageShadow: true, db.StageCanary: true, db.StageProduction: true}

// maxReason bounds a stage change's reason.
const maxReason = 2000

// Promote moves a version of the project to a stage. SHADOW, CANARY and PRODUCTION pass
// the gates first (an admin may override them with a reason). Each of those stages holds
// one version per project, task and modality: the one it held goes ARCHIVED. Every change
// is a stage_changes row with who, why, the override and the gates.
func (s *Service) Promote(ctx context.Context, p Promotion) (db.ModelVersion, []Gate, error) {
	var none db.ModelVersion
	p.Reason = strings.TrimSpace(p.Reason)
	switch p.Stage {
	case db.StageCandidate, db.StageShadow, db.StageCanary, db.StageProduction, db.StageArchived:
	default:
		return none, nil, invalid("stage %q", p.Stage)
	}
	if p.Reason == "" {
		return none, nil, invalid("a stage change needs a reason")
	}
	if len(p.Reason) > maxReason {
		return none, nil, invalid("the reason is longer than %d characters", maxReason)
	}
	if p.Stage == db.StageCanary {
		if p.CanaryPercent == nil || *p.CanaryPercent < 1 || *p.CanaryPercent > 99 {
			return none, nil, invalid("a CANARY version takes 1 to 99 percent of new runs: set canaryPercent")
		}
	} else if p.CanaryPercent != nil {
		return none, nil, invalid("canaryPercent is for CANARY only")
	}
	if p.Override && !p.Actor.Admin {
		return none, nil, fmt.Errorf("%w: only an admin may promote over the gates", ErrForbidden)
	}
	var out db.ModelVersion
	var gates []Gate
	err := db.InTx(ctx, s.DB, func(tx *sqlx.Tx) error {
		ref, err := s.lockVersion(ctx, tx, p.Project, p.VersionID)
		if err != nil {
			return err
		}
		if ref.Stage == p.Stage && (p.Stage != db.StageCanary || samePercent(ref.CanaryPercent, p.CanaryPercent)) {
			return fmt.Errorf("%w: %s %s is %s already", db.ErrConflict, ref.Name, ref.Version, ref.Stage)
		}
		if gated[p.Stage] {
			if gates, err = Gates(ctx, tx, ref, p.Project); err != nil {
				return err
			}
			if Failed(gates) && !p.Override {
				return &GateError{Stage: p.Stage, Gates: gates}
			}
		}
		gj, _ := json.Marshal(gates)
		if gated[p.Stage] {
			// The stage holds one version per project, task and modality.
			held, err := db.StagedVersions(ctx, tx, p.Project, ref.Task, ref.Modality, p.Stage)
			if err != nil {
				return err
			}
			for _, h := range held {
				if h.ID == ref.ID {
					continue
				}
				if err := s.change(ctx, tx, h, db.StageArchived, nil, p.Actor.UserID,
					fmt.Sprintf("replaced as %s by %s %s: %s", p.Stage, ref.Name, ref.Version, p.Reason), false, "[]"); err != nil {
					return err
				}
			}
		}
		if err := s.change(ctx, tx, ref, p.Stage, p.CanaryPercent, p.Actor.UserID, p.Reason, p.Override && Failed(gates), string(gj)); err != nil {
			return err
		}
		out, err = db.ModelVersionByID(ctx, tx, ref.ID)
		return err
	})
	return out, gates, err
}

func samePercent(a, b *int) bool { return a != nil && b != nil && *a == *b }

// lockVersion finds a version of the project (NOT_FOUND otherwise; a shared version cannot
// be staged by a project) and takes its deployment lock.
func (s *Service) lockVersion(ctx context.Context, tx *sqlx.Tx, project string, id int64) (db.ModelRef, error) {
	ref, err := db.ModelRefByID(ctx, tx, id)
	if err != nil {
		return ref, err
	}
	if ref.Project == nil {
		return ref, fmt.Errorf("%w: %s %s is shipped with aomas and shared by every project: register a version of your own to deploy",
			db.ErrConflict, ref.Name, ref.Version)
	}
	if *ref.Project != project {
		return ref, fmt.Errorf("model version %d: %w", id, db.ErrNotFound)
	}
	if err := db.LockDeployment(ctx, tx, project, ref.Task, ref.Modality); err != nil {
		return ref, err
	}
	return db.ModelRefForUpdate(ctx, tx, id)
}

// change sets a version's stage and records the change.
func (s *Service) change(ctx context.Context, tx *sqlx.Tx, ref db.ModelRef, stage string, percent *int, actor *int64,
	reason string, override bool, gates string) error {
	if err := db.SetStage(ctx, tx, ref.ID, stage, percent); err != nil {
		return err
	}
	if stage != db.StageCanary {
		percent = nil
	}
	_, err := db.InsertStageChange(ctx, tx, db.StageChange{ModelVersionID: ref.ID, FromStage: ref.Stage, ToStage: stage,
		CanaryPercent: percent, ActorID: actor, Reason: reason, Override: override, Gates: gates})
	return err
}

// Rollback restores the project's previous production version of task and modality (the
// latest one promoted to PRODUCTION before the current one); the current one goes ARCHIVED.
// With no previous version of the project, the shared default (a shipped model) takes over
// again. It returns the version now deployed.
func (s *Service) Rollback(ctx context.Context, project, task, modality, reason string, actor Actor) (db.ModelVersion, error) {
	var none db.ModelVersion
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return none, invalid("a rollback needs a reason")
	}
	if len(reason) > maxReason {
		return none, invalid("the reason is longer than %d characters", maxReason)
	}
	var out db.ModelVersion
	err := db.InTx(ctx, s.DB, func(tx *sqlx.Tx) error {
		if err := db.LockDeployment(ctx, tx, project, task, modality); err != nil {
			return err
		}
		cur, err := db.StagedVersions(ctx, tx, project, task, modality, db.StageProduction)
		if err != nil {
			return err
		}
		if len(cur) == 0 {
			return fmt.Errorf("%w: the project has no %s version in production for %s images to roll back", db.ErrConflict, task, modality)
		}
		current := cur[0]
		prevID, err := db.PreviousProduction(ctx, tx, project, task, modality, current.ID)
		hasPrev := err == nil
		if err != nil && !errors.Is(err, db.ErrNotFound) {
			return err
		}
		if !hasPrev {
			if _, err := db.DeployedSharedModel(ctx, tx, task, modality); err != nil {
				if errors.Is(err, db.ErrNotFound) {
					return fmt.Errorf("%w: %s %s is the first %s version in production for %s images: there is nothing to roll back to",
						db.ErrConflict, current.Name, current.Version, task, modality)
				}
				return err
			}
		}
		if err := s.change(ctx, tx, current, db.StageArchived, nil, actor.UserID, "rolled back: "+reason, false, "[]"); err != nil {
			return err
		}
		if hasPrev {
			prev, err := db.ModelRefForUpdate(ctx, tx, prevID)
			if err != nil {
				return err
			}
			gates, err := Gates(ctx, tx, prev, project)
			if err != nil {
				return err
			}
			gj, _ := json.Marshal(gates)
			// Whatever else held production meanwhile (none: the lock) or the canary stays.
			if err := s.change(ctx, tx, prev, db.StageProduction, nil, actor.UserID, "rollback restores it: "+reason, false, string(gj)); err != nil {
				return err
			}
		}
		dep, err := db.DeployedModel(ctx, tx, task, modality, project)
		if err != nil {
			return err
		}
		out = dep.ModelVersion
		return nil
	})
	return out, err
}

// Interval is a span during which a version was PRODUCTION or CANARY.
type Interval struct {
	VersionID     int64
	Stage         string
	CanaryPercent *int
	From          time.Time
	To            *time.Time
	Began         db.StageChange
	Ended         *db.StageChange
}

// History returns every interval a version the project sees (its own or shared) was
// PRODUCTION or CANARY for task and modality, oldest first, from the stage changes.
func History(ctx context.Context, q sqlx.QueryerContext, project, task, modality string) ([]Interval, error) {
	changes, err := db.DeploymentChanges(ctx, q, project, task, modality)
	if err != nil {
		return nil, err
	}
	var out []Interval
	open := map[int64]int{} // version → index of its open interval
	for _, c := range changes {
		if i, ok := open[c.ModelVersionID]; ok {
			ended := c
			out[i].To, out[i].Ended = &ended.At, &ended
			delete(open, c.ModelVersionID)
		}
		if c.ToStage == db.StageProduction || c.ToStage == db.StageCanary {
			open[c.ModelVersionID] = len(out)
			out = append(out, Interval{VersionID: c.ModelVersionID, Stage: c.ToStage, CanaryPercent: c.CanaryPercent, From: c.At, Began: c})
		}
	}
	return out, nil
}

// DecodeGates reads a stage change's gates.
func DecodeGates(s string) []Gate {
	var gs []Gate
	_ = json.Unmarshal([]byte(s), &gs)
	return gs
}

// SetGatePolicy sets the project's gate policy for a task and modality.
func (s *Service) SetGatePolicy(ctx context.Context, p db.GatePolicy) (db.GatePolicy, error) {
	if p.Task != "cones" && p.Task != "capillaries" {
		return p, invalid("task %q: cones or capillaries", p.Task)
	}
	switch p.Modality {
	case "confocal", "split-detector", "any":
	default:
		return p, invalid("modality %q: confocal, split-detector or any", p.Modality)
	}
	if !(p.MinDice >= 0 && p.MinDice <= 1) || !(p.MaxDiceDrop >= 0 && p.MaxDiceDrop <= 1) {
		return p, invalid("minDice and maxDiceDrop lie in [0, 1]")
	}
	if !(p.MaxMsPerMpx > 0) || p.MaxMsPerMpx > 1e9 {
		return p, invalid("maxMsPerMpx must be positive")
	}
	return db.PutGatePolicy(ctx, s.DB, p)
}

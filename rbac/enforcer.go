// Package rbac answers "may this subject do this action on this GraphQL coordinate in this
// project?" with Casbin (RBAC with domains = projects), keeps the policy in PostgreSQL and
// spreads changes to every replica over Redis pub/sub.
package rbac

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/casbin/casbin/v2"
	"github.com/casbin/casbin/v2/model"
	"github.com/jmoiron/sqlx"
)

//go:embed model.conf
var modelConf string

// ErrForbidden reports that the subject may not do what it asked.
var ErrForbidden = errors.New("forbidden")

// ErrLastAdmin reports a change refused because it would leave a project without an admin.
var ErrLastAdmin = errors.New("a project would be left without an admin")

// ErrInvalid reports a malformed request: unknown role, empty coordinate, bad action.
var ErrInvalid = errors.New("invalid")

// UserSubject is the Casbin subject of user id.
func UserSubject(id int64) string { return "user:" + strconv.FormatInt(id, 10) }

// Enforcer decides requests against the policy held in memory and edits the stored policy.
// It is safe for concurrent use: fields resolve concurrently.
type Enforcer struct {
	se      *casbin.SyncedEnforcer
	db      *sqlx.DB // nil for an in-memory enforcer
	log     *slog.Logger
	watcher *Watcher
	cache   *decisionCache
}

func newModel() (model.Model, error) {
	m, err := model.NewModelFromString(modelConf)
	if err != nil {
		return nil, fmt.Errorf("casbin model: %w", err)
	}
	return m, nil
}

func coordMatchFunc(args ...any) (any, error) {
	if len(args) != 2 {
		return false, errors.New("coordMatch wants 2 arguments")
	}
	req, ok1 := args[0].(string)
	pat, ok2 := args[1].(string)
	if !ok1 || !ok2 {
		return false, errors.New("coordMatch wants strings")
	}
	return coordMatch(req, pat), nil
}

// New seeds the default policy into conn if it was never seeded, and returns an enforcer
// holding the stored policy. log may be nil.
func New(ctx context.Context, conn *sqlx.DB, log *slog.Logger) (*Enforcer, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if err := Seed(ctx, conn); err != nil {
		return nil, err
	}
	m, err := newModel()
	if err != nil {
		return nil, err
	}
	se, err := casbin.NewSyncedEnforcer(m, NewAdapter(conn))
	if err != nil {
		return nil, fmt.Errorf("casbin enforcer: %w", err)
	}
	se.AddFunction("coordMatch", coordMatchFunc)
	// Edits go through this package's transactions, not Casbin's auto-save.
	se.EnableAutoSave(false)
	e := &Enforcer{se: se, db: conn, log: log, cache: newDecisionCache()}
	if err := e.Reload(ctx); err != nil {
		return nil, err
	}
	return e, nil
}

// NewMemory returns an enforcer over rules and grants held in memory only: for documents
// and tests of the policy table. grants are (subject, role, project) triples.
func NewMemory(rules []Rule, grants [][3]string) (*Enforcer, error) {
	m, err := newModel()
	if err != nil {
		return nil, err
	}
	se, err := casbin.NewSyncedEnforcer(m)
	if err != nil {
		return nil, fmt.Errorf("casbin enforcer: %w", err)
	}
	se.AddFunction("coordMatch", coordMatchFunc)
	for _, r := range rules {
		if _, err := se.AddPolicy(r.Role, AllProjects, r.Object, r.Action); err != nil {
			return nil, fmt.Errorf("add rule %v: %w", r, err)
		}
	}
	for _, g := range grants {
		if _, err := se.AddGroupingPolicy(g[0], g[1], g[2]); err != nil {
			return nil, fmt.Errorf("add grant %v: %w", g, err)
		}
	}
	return &Enforcer{se: se, log: slog.New(slog.DiscardHandler), cache: newDecisionCache()}, nil
}

// Reload reads the whole policy from PostgreSQL again.
func (e *Enforcer) Reload(ctx context.Context) error {
	if e.db == nil {
		return nil
	}
	if err := e.se.LoadPolicy(); err != nil {
		return fmt.Errorf("reload policy: %w", err)
	}
	e.cache.reset()
	return nil
}

// ReloadEvery reloads the policy every d until ctx ends: a safety net under the watcher
// for changes announced while this replica could not hear. Run it in a goroutine.
func (e *Enforcer) ReloadEvery(ctx context.Context, d time.Duration) {
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := e.Reload(ctx); err != nil && ctx.Err() == nil {
				e.log.Error("periodic policy reload", "err", err)
			}
		}
	}
}

// Allowed reports whether subject (UserSubject(id), or a role name) may do act on coordinate
// obj in project. An error means the question itself was malformed or Casbin failed;
// callers deny in that case too.
func (e *Enforcer) Allowed(ctx context.Context, subject, project, obj, act string) (bool, error) {
	if subject == "" || project == "" || obj == "" || act == "" {
		return false, fmt.Errorf("allowed(%q, %q, %q, %q): %w: empty argument", subject, project, obj, act, ErrInvalid)
	}
	if strings.Contains(project, "*") {
		return false, fmt.Errorf("allowed: project %q: %w: not a project", project, ErrInvalid)
	}
	key := cacheKey(subject, project, obj, act)
	ok, hit, gen := e.cache.get(key)
	if hit {
		return ok, nil
	}
	ok, err := e.se.Enforce(subject, project, obj, act)
	if err != nil {
		return false, fmt.Errorf("enforce: %w", err)
	}
	e.cache.put(key, ok, gen)
	return ok, nil
}

// Check is Allowed that answers ErrForbidden for a denial.
func (e *Enforcer) Check(ctx context.Context, subject, project, obj, act string) error {
	ok, err := e.Allowed(ctx, subject, project, obj, act)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("%s %s %s in %s: %w", subject, act, obj, project, ErrForbidden)
	}
	return nil
}

// SetWatcher makes every change announced on w reload this enforcer's policy, and makes
// this enforcer's edits announce themselves on w. (w is not handed to Casbin: Casbin's
// default callback would reload without the synced enforcer's lock, and edits go through
// this package, not Casbin's auto-save.)
func (e *Enforcer) SetWatcher(w *Watcher) error {
	if err := w.SetUpdateCallback(func(msg string) {
		ctx, cancel := context.WithTimeout(context.Background(), adapterTimeout)
		defer cancel()
		if err := e.Reload(ctx); err != nil {
			e.log.Error("reload policy after change", "err", err, "from", msg)
		}
	}); err != nil {
		return err
	}
	e.watcher = w
	return nil
}

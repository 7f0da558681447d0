package rbac

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// seedReleases lists, after the first, the default rules each release added, by the objects
// they grant. A database seeded by an earlier release gets each later release's rules once
// (rbac_seed records the versions written), so new types are readable by the roles meant to
// read them, and an admin's edits to the earlier defaults stand.
var seedReleases = []struct {
	version int
	objects []string
}{
	// The model registry, and the nerve-fibre orientation and uncertainty grids of runs.
	{2, []string{"Query.models", "Model.*", "ModelVersion.*", "ModelVersion.weightsUrl", "FibreOrientation.*", "ScalarGrid.*"}},
	// Own API tokens (list, revoke) and account names, not e-mail addresses (issue 13).
	{3, []string{"Query.myTokens", "Mutation.revokeToken", "ApiToken.*", "User.id", "User.displayName"}},
	// Calibration: a volume's pixel size and its source, set by a technician.
	{4, []string{"Mutation.setVolumeCalibration", "SetVolumeCalibrationPayload.*", "DeviceCalibration.*"}},
	// Names and the analyst's table (issue 14; numbered after its migration, 00012): the
	// metric catalog and wide table, archiving and correcting cases.
	{12, append(append([]string{"Query.metricCatalog", "Query.metricTable", "Query.metricTableCsv"}, caseEdits...), typePatterns(tableTypes)...)},
	// Work queues and per-region review (issue 14; numbered after its migration, 00013).
	{13, []string{"Query.myWork", "Query.labelers", "Mutation.assignVolume", "WorkQueue.*", "WorkItem.*", "ReviewRegion.*", "Point.*", "User.*"}},
	// The per-cell distributions of runs (results charts). Numbered after the branch's
	// migration (00014) so that releases written in parallel do not share a version.
	{14, []string{"CellDistributions.*", "Histogram.*"}},
	// The learned segmenter (issue 15): what found a run's cells and vessels, on which
	// device. Model.modality and ModelVersion.card fall under release 2's Model.* and
	// ModelVersion.*.
	{20, []string{"Segmentation.*", "DetectorUse.*"}},
	// Volume kinds (issue 17; numbered after its migration, 00030): every data role reads
	// them through Volume.*; a scanner reads the kind recorded for its own upload.
	{30, []string{"Volume.volumeKind", "Volume.volumeKindSource"}},
	// Retinal layers in the viewer (issue 17; numbered after its migration, 00038): a B-scan's
	// boundaries, thickness maps and slabs for every data role, and a labeler's corrections.
	{38, append([]string{"Mutation.saveLayerBoundary"}, typePatterns(layerTypes)...)},
	// DICOM network intake (issue 18): the technician sees which calling AE titles may send;
	// allowing and removing them stays the admin's.
	{40, dicomPeerReads},
	// Exports and coordinate-file imports (issue 18; numbered after its migration, 00045).
	{45, append(append(append([]string{}, exportFields...), "Mutation.exportMetrics", "Mutation.exportMarks", "Mutation.importMarks"), typePatterns(exportTypes)...)},
	// The model registry (issue 16; numbered after its migration, 00050).
	{50, append(append(append([]string{}, registryReads...), registryWrites...), typePatterns(registryTypes)...)},
}

// SeedVersions returns the versions Seed records: 1 for the first policy, then each release's.
func SeedVersions() []int {
	out := []int{1}
	for _, r := range seedReleases {
		out = append(out, r.version)
	}
	return out
}

func typePatterns(ts []string) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t + ".*"
	}
	return out
}

// editLock serialises policy edits across replicas (pg_advisory_xact_lock key, "aomasrba").
const editLock int64 = 0x616f6d6173726261

// Seed writes the default policy into conn once, and each later release's added rules once;
// later calls, from any replica, do nothing, so an admin's edits to the defaults stand.
func Seed(ctx context.Context, conn *sqlx.DB) error {
	tx, err := conn.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("seed policy: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, editLock); err != nil {
		return fmt.Errorf("seed policy: %w", err)
	}
	first, err := markSeeded(ctx, tx, 1)
	if err != nil {
		return err
	}
	for _, rel := range seedReleases {
		fresh, err := markSeeded(ctx, tx, rel.version)
		if err != nil {
			return err
		}
		if fresh && !first {
			if err := insertDefaults(ctx, tx, rel.objects); err != nil {
				return err
			}
		}
	}
	if first {
		if err := insertDefaults(ctx, tx, nil); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("seed policy: %w", err)
	}
	return nil
}

// markSeeded records version in rbac_seed and says whether it was not there before.
func markSeeded(ctx context.Context, tx *sqlx.Tx, version int) (bool, error) {
	res, err := tx.ExecContext(ctx, `INSERT INTO rbac_seed (version) VALUES ($1) ON CONFLICT DO NOTHING`, version)
	if err != nil {
		return false, fmt.Errorf("seed policy %d: %w", version, err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// insertDefaults writes the default rules granting one of objects (all of them for nil).
func insertDefaults(ctx context.Context, tx *sqlx.Tx, objects []string) error {
	var rules [][]string
	for _, r := range DefaultPolicy() {
		if objects == nil || slices.Contains(objects, r.Object) {
			rules = append(rules, []string{r.Role, AllProjects, r.Object, r.Action})
		}
	}
	if err := insertRules(ctx, tx, "p", rules); err != nil {
		return fmt.Errorf("seed policy: %w", err)
	}
	return nil
}

func validRole(role string) error {
	if !slices.Contains(Roles(), role) {
		return fmt.Errorf("role %q: %w: not one of %s", role, ErrInvalid, strings.Join(Roles(), ", "))
	}
	return nil
}

func validProject(project string) error {
	if project == "" || (strings.Contains(project, "*") && project != AllProjects) {
		return fmt.Errorf("project %q: %w", project, ErrInvalid)
	}
	return nil
}

// Also is work done in a policy edit's transaction after the change and before the admin
// check and commit: typically the audit entry that records the change.
type Also func(tx *sqlx.Tx) error

// edit runs f and then also in a transaction that holds the policy lock, refuses the change if a project
// that had an admin (or the whole system, "*") has none after it, and then reloads this enforcer and tells the others.
func (e *Enforcer) edit(ctx context.Context, f func(tx *sqlx.Tx) error, also []Also) error {
	if e.db == nil {
		return fmt.Errorf("edit policy: %w: in-memory enforcer", ErrInvalid)
	}
	tx, err := e.db.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("edit policy: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, editLock); err != nil {
		return fmt.Errorf("edit policy: %w", err)
	}
	var domains []string
	if err := tx.SelectContext(ctx, &domains, `SELECT DISTINCT v2 FROM casbin_rule WHERE ptype = 'g' UNION SELECT '*'`); err != nil {
		return fmt.Errorf("list projects: %w", err)
	}
	had, err := administered(ctx, tx, domains)
	if err != nil {
		return err
	}
	if err := f(tx); err != nil {
		return err
	}
	for _, a := range also {
		if err := a(tx); err != nil {
			return err
		}
	}
	still, err := administered(ctx, tx, had)
	if err != nil {
		return err
	}
	var lost []string
	for _, d := range had {
		if !slices.Contains(still, d) {
			lost = append(lost, d)
		}
	}
	if len(lost) > 0 {
		return fmt.Errorf("%w: %s", ErrLastAdmin, strings.Join(lost, ", "))
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("edit policy: %w", err)
	}
	if err := e.Reload(ctx); err != nil {
		return err
	}
	if e.watcher != nil {
		if err := e.watcher.Update(); err != nil {
			// Stored and applied here; the others catch up at their periodic reload.
			e.log.Warn("announce policy change", "err", err)
		}
	}
	return nil
}

// administered returns those of domains (projects, or "*" for the whole system) that have
// an admin; an admin of "*" administers every project.
func administered(ctx context.Context, tx *sqlx.Tx, domains []string) ([]string, error) {
	var out []string
	err := tx.SelectContext(ctx, &out, `
		SELECT d FROM unnest($1::text[]) AS d
		WHERE EXISTS (SELECT 1 FROM casbin_rule r WHERE r.ptype = 'g' AND r.v1 = $2 AND (r.v2 = d OR r.v2 = '*'))
		ORDER BY d`, pq.Array(domains), RoleAdmin)
	if err != nil {
		return nil, fmt.Errorf("count admins: %w", err)
	}
	return out, nil
}

// GrantRole gives subject role in project (AllProjects for every project).
func (e *Enforcer) GrantRole(ctx context.Context, subject, role, project string, also ...Also) error {
	if err := validRole(role); err != nil {
		return err
	}
	if err := validProject(project); err != nil {
		return err
	}
	if subject == "" {
		return fmt.Errorf("grant role: %w: empty subject", ErrInvalid)
	}
	return e.edit(ctx, func(tx *sqlx.Tx) error {
		return insertRules(ctx, tx, "g", [][]string{{subject, role, project}})
	}, also)
}

// RevokeRole takes role in project from subject, unless that leaves a project without an
// admin (ErrLastAdmin).
func (e *Enforcer) RevokeRole(ctx context.Context, subject, role, project string, also ...Also) error {
	if err := validRole(role); err != nil {
		return err
	}
	if err := validProject(project); err != nil {
		return err
	}
	return e.edit(ctx, func(tx *sqlx.Tx) error {
		return deleteRules(ctx, tx, "g", [][]string{{subject, role, project}})
	}, also)
}

// RevokeAll takes every role in every project from subject (a disabled account), unless
// that leaves a project without an admin.
func (e *Enforcer) RevokeAll(ctx context.Context, subject string, also ...Also) error {
	return e.edit(ctx, func(tx *sqlx.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM casbin_rule WHERE ptype = 'g' AND v0 = $1`, subject)
		return err
	}, also)
}

// SetRolePermissions replaces what role may do in every project. The admin role's
// permission ("*") is fixed, so that a project can always be administered.
func (e *Enforcer) SetRolePermissions(ctx context.Context, role string, perms []Permission, also ...Also) error {
	if err := validRole(role); err != nil {
		return err
	}
	if role == RoleAdmin {
		return fmt.Errorf("set permissions of %s: %w", role, ErrLastAdmin)
	}
	rules := make([][]string, 0, len(perms))
	for _, p := range perms {
		if p.Object == "" || strings.ContainsAny(p.Object, " ,") {
			return fmt.Errorf("permission object %q: %w", p.Object, ErrInvalid)
		}
		if p.Action != ActRead && p.Action != ActWrite && p.Action != "*" {
			return fmt.Errorf("permission action %q: %w: want read or write", p.Action, ErrInvalid)
		}
		rules = append(rules, []string{role, AllProjects, p.Object, p.Action})
	}
	return e.edit(ctx, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM casbin_rule WHERE ptype = 'p' AND v0 = $1 AND v1 = $2`, role, AllProjects); err != nil {
			return fmt.Errorf("clear permissions of %s: %w", role, err)
		}
		return insertRules(ctx, tx, "p", rules)
	}, also)
}

// RolePermissions returns what role may do in every project, sorted.
func (e *Enforcer) RolePermissions(role string) ([]Permission, error) {
	rules, err := e.se.GetFilteredPolicy(0, role, AllProjects)
	if err != nil {
		return nil, fmt.Errorf("permissions of %s: %w", role, err)
	}
	out := make([]Permission, 0, len(rules))
	for _, r := range rules {
		out = append(out, Permission{Object: r[2], Action: r[3]})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Object != out[j].Object {
			return out[i].Object < out[j].Object
		}
		return out[i].Action < out[j].Action
	})
	return out, nil
}

// Grant is one subject holding one role in one project.
type Grant struct {
	Subject string
	Role    string
	Project string
}

// Members returns the grants in project, including those for every project (AllProjects),
// sorted by subject and role. An empty project lists every grant.
func (e *Enforcer) Members(project string) ([]Grant, error) {
	rules, err := e.se.GetGroupingPolicy()
	if err != nil {
		return nil, fmt.Errorf("members: %w", err)
	}
	var out []Grant
	for _, r := range rules {
		if len(r) < 3 {
			continue
		}
		if project == "" || r[2] == project || r[2] == AllProjects {
			out = append(out, Grant{Subject: r[0], Role: r[1], Project: r[2]})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Subject != b.Subject {
			return a.Subject < b.Subject
		}
		if a.Role != b.Role {
			return a.Role < b.Role
		}
		return a.Project < b.Project
	})
	return out, nil
}

// RolesOf returns the roles subject holds in project, including those held in every
// project, sorted and without repeats.
func (e *Enforcer) RolesOf(subject, project string) ([]string, error) {
	grants, err := e.Members(project)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, g := range grants {
		if g.Subject == subject && !slices.Contains(out, g.Role) {
			out = append(out, g.Role)
		}
	}
	sort.Strings(out)
	return out, nil
}

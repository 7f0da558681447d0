package rbac

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/casbin/casbin/v2/model"
	"github.com/casbin/casbin/v2/persist"
	"github.com/jmoiron/sqlx"
)

// adapterTimeout bounds each statement: Casbin's adapter interface carries no context.
const adapterTimeout = 10 * time.Second

// Adapter stores Casbin rules in PostgreSQL's casbin_rule table (ptype, v0…v5).
type Adapter struct {
	db *sqlx.DB
}

var (
	_ persist.Adapter      = (*Adapter)(nil)
	_ persist.BatchAdapter = (*Adapter)(nil)
)

// NewAdapter returns an adapter over conn, whose schema `aomas migrate` created.
func NewAdapter(conn *sqlx.DB) *Adapter { return &Adapter{db: conn} }

type ruleRow struct {
	PType string `db:"ptype"`
	V0    string `db:"v0"`
	V1    string `db:"v1"`
	V2    string `db:"v2"`
	V3    string `db:"v3"`
	V4    string `db:"v4"`
	V5    string `db:"v5"`
}

func (r ruleRow) values() []string {
	vs := []string{r.V0, r.V1, r.V2, r.V3, r.V4, r.V5}
	for len(vs) > 0 && vs[len(vs)-1] == "" {
		vs = vs[:len(vs)-1]
	}
	return vs
}

func newRuleRow(ptype string, rule []string) (ruleRow, error) {
	if len(rule) > 6 {
		return ruleRow{}, fmt.Errorf("rule %v: more than 6 fields", rule)
	}
	var v [6]string
	copy(v[:], rule)
	return ruleRow{PType: ptype, V0: v[0], V1: v[1], V2: v[2], V3: v[3], V4: v[4], V5: v[5]}, nil
}

func (a *Adapter) ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), adapterTimeout)
}

// LoadPolicy loads every rule into m.
func (a *Adapter) LoadPolicy(m model.Model) error {
	ctx, cancel := a.ctx()
	defer cancel()
	return loadRules(ctx, a.db, m)
}

func loadRules(ctx context.Context, q sqlx.QueryerContext, m model.Model) error {
	var rows []ruleRow
	if err := sqlx.SelectContext(ctx, q, &rows, `SELECT ptype, v0, v1, v2, v3, v4, v5 FROM casbin_rule ORDER BY id`); err != nil {
		return fmt.Errorf("load policy: %w", err)
	}
	for _, r := range rows {
		if err := persist.LoadPolicyArray(append([]string{r.PType}, r.values()...), m); err != nil {
			return fmt.Errorf("load policy rule %s %v: %w", r.PType, r.values(), err)
		}
	}
	return nil
}

// SavePolicy replaces every stored rule with m's.
func (a *Adapter) SavePolicy(m model.Model) error {
	ctx, cancel := a.ctx()
	defer cancel()
	tx, err := a.db.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("save policy: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	if _, err := tx.ExecContext(ctx, `DELETE FROM casbin_rule`); err != nil {
		return fmt.Errorf("save policy: %w", err)
	}
	for _, sec := range []string{"p", "g"} {
		for ptype, ast := range m[sec] {
			if err := insertRules(ctx, tx, ptype, ast.Policy); err != nil {
				return fmt.Errorf("save policy: %w", err)
			}
		}
	}
	return tx.Commit()
}

func insertRules(ctx context.Context, x sqlx.ExtContext, ptype string, rules [][]string) error {
	for _, rule := range rules {
		r, err := newRuleRow(ptype, rule)
		if err != nil {
			return err
		}
		if _, err := sqlx.NamedExecContext(ctx, x, `INSERT INTO casbin_rule (ptype, v0, v1, v2, v3, v4, v5)
			VALUES (:ptype, :v0, :v1, :v2, :v3, :v4, :v5) ON CONFLICT DO NOTHING`, r); err != nil {
			return fmt.Errorf("insert rule %s %v: %w", ptype, rule, err)
		}
	}
	return nil
}

func deleteRules(ctx context.Context, x sqlx.ExtContext, ptype string, rules [][]string) error {
	for _, rule := range rules {
		r, err := newRuleRow(ptype, rule)
		if err != nil {
			return err
		}
		if _, err := sqlx.NamedExecContext(ctx, x, `DELETE FROM casbin_rule WHERE ptype = :ptype AND v0 = :v0
			AND v1 = :v1 AND v2 = :v2 AND v3 = :v3 AND v4 = :v4 AND v5 = :v5`, r); err != nil {
			return fmt.Errorf("delete rule %s %v: %w", ptype, rule, err)
		}
	}
	return nil
}

// inTx runs f in a transaction committed when f returns nil. (rbac is a leaf package, so it
// keeps its own few lines rather than importing db's.)
func (a *Adapter) inTx(ctx context.Context, f func(tx *sqlx.Tx) error) error {
	tx, err := a.db.BeginTxx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	if err := f(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// AddPolicy stores one rule.
func (a *Adapter) AddPolicy(sec, ptype string, rule []string) error {
	return a.AddPolicies(sec, ptype, [][]string{rule})
}

// AddPolicies stores rules in one transaction.
func (a *Adapter) AddPolicies(_, ptype string, rules [][]string) error {
	ctx, cancel := a.ctx()
	defer cancel()
	return a.inTx(ctx, func(tx *sqlx.Tx) error { return insertRules(ctx, tx, ptype, rules) })
}

// RemovePolicy deletes one rule.
func (a *Adapter) RemovePolicy(sec, ptype string, rule []string) error {
	return a.RemovePolicies(sec, ptype, [][]string{rule})
}

// RemovePolicies deletes rules in one transaction.
func (a *Adapter) RemovePolicies(_, ptype string, rules [][]string) error {
	ctx, cancel := a.ctx()
	defer cancel()
	return a.inTx(ctx, func(tx *sqlx.Tx) error { return deleteRules(ctx, tx, ptype, rules) })
}

// RemoveFilteredPolicy deletes the rules whose fields from fieldIndex on equal
// fieldValues; an empty value matches anything.
func (a *Adapter) RemoveFilteredPolicy(_, ptype string, fieldIndex int, fieldValues ...string) error {
	if fieldIndex < 0 || fieldIndex+len(fieldValues) > 6 {
		return errors.New("remove filtered policy: field index out of range")
	}
	where := []string{"ptype = $1"}
	args := []any{ptype}
	for i, v := range fieldValues {
		if v == "" {
			continue
		}
		args = append(args, v)
		where = append(where, fmt.Sprintf("v%d = $%d", fieldIndex+i, len(args)))
	}
	ctx, cancel := a.ctx()
	defer cancel()
	if _, err := a.db.ExecContext(ctx, `DELETE FROM casbin_rule WHERE `+strings.Join(where, " AND "), args...); err != nil {
		return fmt.Errorf("remove filtered policy: %w", err)
	}
	return nil
}

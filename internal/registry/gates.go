package registry

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/jmoiron/sqlx"

	"github.com/aomas/aomas/db"
)

// Gate names.
const (
	GateMinDice   = "min_dice"
	GateNotWorse  = "not_worse_than_production"
	GateCard      = "complete_card"
	GateSpeed     = "speed"
	overallScores = "all"
)

// Gate is one gate's verdict.
type Gate struct {
	Gate   string `json:"gate"`
	Passed bool   `json:"passed"`
	Detail string `json:"detail"`
}

// GateError refuses a promotion over failed gates; Gates holds every gate's verdict.
type GateError struct {
	Stage string
	Gates []Gate
}

func (e *GateError) Error() string {
	var failed []string
	for _, g := range e.Gates {
		if !g.Passed {
			failed = append(failed, g.Gate+" ("+g.Detail+")")
		}
	}
	return fmt.Sprintf("promotion to %s refused by the gates: %s", e.Stage, strings.Join(failed, "; "))
}

// Failed reports whether any gate failed.
func Failed(gates []Gate) bool {
	for _, g := range gates {
		if !g.Passed {
			return true
		}
	}
	return false
}

// estimate is a value with its 95% interval, as evaluations store scores.
type estimate struct {
	Value float64 `json:"value"`
	Low   float64 `json:"low"`
	High  float64 `json:"high"`
}

// scoreRow is one row of evaluations.scores.
type scoreRow struct {
	Modality string   `json:"modality"`
	Images   int      `json:"images"`
	Dice     estimate `json:"dice"`
}

func parseScores(s string) ([]scoreRow, error) {
	var rows []scoreRow
	if err := json.Unmarshal([]byte(s), &rows); err != nil {
		return nil, fmt.Errorf("evaluation scores: %w", err)
	}
	return rows, nil
}

func scoreOf(rows []scoreRow, modality string) (scoreRow, bool) {
	for _, r := range rows {
		if r.Modality == modality {
			return r, true
		}
	}
	return scoreRow{}, false
}

// requiredCardFields are what a complete card says beyond what inference reads: how the
// model was trained and measured, what it is for and where it fails.
var requiredCardFields = []string{"training", "metrics", "intended_use", "limits"}

// Gates judges a version against its project's gate policy: minimum Dice per modality on
// its latest evaluation, no worse than the production version on the same dataset beyond
// the policy's margin (judged with the candidate's interval), a complete card, and speed.
func Gates(ctx context.Context, q sqlx.QueryerContext, ref db.ModelRef, project string) ([]Gate, error) {
	policy, err := db.GatePolicyFor(ctx, q, project, ref.Task, ref.Modality)
	noPolicy := errors.Is(err, db.ErrNotFound)
	if err != nil && !noPolicy {
		return nil, err
	}
	card := cardGate(ref.Card)
	ev, err := db.LatestEvaluation(ctx, q, ref.ID, nil)
	if errors.Is(err, db.ErrNotFound) {
		return []Gate{
			{GateMinDice, false, "not evaluated: evaluate the version on a dataset first"},
			{GateNotWorse, false, "not evaluated"},
			card,
			{GateSpeed, false, "not evaluated"},
		}, nil
	}
	if err != nil {
		return nil, err
	}
	if noPolicy {
		msg := fmt.Sprintf("no gate policy for %s %s", ref.Task, ref.Modality)
		return []Gate{{GateMinDice, false, msg}, {GateNotWorse, false, msg}, card, {GateSpeed, false, msg}}, nil
	}
	rows, err := parseScores(ev.Scores)
	if err != nil {
		return nil, err
	}
	minDice, err := minDiceGate(ctx, q, ref, project, policy, rows, ev)
	if err != nil {
		return nil, err
	}
	notWorse, err := notWorseGate(ctx, q, ref, project, policy, rows, ev)
	if err != nil {
		return nil, err
	}
	speed := Gate{Gate: GateSpeed}
	switch {
	case ev.MsPerMpx == nil:
		speed.Detail = fmt.Sprintf("no speed measured on %s", ev.DatasetName)
	case *ev.MsPerMpx <= policy.MaxMsPerMpx:
		speed.Passed = true
		speed.Detail = fmt.Sprintf("%.0f ms per megapixel ≤ %.0f", *ev.MsPerMpx, policy.MaxMsPerMpx)
	default:
		speed.Detail = fmt.Sprintf("%.0f ms per megapixel > %.0f", *ev.MsPerMpx, policy.MaxMsPerMpx)
	}
	return []Gate{minDice, notWorse, card, speed}, nil
}

// minDiceGate checks each modality the version reads: a version for one modality its score
// there (else overall); a version for any modality each per-modality score against that
// modality's policy (else the overall one).
func minDiceGate(ctx context.Context, q sqlx.QueryerContext, ref db.ModelRef, project string, policy db.GatePolicy,
	rows []scoreRow, ev db.EvaluationSummary) (Gate, error) {
	type check struct {
		row    scoreRow
		policy db.GatePolicy
	}
	var checks []check
	if ref.Modality != "any" {
		r, ok := scoreOf(rows, ref.Modality)
		if !ok {
			r, ok = scoreOf(rows, overallScores)
		}
		if ok {
			checks = append(checks, check{r, policy})
		}
	} else {
		for _, r := range rows {
			if r.Modality == overallScores {
				continue
			}
			p, err := db.GatePolicyFor(ctx, q, project, ref.Task, r.Modality)
			if err != nil {
				return Gate{}, err
			}
			checks = append(checks, check{r, p})
		}
		if len(checks) == 0 {
			if r, ok := scoreOf(rows, overallScores); ok {
				checks = append(checks, check{r, policy})
			}
		}
	}
	if len(checks) == 0 {
		return Gate{GateMinDice, false, fmt.Sprintf("evaluation on %s has no scores", ev.DatasetName)}, nil
	}
	g := Gate{Gate: GateMinDice, Passed: true}
	var parts []string
	for _, c := range checks {
		d := c.row.Dice
		op := "≥"
		if d.Value < c.policy.MinDice {
			g.Passed, op = false, "<"
		}
		parts = append(parts, fmt.Sprintf("Dice %.3f [%.3f, %.3f] %s %.3f for %s", d.Value, d.Low, d.High, op, c.policy.MinDice, c.row.Modality))
	}
	g.Detail = strings.Join(parts, "; ") + " on " + ev.DatasetName
	return g, nil
}

// notWorseGate compares overall Dice with the production version's on the same dataset:
// refused when the candidate's upper 95% bound is below production's Dice less the margin.
func notWorseGate(ctx context.Context, q sqlx.QueryerContext, ref db.ModelRef, project string, policy db.GatePolicy,
	rows []scoreRow, ev db.EvaluationSummary) (Gate, error) {
	g := Gate{Gate: GateNotWorse}
	prod, err := db.DeployedModel(ctx, q, ref.Task, ref.Modality, project)
	if errors.Is(err, db.ErrNotFound) {
		g.Passed, g.Detail = true, fmt.Sprintf("no %s version in production for %s images", ref.Task, ref.Modality)
		return g, nil
	}
	if err != nil {
		return g, err
	}
	if prod.ID == ref.ID {
		g.Passed, g.Detail = true, "this is the production version"
		return g, nil
	}
	prodName := prod.Name + " " + prod.Version
	pev, err := db.LatestEvaluation(ctx, q, prod.ID, &ev.DatasetID)
	if errors.Is(err, db.ErrNotFound) {
		g.Detail = fmt.Sprintf("production %s has no evaluation on %s to compare with: evaluate it there", prodName, ev.DatasetName)
		return g, nil
	}
	if err != nil {
		return g, err
	}
	prows, err := parseScores(pev.Scores)
	if err != nil {
		return g, err
	}
	c, ok1 := scoreOf(rows, overallScores)
	p, ok2 := scoreOf(prows, overallScores)
	if !ok1 || !ok2 {
		g.Detail = fmt.Sprintf("no overall Dice on %s to compare", ev.DatasetName)
		return g, nil
	}
	bar := p.Dice.Value - policy.MaxDiceDrop
	g.Passed = c.Dice.High >= bar
	op := "≥"
	if !g.Passed {
		op = "<"
	}
	g.Detail = fmt.Sprintf("Dice %.3f [%.3f, %.3f]: upper bound %.3f %s %.3f (production %s Dice %.3f less %.3f) on %s",
		c.Dice.Value, c.Dice.Low, c.Dice.High, c.Dice.High, op, bar, prodName, p.Dice.Value, policy.MaxDiceDrop, ev.DatasetName)
	return g, nil
}

func cardGate(card string) Gate {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal([]byte(card), &fields); err != nil {
		return Gate{GateCard, false, "the card is not a JSON object"}
	}
	var missing []string
	for _, f := range requiredCardFields {
		v := strings.TrimSpace(string(fields[f]))
		if v == "" || v == "null" || v == `""` || v == "[]" || v == "{}" {
			missing = append(missing, f)
		}
	}
	if len(missing) > 0 {
		return Gate{GateCard, false, "the card lacks " + strings.Join(missing, ", ")}
	}
	return Gate{GateCard, true, "the card has " + strings.Join(requiredCardFields, ", ")}
}

package apitest

import (
	"context"
	"encoding/json"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aomas/aomas/db"
	"github.com/aomas/aomas/internal/evaluation"
	"github.com/aomas/aomas/internal/gid"
	"github.com/aomas/aomas/internal/models"
	"github.com/aomas/aomas/internal/testenv/shared"
	"github.com/aomas/aomas/jobs"
	"github.com/aomas/aomas/rbac"
)

// journeyCard is the shipped confocal cone card renamed to model and version, with its
// post-processing replaced when post is not nil.
func journeyCard(t *testing.T, model, version string, post map[string]any) string {
	t.Helper()
	cb, err := fs.ReadFile(models.Shipped, "cones-confocal.card.json")
	require.NoError(t, err)
	var card map[string]any
	require.NoError(t, json.Unmarshal(cb, &card))
	card["name"], card["version"] = model, version
	if post != nil {
		card["postprocess"] = post
	}
	b, err := json.Marshal(card)
	require.NoError(t, err)
	return string(b)
}

type journeyRun struct {
	ID           string
	Status       string
	Volume       struct{ ID string }
	Segmentation *struct {
		Cones struct {
			Detector, Choice string
			ModelVersion     *struct{ ID string }
		}
	}
	Steps []struct{ Name, Status string }
}

const journeyRunFields = `id status volume { id } segmentation { cones { detector choice modelVersion { id } } } steps { name status }`

// runAll starts a run on each volume over GraphQL, then waits for them all to end.
func (e *evalAPI) runAll(volumes []string) []journeyRun {
	t := e.t
	t.Helper()
	ids := make([]string, len(volumes))
	for i, v := range volumes {
		var started struct{ StartRun struct{ ID string } }
		e.mustQuery(`mutation($v: ID!) { startRun(input: {volumeId: $v}) { id } }`, map[string]any{"v": v}, &started)
		ids[i] = started.StartRun.ID
	}
	out := make([]journeyRun, len(ids))
	for i, id := range ids {
		require.Equal(t, "SUCCEEDED", e.waitRunEnd(id).Status)
		var d struct{ Run journeyRun }
		e.mustQuery(`query($id: ID!) { run(id: $id) { `+journeyRunFields+` } }`, map[string]any{"id": id}, &d)
		out[i] = d.Run
	}
	return out
}

// TestRegistryJourney is issue 16's must-show over real HTTP and a real worker: an ML
// engineer registers two versions of a cone model (the shipped network, once with its own
// card and once with a badly configured post-processing), evaluates both and the shipped
// production version on a dataset imported from the shared real AOSLO data; the worse one's
// promotion is refused naming the failed gates; the good one goes SHADOW (20 runs with
// their agreement recorded), CANARY at 50% (runs split by the volume's hash, within ±10%,
// the same volume always on the same version), PRODUCTION, and is rolled back;
// productionHistory and the stage history show every step with who and why, and the audit
// log has each change.
func TestRegistryJourney(t *testing.T) {
	e := newEvalAPI(t)
	mlUser, mlTok := e.accountFor(rbac.RoleMLEngineer)
	ml := e.asUser(mlTok)

	// The harness registers a misconfigured network as a shared model too (for regeval's
	// tests); here the shipped cone model alone is the shared production default.
	_, err := e.raw.Exec(`UPDATE model_versions SET stage = 'ARCHIVED' WHERE id = $1`, e.versions["cones-confocal-misconfigured"])
	require.NoError(t, err)
	// The admin sets the project's speed limit for this 2-core test machine (the default is
	// for a production server); the Dice gates stay the defaults.
	var policy struct {
		SetGatePolicy struct{ MinDice, MaxMsPerMpx float64 }
	}
	e.mustQuery(`mutation { setGatePolicy(task: "cones", modality: "confocal", minDice: 0.95, maxDiceDrop: 0.01, maxMsPerMpx: 500000) {
		minDice maxMsPerMpx } }`, nil, &policy)
	require.Equal(t, 500000.0, policy.SetGatePolicy.MaxMsPerMpx)

	// The evaluation dataset: 4 confocal images of a subject the shipped model never trained on.
	d, _ := ml.importConfocal("journey", "JC_0138", 4)
	dsID := gid.Encode("Dataset", d.ID)
	// The volumes runs are made on: 30 other real confocal images.
	caseGID := e.as(e.adminTok).createCase("S-RUNS")
	var caseID int64
	_, caseID, err = gid.Decode(caseGID)
	require.NoError(t, err)
	_, pool, err := e.evals.Import(context.Background(), e.intake, evaluation.ImportOptions{
		Dir: filepath.Join(shared.Dir(t), "data", "ao-cunefare-2017-train"), Project: "default", Dataset: "run-pool",
		CaseID: caseID, Modality: "confocal", Limit: 30})
	require.NoError(t, err)
	require.Len(t, pool, 30)
	vols := make([]string, len(pool))
	for i, p := range pool {
		vols[i] = gid.Encode("Volume", p.VolumeID)
	}

	// Register two versions over multipart GraphQL.
	onnx, err := fs.ReadFile(models.Shipped, "cones-confocal.onnx")
	require.NoError(t, err)
	register := func(version, card string) string {
		res := ml.uploadQuery(registerVersionMutation, "cones.onnx", onnx, map[string]any{"model": "cones-journey", "task": "cones",
			"modality": "confocal", "version": version, "card": card, "description": "issue 16 journey"})
		var reg registeredVersion
		require.NoError(t, decode(res, &reg))
		require.Empty(t, res.Errors)
		require.Equal(t, "CANDIDATE", reg.RegisterModelVersion.Stage)
		return reg.RegisterModelVersion.ID
	}
	good := register("1.0.0", journeyCard(t, "cones-journey", "1.0.0", nil))
	worse := register("0.9.0-bad-postprocess", journeyCard(t, "cones-journey", "0.9.0-bad-postprocess",
		map[string]any{"threshold": 0.3, "min_distance_rel_spacing": 1.6, "min_distance_px": 2.0}))
	idOf := func(g string) int64 {
		_, n, err := gid.Decode(g)
		require.NoError(t, err)
		return n
	}

	// Evaluate both, and the shipped production version the gates compare with.
	_, goodEval := ml.evaluate(idOf(good), dsID)
	_, worseEval := ml.evaluate(idOf(worse), dsID)
	_, prodEval := ml.evaluate(e.versions["cones-confocal"], dsID)
	for _, ev := range []gqlEvaluation{goodEval, worseEval, prodEval} {
		require.Equal(t, "SUCCEEDED", ev.Status, ev.Message)
	}
	t.Logf("Dice on %s: good %.4f [%.4f, %.4f], worse %.4f [%.4f, %.4f], shipped %.4f", d.Name,
		goodEval.Scores[0].Dice.Value, goodEval.Scores[0].Dice.Low, goodEval.Scores[0].Dice.High,
		worseEval.Scores[0].Dice.Value, worseEval.Scores[0].Dice.Low, worseEval.Scores[0].Dice.High, prodEval.Scores[0].Dice.Value)

	// The worse one is refused, naming its failed gates.
	res := ml.query(promoteMutation, map[string]any{"id": worse, "stage": "SHADOW", "reason": "try the cheaper post-processing"})
	require.Equal(t, []string{"CONFLICT"}, codesAt(res, "promoteModelVersion"))
	failed := map[string]string{}
	for _, g := range res.Errors[0].Extensions["gates"].([]any) {
		m := g.(map[string]any)
		if !m["passed"].(bool) {
			failed[m["gate"].(string)] = m["detail"].(string)
		}
	}
	require.Contains(t, failed, "min_dice")
	require.Contains(t, failed, "not_worse_than_production")
	require.NotContains(t, failed, "complete_card")
	require.NotContains(t, failed, "speed")
	require.Contains(t, res.Errors[0].Message, "min_dice")
	t.Logf("refused: %s", res.Errors[0].Message)

	// The good one passes every gate.
	promote := func(stage string, pct *int, reason string) {
		vars := map[string]any{"id": good, "stage": stage, "reason": reason}
		if pct != nil {
			vars["pct"] = *pct
		}
		var d struct{ PromoteModelVersion struct{ Stage string } }
		ml.mustQuery(promoteMutation, vars, &d)
		require.Equal(t, stage, d.PromoteModelVersion.Stage)
	}
	promote("SHADOW", nil, "shadow it against the shipped model")

	// SHADOW: 20 runs each run the shadow too; their results stay the production model's.
	shadowRuns := ml.runAll(vols[:20])
	for _, r := range shadowRuns {
		require.Equal(t, "deployed", r.Segmentation.Cones.Choice)
		require.Equal(t, gid.Encode("ModelVersion", e.versions["cones-confocal"]), r.Segmentation.Cones.ModelVersion.ID)
		var shadowStep string
		for _, s := range r.Steps {
			if s.Name == jobs.StepShadowSegment {
				shadowStep = s.Status
			}
		}
		require.Equal(t, "SUCCEEDED", shadowStep)
	}
	var report struct {
		ShadowReport struct {
			Runs                int
			MeanDice            *gqlEstimate
			MeanCountDifference *float64
			DiceHistogram       []int
			Recent              []struct {
				Run               struct{ ID string }
				ProductionVersion *struct{ ID string }
				Dice              float64
			}
		}
	}
	ml.mustQuery(`query($v: ID!) { shadowReport(versionId: $v) { runs meanDice { value low high } meanCountDifference diceHistogram
		recent(first: 5) { run { id } productionVersion { id } dice } } }`, map[string]any{"v": good}, &report)
	sr := report.ShadowReport
	require.Equal(t, 20, sr.Runs)
	require.Len(t, sr.DiceHistogram, 20)
	require.Len(t, sr.Recent, 5)
	require.NotNil(t, sr.MeanDice)
	require.LessOrEqual(t, sr.MeanDice.Low, sr.MeanDice.Value)
	require.Greater(t, sr.MeanDice.Value, 0.9, "the same network agrees with itself (TTA aside)")
	require.Equal(t, gid.Encode("ModelVersion", e.versions["cones-confocal"]), sr.Recent[0].ProductionVersion.ID)
	t.Logf("shadow: %d runs, mean Dice %.4f [%.4f, %.4f], mean count difference %.4f", sr.Runs, sr.MeanDice.Value,
		sr.MeanDice.Low, sr.MeanDice.High, *sr.MeanCountDifference)

	// CANARY at 50%: new runs split by the volume's bucket.
	fifty := 50
	promote("CANARY", &fifty, "half the traffic")
	canaryRuns := ml.runAll(vols)
	canary := 0
	for i, r := range canaryRuns {
		want := "deployed"
		if jobs.CanaryBucket(pool[i].VolumeID) < 50 {
			want, canary = "canary", canary+1
			require.Equal(t, good, r.Segmentation.Cones.ModelVersion.ID)
		}
		require.Equal(t, want, r.Segmentation.Cones.Choice, "volume %s", r.Volume.ID)
		var hasShadow bool
		for _, s := range r.Steps {
			hasShadow = hasShadow || s.Name == jobs.StepShadowSegment
		}
		require.False(t, hasShadow, "no SHADOW version any more")
	}
	t.Logf("canary at 50%%: %d of %d runs", canary, len(canaryRuns))
	require.InDelta(t, 0.5, float64(canary)/float64(len(canaryRuns)), 0.1)
	// Metrics per model version: the wide table's runs of the canary version are its runs.
	goodID := idOf(good)
	perVersion, err := db.ListWideRows(context.Background(), e.raw, db.MetricListFilter{Project: "default", IncludeSuperseded: true,
		ModelVersionID: &goodID}, 1000, 0)
	require.NoError(t, err)
	require.Equal(t, canary, perVersion.Total)
	for _, row := range perVersion.Rows {
		require.Equal(t, "cones-journey", *row.ModelName)
	}
	// The same over the API: the wide table filtered to the canary version.
	var table struct {
		MetricTable struct{ TotalCount int } `json:"metricTable"`
	}
	ml.mustQuery(`query($v: ID!) { metricTable(filter: {modelVersionId: $v, includeSuperseded: true}) { totalCount } }`,
		map[string]any{"v": good}, &table)
	require.Equal(t, canary, table.MetricTable.TotalCount)
	shippedID := e.versions["cones-confocal"]
	perVersion, err = db.ListWideRows(context.Background(), e.raw, db.MetricListFilter{Project: "default", IncludeSuperseded: true,
		ModelVersionID: &shippedID}, 1000, 0)
	require.NoError(t, err)
	require.Equal(t, 20+len(canaryRuns)-canary, perVersion.Total, "the deployed version's runs: the shadow phase's and the canary's others")
	again := ml.runAll([]string{canaryRuns[0].Volume.ID, canaryRuns[1].Volume.ID})
	require.Equal(t, canaryRuns[0].Segmentation.Cones.Choice, again[0].Segmentation.Cones.Choice, "the same volume, the same version")
	require.Equal(t, canaryRuns[1].Segmentation.Cones.Choice, again[1].Segmentation.Cones.Choice)

	// PRODUCTION: every new run of the project uses it (over the shared default).
	promote("PRODUCTION", nil, "canary clean for a week")
	prodRun := ml.runAll(vols[:1])[0]
	require.Equal(t, "deployed", prodRun.Segmentation.Cones.Choice)
	require.Equal(t, good, prodRun.Segmentation.Cones.ModelVersion.ID)

	// Rollback: the project had no production version before, so the shared default returns.
	var rb struct{ RollbackModel struct{ ID, Stage string } }
	ml.mustQuery(`mutation { rollbackModel(task: "cones", modality: "confocal", reason: "clinic reports missed cones") { id stage } }`, nil, &rb)
	require.Equal(t, gid.Encode("ModelVersion", e.versions["cones-confocal"]), rb.RollbackModel.ID)
	require.Equal(t, "PRODUCTION", rb.RollbackModel.Stage)
	backRun := ml.runAll(vols[:1])[0]
	require.Equal(t, gid.Encode("ModelVersion", e.versions["cones-confocal"]), backRun.Segmentation.Cones.ModelVersion.ID)

	// The production history: each interval with who and why, and the gates then.
	var hist struct {
		ProductionHistory []struct {
			ModelVersion  struct{ ID, Version string }
			Stage         string
			CanaryPercent *int
			To            *string
			Began         struct {
				Actor  *struct{ DisplayName string }
				Reason string
				Gates  []struct {
					Gate   string
					Passed bool
				}
			}
			Ended *struct {
				Reason string
				To     string
			}
		}
	}
	ml.mustQuery(`{ productionHistory(task: "cones", modality: "confocal") { modelVersion { id version } stage canaryPercent to
		began { actor { displayName } reason gates { gate passed } } ended { reason to } } }`, nil, &hist)
	ph := hist.ProductionHistory
	// First the shared versions as shipped (this server ships two for confocal cones):
	// production since they were registered, by nobody, still open.
	var shipped []string
	for len(ph) > 0 && ph[0].Began.Reason == "shipped with aomas" {
		require.Equal(t, "PRODUCTION", ph[0].Stage)
		require.Nil(t, ph[0].Began.Actor)
		require.Nil(t, ph[0].To)
		shipped = append(shipped, ph[0].ModelVersion.ID)
		ph = ph[1:]
	}
	require.Contains(t, shipped, gid.Encode("ModelVersion", e.versions["cones-confocal"]))
	require.Len(t, ph, 2)
	require.Equal(t, "CANARY", ph[0].Stage)
	require.Equal(t, 50, *ph[0].CanaryPercent)
	require.Equal(t, "half the traffic", ph[0].Began.Reason)
	require.Equal(t, mlUser.DisplayName, ph[0].Began.Actor.DisplayName)
	require.Len(t, ph[0].Began.Gates, 4)
	for _, g := range ph[0].Began.Gates {
		require.True(t, g.Passed, g.Gate)
	}
	require.Equal(t, "PRODUCTION", ph[0].Ended.To)
	require.Equal(t, "PRODUCTION", ph[1].Stage)
	require.Equal(t, "canary clean for a week", ph[1].Began.Reason)
	require.NotNil(t, ph[1].To)
	require.Equal(t, "rolled back: clinic reports missed cones", ph[1].Ended.Reason)

	var sh struct {
		Models []struct {
			Name     string
			Versions []struct {
				ID           string
				Stage        string
				StageHistory []struct {
					From, To, Reason string
					Actor            *struct{ DisplayName string }
				}
			}
		}
	}
	ml.mustQuery(`{ models { name versions { id stage stageHistory { from to reason actor { displayName } } } } }`, nil, &sh)
	var steps []string
	for _, m := range sh.Models {
		for _, v := range m.Versions {
			if v.ID == good {
				require.Equal(t, "ARCHIVED", v.Stage)
				for _, c := range v.StageHistory {
					require.Equal(t, mlUser.DisplayName, c.Actor.DisplayName)
					steps = append(steps, c.From+"→"+c.To)
				}
			}
		}
	}
	require.Equal(t, []string{"CANDIDATE→SHADOW", "SHADOW→CANARY", "CANARY→PRODUCTION", "PRODUCTION→ARCHIVED"}, steps)

	// The audit log has each change, with the reason.
	var audited []string
	require.NoError(t, e.raw.Select(&audited, `SELECT object || ' ' || outcome || ': ' || coalesce(target, '') FROM audit_log
		WHERE object IN ('Mutation.registerModelVersion', 'Mutation.promoteModelVersion', 'Mutation.rollbackModel') ORDER BY id`))
	joined := strings.Join(audited, "\n")
	t.Logf("audit:\n%s", joined)
	for _, want := range []string{"registerModelVersion ok: model cones-journey 1.0.0", "registerModelVersion ok: model cones-journey 0.9.0-bad-postprocess",
		"promoteModelVersion failed: model cones-journey 0.9.0-bad-postprocess", "CANDIDATE → SHADOW; reason: shadow it against the shipped model",
		"SHADOW → CANARY at 50%; reason: half the traffic", "CANARY → PRODUCTION; reason: canary clean for a week",
		"rollbackModel ok: rollback of cones confocal; reason: clinic reports missed cones"} {
		require.Contains(t, joined, want)
	}
}

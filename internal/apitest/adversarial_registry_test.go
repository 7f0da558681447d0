package apitest

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aomas/aomas/inference"
	"github.com/aomas/aomas/internal/testenv"
	"github.com/aomas/aomas/rbac"
)

const registerVersionMutation = `mutation($file: Upload!, $input: RegisterModelVersionInput!) {
	registerModelVersion(file: $file, input: $input) { id version stage canaryPercent weightsSha256 card
		registeredBy { displayName } model { name project } } }`

const promoteMutation = `mutation($id: ID!, $stage: ModelStage!, $reason: String!, $pct: Int, $override: Boolean) {
	promoteModelVersion(id: $id, stage: $stage, reason: $reason, canaryPercent: $pct, override: $override) { id stage canaryPercent } }`

// testConeCard is a complete card for a one-convolution cone model (input image, output heatmap).
func testConeCard(t *testing.T) string {
	t.Helper()
	b, err := json.Marshal(map[string]any{
		"opset":         17,
		"input":         map[string]any{"name": "image", "layout": "NCHW", "channels": 1, "multiple": 8},
		"output":        map[string]any{"name": "heatmap", "kind": "heatmap"},
		"normalisation": map[string]any{"method": "zscore"},
		"postprocess":   map[string]any{"threshold": 0.5, "min_distance_rel_spacing": 0.5, "min_distance_px": 2.0},
		"training":      map[string]any{"data": "none: a Gaussian filter"},
		"metrics":       map[string]any{"note": "see evaluations"},
		"intended_use":  "tests",
		"limits":        []string{"not a trained model"},
	})
	require.NoError(t, err)
	return string(b)
}

type registeredVersion struct {
	RegisterModelVersion struct {
		ID, Version, Stage, WeightsSha256, Card string
		CanaryPercent                           *int
		RegisteredBy                            *struct{ DisplayName string }
		Model                                   struct {
			Name    string
			Project *string
		}
	}
}

func registerInput(name, version, card string) map[string]any {
	return map[string]any{"model": name, "task": "cones", "modality": "confocal", "version": version, "card": card}
}

// TestRegistryAuthorization (issue 16): a labeler, technician or scanner cannot register,
// promote or roll back (FORBIDDEN); an ML engineer registers into the current project and
// promotes only through the gates (CONFLICT naming the failed gates), may not override
// them, nor set gate policies; another project's version ids are NOT_FOUND; a bad file is
// INVALID_INPUT and leaves no version.
func TestRegistryAuthorization(t *testing.T) {
	a := newAPI(t)
	onnx := inference.ConvSigmoidGraph([]float32{0, 0.1, 0, 0.1, 1, 0.1, 0, 0.1, 0}, 0, "image", "heatmap")
	card := testConeCard(t)
	mlUser, mlTok := a.accountFor(rbac.RoleMLEngineer)
	ml := a.as(mlTok)

	res := ml.uploadQuery(registerVersionMutation, "net.onnx", onnx, registerInput("net", "1.0.0", card))
	var reg registeredVersion
	require.NoError(t, decode(res, &reg))
	v := reg.RegisterModelVersion
	require.Equal(t, "CANDIDATE", v.Stage)
	require.Equal(t, "default", *v.Model.Project)
	require.Equal(t, mlUser.DisplayName, v.RegisteredBy.DisplayName)

	res = ml.uploadQuery(registerVersionMutation, "bad.onnx", []byte("not onnx"), registerInput("net", "1.0.1", card))
	require.Equal(t, []string{"INVALID_INPUT"}, codesAt(res, "registerModelVersion"))
	require.Contains(t, res.Errors[0].Message, "not a readable ONNX model")

	res = ml.query(promoteMutation, map[string]any{"id": v.ID, "stage": "PRODUCTION", "reason": "looks good"})
	require.Equal(t, []string{"CONFLICT"}, codesAt(res, "promoteModelVersion"))
	gates, _ := res.Errors[0].Extensions["gates"].([]any)
	require.Len(t, gates, 4)
	failed := map[string]bool{}
	for _, g := range gates {
		m := g.(map[string]any)
		if !m["passed"].(bool) {
			failed[m["gate"].(string)] = true
		}
	}
	require.Equal(t, map[string]bool{"min_dice": true, "not_worse_than_production": true, "speed": true}, failed)
	res = ml.query(promoteMutation, map[string]any{"id": v.ID, "stage": "PRODUCTION", "reason": "trust me", "override": true})
	require.Equal(t, []string{"FORBIDDEN"}, codesAt(res, "promoteModelVersion"))
	const setPolicy = `mutation { setGatePolicy(task: "cones", modality: "confocal", minDice: 0.5, maxDiceDrop: 0.1, maxMsPerMpx: 100) { minDice } }`
	require.Equal(t, []string{"FORBIDDEN"}, codesAt(ml.query(setPolicy, nil), "setGatePolicy"))

	const rollback = `mutation { rollbackModel(task: "cones", modality: "confocal", reason: "x") { id } }`
	for _, role := range []string{rbac.RoleLabeler, rbac.RoleTech, rbac.RoleScanner} {
		t.Run(role, func(t *testing.T) {
			_, tok := a.accountFor(role)
			who := a.as(tok)
			res := who.uploadQuery(registerVersionMutation, "net.onnx", onnx, registerInput("net", "9", card))
			require.Equal(t, []string{"FORBIDDEN"}, codesAt(res, "registerModelVersion"))
			res = who.query(promoteMutation, map[string]any{"id": v.ID, "stage": "SHADOW", "reason": "x"})
			require.Equal(t, []string{"FORBIDDEN"}, codesAt(res, "promoteModelVersion"))
			require.Equal(t, []string{"FORBIDDEN"}, codesAt(who.query(rollback, nil), "rollbackModel"))
			require.Equal(t, []string{"FORBIDDEN"}, codesAt(who.query(setPolicy, nil), "setGatePolicy"))
		})
	}

	// Another project's ML engineer sees none of it.
	_, eyesTok := testenv.Account(t, a.raw, a.policy, rbac.RoleMLEngineer, "eyes")
	eyes := a.as(eyesTok)
	res = eyes.query(promoteMutation, map[string]any{"id": v.ID, "stage": "ARCHIVED", "reason": "mine now"})
	require.Equal(t, []string{"NOT_FOUND"}, codesAt(res, "promoteModelVersion"))
	var listed struct{ Models []struct{ Name string } }
	eyes.mustQuery(`{ models { name } }`, nil, &listed)
	for _, m := range listed.Models {
		require.NotEqual(t, "net", m.Name, "another project's model is not listed")
	}
	res = eyes.uploadQuery(registerVersionMutation, "net.onnx", onnx, registerInput("net", "2", card))
	require.Equal(t, []string{"CONFLICT"}, codesAt(res, "registerModelVersion"), "a name of another project is taken, not extended")

	// The admin overrides with a reason; the audit log keeps it.
	res = a.query(promoteMutation, map[string]any{"id": v.ID, "stage": "PRODUCTION", "reason": "urgent fix", "override": true})
	require.Empty(t, res.Errors)
	var audited int
	require.NoError(t, a.raw.Get(&audited, `SELECT count(*) FROM audit_log WHERE object = 'Mutation.promoteModelVersion'
		AND outcome = 'ok' AND target LIKE '%OVERRIDING the gates; reason: urgent fix'`))
	require.Equal(t, 1, audited)
	var override bool
	require.NoError(t, a.raw.Get(&override, `SELECT override FROM stage_changes ORDER BY id DESC LIMIT 1`))
	require.True(t, override)
	var versions int
	require.NoError(t, a.raw.Get(&versions, `SELECT count(*) FROM model_versions WHERE registered_by IS NOT NULL`))
	require.Equal(t, 1, versions)
}

package apitest

// Drift and webhooks of the model registry (issue 16) over real HTTP with a real worker:
// runs record their features, drift(versionId) compares them with the version's reference,
// a check that turns drifted queues a drift_alert for the admins' webhooks; and the
// adversarial cases: only admins touch webhooks, nothing of another project is reachable.

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/lib/pq"
	"github.com/stretchr/testify/require"

	"github.com/aomas/aomas/imaging"
	"github.com/aomas/aomas/internal/gid"
	"github.com/aomas/aomas/internal/testenv"
	"github.com/aomas/aomas/rbac"
)

// phantomTIFF is a one-page 8-bit TIFF of a cone phantom.
func phantomTIFF(seed uint64, size int) []byte {
	img, _ := imaging.PhantomCones(imaging.ConePhantomOptions{Width: size, Seed: seed, EccentricityDeg: 3})
	pix := make([]byte, len(img.Pix))
	for i, v := range img.Pix {
		pix[i] = uint8(math.Round(float64(min(max(v, 0), 1)) * 255))
	}
	return testenv.DeflateTIFF(size, size, 1, pix)
}

const driftQuery = `query($v: ID!) { drift(versionId: $v) { windowSize runs drifted alpha psiLimit
	features { feature kind ks pValue psi drifted referenceMean windowMean }
	history { at runs drifted features { feature drifted } } } }`

type driftReport struct {
	WindowSize, Runs int
	Drifted          bool
	Alpha, PsiLimit  float64
	Features         []struct {
		Feature, Kind                              string
		Ks, PValue, Psi, ReferenceMean, WindowMean float64
		Drifted                                    bool
	}
	History []struct {
		Runs    int
		Drifted bool
	}
}

func TestDriftOverTheAPI(t *testing.T) {
	a, ids := newModelAPI(t)
	version := ids["test-cones-confocal"]
	vid := gid.Encode("ModelVersion", version)
	_, adminTok := a.accountFor(rbac.RoleAdmin)
	admin := a.as(adminTok)
	_, ml := a.accountFor(rbac.RoleMLEngineer)

	var hook struct {
		CreateWebhook struct {
			Webhook struct{ ID string }
			Secret  string
		}
	}
	admin.mustQuery(`mutation { createWebhook(url: "http://127.0.0.1:9/hook", events: ["drift_alert"]) { webhook { id } secret } }`, nil, &hook)
	require.Len(t, hook.CreateWebhook.Secret, 64)

	caseID := a.createCase("S-DRIFT")
	const runs = 11
	var runIDs []int64
	for i := range runs {
		up, res := a.upload("p.tif", phantomTIFF(uint64(i+1), 96), map[string]any{"caseId": caseID})
		require.Empty(t, res.Errors)
		run := a.runToEnd(up.UploadVolume.Volume.ID, `{"eccentricityDeg": 3}`)
		require.Equal(t, "SUCCEEDED", run.Status)
		_, n, err := gid.Decode(run.ID)
		require.NoError(t, err)
		runIDs = append(runIDs, n)
	}
	// Every run recorded its features with the version that found its marks.
	var recorded int
	require.NoError(t, a.raw.Get(&recorded, `SELECT count(*) FROM run_features WHERE model_version_id = $1 AND features ? 'snr' AND features ? 'count'`, version))
	require.Equal(t, runs, recorded)

	var d struct{ Drift driftReport }
	a.as(ml).mustQuery(driftQuery, map[string]any{"v": vid}, &d)
	require.Equal(t, runs, d.Drift.Runs)
	require.Equal(t, 200, d.Drift.WindowSize)
	require.Empty(t, d.Drift.Features, "no reference: nothing to compare")
	require.False(t, d.Drift.Drifted)

	// A reference whose SNR is three times the runs': the version's latest succeeded evaluation.
	var feats [][]byte
	require.NoError(t, a.raw.Select(&feats, `SELECT features FROM run_features WHERE model_version_id = $1 ORDER BY run_id`, version))
	var ds, ev int64
	require.NoError(t, a.raw.Get(&ds, `INSERT INTO datasets (project, name) VALUES ('default', 'ref') RETURNING id`))
	require.NoError(t, a.raw.Get(&ev, `INSERT INTO evaluations (model_version_id, dataset_id, status, finished_at)
		VALUES ($1, $2, 'SUCCEEDED', now()) RETURNING id`, version, ds))
	var vols []int64
	require.NoError(t, a.raw.Select(&vols, `SELECT volume_id FROM runs WHERE id = ANY($1::bigint[]) ORDER BY id`, pq.Array(runIDs)))
	for i, b := range feats {
		var f map[string]float64
		require.NoError(t, json.Unmarshal(b, &f))
		f[imaging.FeatureSNR] *= 3
		nb, err := json.Marshal(f)
		require.NoError(t, err)
		_, err = a.raw.Exec(`INSERT INTO evaluation_items (evaluation_id, volume_id, modality, true_positives, false_positives,
			false_negatives, sensitivity, fdr, dice, milliseconds, features) VALUES ($1, $2, 'confocal', 1, 0, 0, 1, 0, 1, 1, $3)`, ev, vols[i], nb)
		require.NoError(t, err)
	}
	a.as(ml).mustQuery(driftQuery, map[string]any{"v": vid}, &d)
	require.True(t, d.Drift.Drifted)
	require.Equal(t, 0.01, d.Drift.Alpha)
	require.Equal(t, 0.2, d.Drift.PsiLimit)
	byName := map[string]bool{}
	for _, f := range d.Drift.Features {
		byName[f.Feature] = f.Drifted
		if f.Feature == imaging.FeatureSNR {
			require.Equal(t, "input", f.Kind)
			require.InDelta(t, 3*f.WindowMean, f.ReferenceMean, 1e-6*f.ReferenceMean)
			require.Equal(t, 1.0, f.Ks)
			require.Less(t, f.PValue, 0.01)
			require.Greater(t, f.Psi, 0.2)
		}
	}
	require.True(t, byName[imaging.FeatureSNR])
	require.False(t, byName[imaging.FeatureCount], "the rest is the reference itself")
	require.Len(t, d.Drift.History, 1, "the check was recorded")
	require.True(t, d.Drift.History[0].Drifted)
	// Asking again records nothing new: no run arrived.
	a.as(ml).mustQuery(driftQuery, map[string]any{"v": vid}, &d)
	require.Len(t, d.Drift.History, 1)

	// The check turned drifted: the admin's webhook has a drift_alert queued.
	var hooks struct {
		Webhooks []struct {
			ID         string
			URL        string
			Events     []string
			Active     bool
			Deliveries []struct {
				Event   string
				Attempt int
			}
		}
	}
	admin.mustQuery(`{ webhooks { id url events active deliveries { event attempt } } }`, nil, &hooks)
	require.Len(t, hooks.Webhooks, 1)
	require.Equal(t, []string{"drift_alert"}, hooks.Webhooks[0].Events)
	require.Len(t, hooks.Webhooks[0].Deliveries, 1)
	require.Equal(t, "drift_alert", hooks.Webhooks[0].Deliveries[0].Event)

	t.Run("adversarial", func(t *testing.T) {
		for _, role := range []string{rbac.RoleMLEngineer, rbac.RoleResearcher, rbac.RoleTech, rbac.RoleLabeler, rbac.RoleScanner} {
			_, tok := a.accountFor(role)
			c := a.as(tok)
			res := c.query(`mutation { createWebhook(url: "https://example.org/h", events: ["stage_changed"]) { secret } }`, nil)
			require.Equal(t, []string{"FORBIDDEN"}, codesAt(res, "createWebhook"), role)
			res = c.query(`mutation($id: ID!) { deleteWebhook(id: $id) { id } }`, map[string]any{"id": hook.CreateWebhook.Webhook.ID})
			require.Equal(t, []string{"FORBIDDEN"}, codesAt(res, "deleteWebhook"), role)
			res = c.query(`{ webhooks { id } }`, nil)
			require.Equal(t, []string{"FORBIDDEN"}, codesAt(res, "webhooks"), role)
		}
		for _, role := range []string{rbac.RoleTech, rbac.RoleLabeler, rbac.RoleScanner} {
			_, tok := a.accountFor(role)
			res := a.as(tok).query(driftQuery, map[string]any{"v": vid})
			require.Equal(t, []string{"FORBIDDEN"}, codesAt(res, "drift"), role)
		}
		// An admin of another project sees neither the webhook nor its deliveries, and cannot delete it.
		_, other := testenv.Account(t, a.raw, a.policy, rbac.RoleAdmin, "eyes")
		o := a.as(other)
		res := o.query(`mutation($id: ID!) { deleteWebhook(id: $id) { id } }`, map[string]any{"id": hook.CreateWebhook.Webhook.ID})
		require.Equal(t, []string{"NOT_FOUND"}, codesAt(res, "deleteWebhook"))
		var theirs struct{ Webhooks []struct{ ID string } }
		o.mustQuery(`{ webhooks { id } }`, nil, &theirs)
		require.Empty(t, theirs.Webhooks)
		// The shared version's drift in their project has none of this project's runs.
		var od struct{ Drift driftReport }
		o.mustQuery(driftQuery, map[string]any{"v": vid}, &od)
		require.Zero(t, od.Drift.Runs)
		require.Empty(t, od.Drift.History)
		// A project's own model version is NOT_FOUND elsewhere.
		var model, own int64
		require.NoError(t, a.raw.Get(&model, `INSERT INTO models (name, task, modality, project) VALUES ('own', 'cones', 'confocal', 'default') RETURNING id`))
		require.NoError(t, a.raw.Get(&own, `INSERT INTO model_versions (model_id, version, weights_key, weights_sha256, card)
			VALUES ($1, '1', 'k', repeat('b', 64), '{}') RETURNING id`, model))
		res = o.query(driftQuery, map[string]any{"v": gid.Encode("ModelVersion", own)})
		require.Equal(t, []string{"NOT_FOUND"}, codesAt(res, "drift"))
		// Bad URLs are INVALID_INPUT, and the secret is never read back.
		res = admin.query(`mutation { createWebhook(url: "file:///etc/passwd", events: ["drift_alert"]) { secret } }`, nil)
		require.Equal(t, []string{"INVALID_INPUT"}, codesAt(res, "createWebhook"))
		res = admin.query(`mutation { createWebhook(url: "https://example.org/h", events: ["everything"]) { secret } }`, nil)
		require.Equal(t, []string{"INVALID_INPUT"}, codesAt(res, "createWebhook"))
		var del struct{ DeleteWebhook struct{ Active bool } }
		admin.mustQuery(`mutation($id: ID!) { deleteWebhook(id: $id) { active } }`, map[string]any{"id": hook.CreateWebhook.Webhook.ID}, &del)
		require.False(t, del.DeleteWebhook.Active)
	})
}

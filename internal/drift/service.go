package drift

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/aomas/aomas/db"
	"github.com/aomas/aomas/internal/gid"
	"github.com/aomas/aomas/internal/webhooks"
)

// DefaultWindow is how many of a version's latest runs a check compares.
const DefaultWindow = 200

// HistoryLimit bounds the earlier checks a report carries.
const HistoryLimit = 500

// Gauges are the last check's statistics per project, model version and feature.
type Gauges struct {
	psi, pValue, ks *prometheus.GaugeVec
}

// NewGauges registers aomas_model_drift_{psi,pvalue,ks}{project,version,feature} on reg.
func NewGauges(reg prometheus.Registerer) *Gauges {
	labels := []string{"project", "version", "feature"}
	g := &Gauges{
		psi: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "aomas_model_drift_psi",
			Help: "Population stability index of the feature over the version's last window of runs against its reference."}, labels),
		pValue: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "aomas_model_drift_pvalue",
			Help: "Bonferroni-corrected two-sample KS p-value of the feature, window against reference."}, labels),
		ks: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "aomas_model_drift_ks",
			Help: "Two-sample KS statistic of the feature, window against reference."}, labels),
	}
	reg.MustRegister(g.psi, g.pValue, g.ks)
	return g
}

func (g *Gauges) set(project string, versionID int64, r Result) {
	if g == nil {
		return
	}
	v := strconv.FormatInt(versionID, 10)
	for _, f := range r.Features {
		g.psi.WithLabelValues(project, v, f.Feature).Set(f.PSI)
		g.pValue.WithLabelValues(project, v, f.Feature).Set(f.PValue)
		g.ks.WithLabelValues(project, v, f.Feature).Set(f.KS)
	}
}

// Service compares model versions' recent runs with their references.
type Service struct {
	DB db.DB
	// Window is how many latest runs a check compares; 0: DefaultWindow.
	Window int
	// Gauges, when set, are updated by every check.
	Gauges *Gauges
	Logger *slog.Logger
}

func (s *Service) window() int {
	if s.Window > 0 {
		return s.Window
	}
	return DefaultWindow
}

// Report is a version's current drift in a project and its recorded history.
type Report struct {
	Window    int
	Runs      int
	Current   Result
	History   []db.DriftCheck
	Checked   bool
	Reference int
}

// Report compares the version's last window of runs in project with its reference,
// recording the comparison as a check when runs arrived since the last one.
func (s *Service) Report(ctx context.Context, project string, versionID int64) (Report, error) {
	rep := Report{Window: s.window()}
	var err error
	rep.Current, rep.Runs, rep.Reference, rep.Checked, err = s.check(ctx, project, versionID, false)
	if err != nil {
		return rep, err
	}
	rep.History, err = db.DriftChecks(ctx, s.DB, versionID, project, HistoryLimit)
	return rep, err
}

// check compares; it records a check (and on a turn to drifted, a drift_alert webhook
// event) when force is set or runs arrived since the last check. One check per project and
// version at a time: an advisory lock serialises replicas.
func (s *Service) check(ctx context.Context, project string, versionID int64, force bool) (res Result, runs, refN int, recorded bool, err error) {
	err = db.InTx(ctx, s.DB, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtext($1), $2::int)`, project, int32(versionID)); err != nil {
			return fmt.Errorf("drift lock: %w", err)
		}
		ref, err := db.ReferenceFeatures(ctx, tx, versionID, project)
		if err != nil {
			return err
		}
		win, err := db.WindowFeatures(ctx, tx, versionID, project, s.window())
		if err != nil {
			return err
		}
		runs, refN = len(win), len(ref)
		res = Compare(rows(ref), rows(win))
		if len(ref) == 0 || len(win) == 0 {
			return nil
		}
		if !force {
			var due bool
			if err := sqlx.GetContext(ctx, tx, &due, `SELECT coalesce((SELECT max(rf.created_at) FROM run_features rf
				JOIN runs r ON r.id = rf.run_id JOIN volumes v ON v.id = r.volume_id JOIN cases c ON c.id = v.case_id
				JOIN subjects s ON s.id = c.subject_id WHERE rf.model_version_id = $1 AND s.project = $2), '-infinity') > coalesce((SELECT max(at) FROM drift_checks
				WHERE project = $2 AND model_version_id = $1), '-infinity')`, versionID, project); err != nil {
				return fmt.Errorf("drift check due: %w", err)
			}
			if !due {
				return nil
			}
		}
		b, err := json.Marshal(res.Features)
		if err != nil {
			return fmt.Errorf("drift features: %w", err)
		}
		c, turned, err := db.InsertDriftCheck(ctx, tx, db.DriftCheck{Project: project, ModelVersionID: versionID, Runs: runs, Drifted: res.Drifted, Features: b})
		if err != nil {
			return err
		}
		recorded = true
		if turned {
			var drifted []FeatureResult
			for _, f := range res.Features {
				if f.Drifted {
					drifted = append(drifted, f)
				}
			}
			p := project
			return webhooks.Enqueue(ctx, tx, &p, webhooks.EventDriftAlert, map[string]any{
				"modelVersion": gid.Encode("ModelVersion", versionID), "runs": runs, "referenceImages": refN,
				"alpha": Alpha, "psiLimit": PSILimit, "drifted": drifted}, c.At)
		}
		return nil
	})
	if err == nil {
		s.Gauges.set(project, versionID, res)
	}
	return res, runs, refN, recorded, err
}

// CheckDue checks at most limit (project, version) pairs with new runs; it returns how
// many it checked.
func (s *Service) CheckDue(ctx context.Context, limit int) (int, error) {
	due, err := db.DriftChecksDue(ctx, s.DB, limit)
	if err != nil {
		return 0, err
	}
	for i, d := range due {
		if _, _, _, _, err := s.check(ctx, d.Project, d.ModelVersionID, false); err != nil {
			return i, err
		}
	}
	return len(due), nil
}

// Run checks what is due every interval, at most 50 pairs a pass, until ctx ends.
func (s *Service) Run(ctx context.Context, every time.Duration) {
	log := s.Logger
	if log == nil {
		log = slog.Default()
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if _, err := s.CheckDue(ctx, 50); err != nil && ctx.Err() == nil {
			log.WarnContext(ctx, "drift checks", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func rows(fs []db.Features) []map[string]float64 {
	out := make([]map[string]float64, len(fs))
	for i, f := range fs {
		out[i] = f
	}
	return out
}

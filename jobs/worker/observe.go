package worker

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the pipeline's Prometheus metrics. A nil *Metrics records nothing.
type Metrics struct {
	duration *prometheus.HistogramVec
	failures *prometheus.CounterVec
	depth    *prometheus.GaugeVec
}

// NewMetrics registers the pipeline's metrics on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "aomas_step_duration_seconds",
			Help:    "Time from claiming a pipeline step to its completion, by step.",
			Buckets: prometheus.ExponentialBuckets(0.005, 2, 14),
		}, []string{"step"}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "aomas_step_failures_total",
			Help: "Failed step attempts, by step and kind (transient: retried; final: the step failed).",
		}, []string{"step", "kind"}),
		depth: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "aomas_queue_depth",
			Help: "Tasks waiting in each queue (pending, scheduled and retry), as last seen by the janitor.",
		}, []string{"queue"}),
	}
	reg.MustRegister(m.duration, m.failures, m.depth)
	return m
}

func (m *Metrics) observe(step string, d time.Duration) {
	if m != nil {
		m.duration.WithLabelValues(step).Observe(d.Seconds())
	}
}

func (m *Metrics) failed(step, kind string) {
	if m != nil {
		m.failures.WithLabelValues(step, kind).Inc()
	}
}

func (m *Metrics) setDepth(queue string, n int) {
	if m != nil {
		m.depth.WithLabelValues(queue).Set(float64(n))
	}
}

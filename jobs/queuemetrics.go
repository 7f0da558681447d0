package jobs

import (
	"slices"

	"github.com/hibiken/asynq"
	"github.com/prometheus/client_golang/prometheus"
)

// QueueCollector exports the size of each pipeline queue, read from Redis at every scrape,
// as aomas_queue_tasks{queue, state}. `aomas serve` exports it so that worker pools can be
// scaled on their queue's depth (KEDA or an HPA on an external metric) even when a pool has
// no worker running. The three pipeline queues are always reported, a queue Redis does not
// hold yet as zeros, so that an autoscaler never sees a missing series.
type QueueCollector struct {
	insp  inspector
	desc  *prometheus.Desc
	up    *prometheus.Desc
	names []string
}

// queueStates are the asynq task states reported; completed tasks are kept only for
// retention and are not work.
var queueStates = []string{"pending", "active", "scheduled", "retry", "archived"}

// QueueCollector returns the collector of the pipeline's queue sizes.
func (p *Pipeline) QueueCollector() *QueueCollector {
	return &QueueCollector{
		insp: p.inspector,
		desc: prometheus.NewDesc("aomas_queue_tasks",
			"Tasks in each pipeline queue by state (pending: waiting for a worker; active: being processed), read from Redis at scrape time.",
			[]string{"queue", "state"}, nil),
		up: prometheus.NewDesc("aomas_queue_scrape_ok",
			"1 when every queue's size was read from Redis at this scrape, else 0 (the sizes are then missing).",
			nil, nil),
		names: []string{QueueInteractive, QueueBatch, QueueMaintenance},
	}
}

// Describe implements prometheus.Collector.
func (c *QueueCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.desc
	ch <- c.up
}

// Collect implements prometheus.Collector.
func (c *QueueCollector) Collect(ch chan<- prometheus.Metric) {
	// No numbers rather than wrong ones: an autoscaler must not read 0 as "no work".
	known, err := c.insp.Queues()
	if err != nil {
		ch <- prometheus.MustNewConstMetric(c.up, prometheus.GaugeValue, 0)
		return
	}
	ok := 1.0
	for _, q := range c.names {
		info := &asynq.QueueInfo{}
		if slices.Contains(known, q) {
			if info, err = c.insp.GetQueueInfo(q); err != nil {
				ok = 0
				continue
			}
		}
		counts := []int{info.Pending, info.Active, info.Scheduled, info.Retry, info.Archived}
		for i, state := range queueStates {
			ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(counts[i]), q, state)
		}
	}
	ch <- prometheus.MustNewConstMetric(c.up, prometheus.GaugeValue, ok)
}

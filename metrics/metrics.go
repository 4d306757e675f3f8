// Package metrics is labgrid's Prometheus instrumentation: one Metrics per
// process, on its own registry (never the global default one), served at
// GET /metrics.
//
// Every method is safe on a nil *Metrics and then does nothing, so tests
// and `labgrid scan` pass nil.
//
// No label ever names a student: no login, no name, no token, no external
// id. Targets are named by AWS account and region only.
package metrics

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"labgrid/store"
)

// Metric family names.
const (
	NameScanDuration = "labgrid_scan_duration_seconds"
	NameScanLag      = "labgrid_scan_lag_seconds"
	NameAWSCalls     = "labgrid_aws_calls_total"
	NameAWSRetries   = "labgrid_aws_retries_total"
	NameResults      = "labgrid_results"
	NameSSEClients   = "labgrid_sse_clients"
)

// Metrics records what labgrid does. Make one with New.
type Metrics struct {
	reg          *prometheus.Registry
	scanDuration *prometheus.HistogramVec
	scanLag      *prometheus.HistogramVec
	awsCalls     *prometheus.CounterVec
	awsRetries   *prometheus.CounterVec

	sseOnce     sync.Once
	resultsOnce sync.Once
}

// New makes a Metrics on a registry of its own, with the Go runtime and
// process collectors beside labgrid's families.
func New() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		scanDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    NameScanDuration,
			Help:    "Duration of one scan of a target (AWS account/region): its AWS calls and the grading.",
			Buckets: []float64{0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120},
		}, []string{"class", "target"}),
		scanLag: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: NameScanLag,
			Help: "How late a scheduled scan of a target started past when it was due (its last scan plus the interval); 0 when on time.",
			// 0 is on time: the scheduler queues a scan a tick early.
			Buckets: []float64{0, 0.25, 0.5, 1, 2, 5, 10, 15, 30, 60, 120},
		}, []string{"class"}),
		awsCalls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: NameAWSCalls,
			Help: "AWS API calls by service, operation and error code (\"ok\" for success); retries are not calls.",
		}, []string{"service", "operation", "code"}),
		awsRetries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: NameAWSRetries,
			Help: "AWS API attempts after the first (throttling and transient errors) by service and operation.",
		}, []string{"service", "operation"}),
	}
	m.reg.MustRegister(m.scanDuration, m.scanLag, m.awsCalls, m.awsRetries,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Registry is the registry the metrics are on.
func (m *Metrics) Registry() *prometheus.Registry {
	if m == nil {
		return nil
	}
	return m.reg
}

// Handler serves the registry in Prometheus' exposition formats. On a nil
// Metrics it answers 404.
func (m *Metrics) Handler() http.Handler {
	if m == nil {
		return http.NotFoundHandler()
	}
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
}

// TargetLabel names a target by account and region only: never the role's
// external id.
func TargetLabel(accountID, region string) string {
	return accountID + "/" + region
}

// ObserveScan records the duration of one target's scan.
func (m *Metrics) ObserveScan(class, target string, d time.Duration) {
	if m == nil {
		return
	}
	m.scanDuration.WithLabelValues(class, target).Observe(d.Seconds())
}

// ObserveScanLag records how late a scheduled scan of a class's target
// started past when it was due (0: on time).
func (m *Metrics) ObserveScanLag(class string, lag time.Duration) {
	if m == nil {
		return
	}
	m.scanLag.WithLabelValues(class).Observe(max(lag, 0).Seconds())
}

// AWSCall counts one AWS API call; code is the AWS error code, "" for a
// success.
func (m *Metrics) AWSCall(service, operation, code string) {
	if m == nil {
		return
	}
	if code == "" {
		code = "ok"
	}
	m.awsCalls.WithLabelValues(service, operation, code).Inc()
}

// AWSRetry counts one attempt after the first of an AWS API call.
func (m *Metrics) AWSRetry(service, operation string) {
	if m == nil {
		return
	}
	m.awsRetries.WithLabelValues(service, operation).Inc()
}

// WatchResults exports labgrid_results, counted by the database at each
// scrape: right whichever replica scanned, and after a restart. Only the
// first call counts.
func (m *Metrics) WatchResults(count func(context.Context) ([]store.ResultCount, error), logger *slog.Logger) {
	if m == nil || count == nil {
		return
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	m.resultsOnce.Do(func() { m.reg.MustRegister(&resultsCollector{count: count, logger: logger}) })
}

var resultsDesc = prometheus.NewDesc(NameResults,
	"Students per class, check and status (error: the last scans could not look).",
	[]string{"class", "check", "status"}, nil)

// resultsCollector asks the database at each scrape. A scrape that cannot
// reach it reports no results rather than stale ones.
type resultsCollector struct {
	count  func(context.Context) ([]store.ResultCount, error)
	logger *slog.Logger
}

func (c *resultsCollector) Describe(ch chan<- *prometheus.Desc) { ch <- resultsDesc }

func (c *resultsCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	counts, err := c.count(ctx)
	if err != nil {
		c.logger.Warn("metrics: results not counted", "err", err)
		return
	}
	for _, rc := range counts {
		ch <- prometheus.MustNewConstMetric(resultsDesc, prometheus.GaugeValue, float64(rc.Students), rc.Class, rc.CheckID, string(rc.Status))
	}
}

// WatchSSEClients exports labgrid_sse_clients, read from count at each
// scrape (Hub.Subscribers). Only the first call counts.
func (m *Metrics) WatchSSEClients(count func() int) {
	if m == nil || count == nil {
		return
	}
	m.sseOnce.Do(func() {
		m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: NameSSEClients,
			Help: "Open live streams (server-sent events) of the grid and the students' pages.",
		}, func() float64 { return float64(count()) }))
	})
}

package main

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/onboard-check/onboard-check/diagnosis"
	"github.com/onboard-check/onboard-check/handlers"
	"github.com/onboard-check/onboard-check/store"
)

// metrics are the Prometheus series of serve, on a registry of their own.
// Every series whose labels are known in advance exists from start-up at
// zero, so that a dashboard and rate() see it before the first event.
type metrics struct {
	reg           *prometheus.Registry
	commands      *prometheus.CounterVec
	latency       *prometheus.HistogramVec
	graph         *prometheus.CounterVec
	graphFailures *prometheus.CounterVec
	storeErrors   *prometheus.CounterVec
	jobsQueued    prometheus.Gauge
	jobWait       prometheus.Histogram
	jobs          *prometheus.CounterVec
}

// surfaceDemo labels /demo/check in metrics.
const surfaceDemo handlers.Surface = "demo"

// Label values known in advance.
var (
	metricSurfaces = []handlers.Surface{handlers.SurfaceSlack, handlers.SurfaceTeams, surfaceDemo}
	metricVerdicts = []diagnosis.Verdict{diagnosis.VerdictBlocked, diagnosis.VerdictAtRisk, diagnosis.VerdictHealthy, diagnosis.VerdictUnknown}
	// graph.FailureKind's kinds.
	graphFailureKinds = []string{"throttled", "unreachable", "denied", "rejected", "incomplete"}
	// Graph answers worth a series from the start; others appear when seen.
	graphStatuses = []string{"0", "200", "400", "401", "403", "404", "429", "500", "502", "503", "504"}
	// The results of handlers' jobs.
	jobResults = []string{"answered", "failed", "restarted", "undelivered"}
	storeOps   = []string{"claim", "save", "get", "link_thread", "thread", "allow", "audit", "audit_read", "cache_get", "cache_set", "ping"}
)

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		commands: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "onboard_commands_total", Help: "Diagnoses finished, by surface and verdict.",
		}, []string{"surface", "verdict"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "onboard_diagnosis_seconds", Help: "Time to produce one diagnosis, Graph included.",
			Buckets: []float64{0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 25},
		}, []string{"surface"}),
		graph: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "onboard_graph_requests_total", Help: "HTTP requests to Microsoft Graph, by status code (0: no answer).",
		}, []string{"status"}),
		graphFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "onboard_graph_failures_total", Help: "Graph reads that failed, by kind: throttled, unreachable, denied, rejected, incomplete.",
		}, []string{"kind"}),
		storeErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "onboard_store_errors_total", Help: "Store operations that failed, by operation.",
		}, []string{"op"}),
		jobsQueued: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "onboard_jobs_queued", Help: "Jobs waiting for a worker.",
		}),
		jobWait: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "onboard_job_wait_seconds", Help: "Time a job waited between its acknowledgement and a worker taking it.",
			Buckets: []float64{0.01, 0.1, 0.5, 1, 2, 5, 10, 30, 60},
		}),
		jobs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "onboard_jobs_total", Help: "Jobs ended, by result: answered, failed, restarted, undelivered.",
		}, []string{"result"}),
	}
	for _, s := range metricSurfaces {
		m.latency.WithLabelValues(string(s))
		for _, v := range metricVerdicts {
			m.commands.WithLabelValues(string(s), string(v))
		}
	}
	for _, k := range graphFailureKinds {
		m.graphFailures.WithLabelValues(k)
	}
	for _, s := range graphStatuses {
		m.graph.WithLabelValues(s)
	}
	for _, r := range jobResults {
		m.jobs.WithLabelValues(r)
	}
	for _, op := range storeOps {
		m.storeErrors.WithLabelValues(op)
	}
	m.reg.MustRegister(m.commands, m.latency, m.graph, m.graphFailures, m.storeErrors, m.jobsQueued, m.jobWait, m.jobs,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// CommandDone counts a finished diagnosis (handlers' Observer).
func (m *metrics) CommandDone(surface handlers.Surface, verdict diagnosis.Verdict, elapsed time.Duration) {
	m.commands.WithLabelValues(string(surface), string(verdict)).Inc()
	m.latency.WithLabelValues(string(surface)).Observe(elapsed.Seconds())
}

// JobQueued sets how many jobs wait.
func (m *metrics) JobQueued(depth int) { m.jobsQueued.Set(float64(depth)) }

// JobStarted records how long a job waited for a worker.
func (m *metrics) JobStarted(wait time.Duration) { m.jobWait.Observe(wait.Seconds()) }

// JobDone counts a job by its result.
func (m *metrics) JobDone(result string) { m.jobs.WithLabelValues(result).Inc() }

// GraphFailure counts a failed Graph read by kind (graph's OnFailure).
func (m *metrics) GraphFailure(kind string) { m.graphFailures.WithLabelValues(kind).Inc() }

// serveObserver is the metrics as serve's handlers see them: there the
// command line surface can only be /demo/check, counted as surface demo.
type serveObserver struct{ *metrics }

func (o serveObserver) CommandDone(surface handlers.Surface, verdict diagnosis.Verdict, elapsed time.Duration) {
	if surface == handlers.SurfaceCLI {
		surface = surfaceDemo
	}
	o.metrics.CommandDone(surface, verdict, elapsed)
}

// countingTransport counts Graph answers by status.
type countingTransport struct {
	base http.RoundTripper
	m    *metrics
}

func (t countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(r)
	status := "0"
	if err == nil {
		status = strconv.Itoa(resp.StatusCode)
	}
	t.m.graph.WithLabelValues(status).Inc()
	return resp, err
}

// countingStore counts failed store operations; it passes everything else
// through unchanged.
type countingStore struct {
	store.Store
	m *metrics
}

func (s countingStore) count(op string, err error) error {
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		s.m.storeErrors.WithLabelValues(op).Inc()
	}
	return err
}

func (s countingStore) Claim(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	ok, err := s.Store.Claim(ctx, key, ttl)
	return ok, s.count("claim", err)
}

func (s countingStore) Save(ctx context.Context, r store.Record, ttl time.Duration) error {
	return s.count("save", s.Store.Save(ctx, r, ttl))
}

func (s countingStore) Get(ctx context.Context, id string) (store.Record, error) {
	r, err := s.Store.Get(ctx, id)
	return r, s.count("get", err)
}

func (s countingStore) LinkThread(ctx context.Context, t store.Thread, id string, ttl time.Duration) error {
	return s.count("link_thread", s.Store.LinkThread(ctx, t, id, ttl))
}

func (s countingStore) ThreadDiagnosis(ctx context.Context, t store.Thread) (string, error) {
	id, err := s.Store.ThreadDiagnosis(ctx, t)
	return id, s.count("thread", err)
}

func (s countingStore) Allow(ctx context.Context, key string, limit int, window time.Duration) (bool, error) {
	ok, err := s.Store.Allow(ctx, key, limit, window)
	return ok, s.count("allow", err)
}

func (s countingStore) Append(ctx context.Context, e store.AuditEntry) error {
	return s.count("audit", s.Store.Append(ctx, e))
}

func (s countingStore) Recent(ctx context.Context, n int) ([]store.AuditEntry, error) {
	e, err := s.Store.Recent(ctx, n)
	return e, s.count("audit_read", err)
}

func (s countingStore) Bytes(ctx context.Context, key string) ([]byte, bool, error) {
	b, ok, err := s.Store.Bytes(ctx, key)
	return b, ok, s.count("cache_get", err)
}

func (s countingStore) SetBytes(ctx context.Context, key string, b []byte, ttl time.Duration) error {
	return s.count("cache_set", s.Store.SetBytes(ctx, key, b, ttl))
}

func (s countingStore) Ping(ctx context.Context) error {
	return s.count("ping", s.Store.Ping(ctx))
}

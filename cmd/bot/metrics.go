package main

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/onboard-check/onboard-check/diagnosis"
	"github.com/onboard-check/onboard-check/handlers"
	"github.com/onboard-check/onboard-check/store"
)

// metrics are the Prometheus series of SPEC §11, on a registry of their own.
type metrics struct {
	reg         *prometheus.Registry
	commands    *prometheus.CounterVec
	latency     *prometheus.HistogramVec
	graph       *prometheus.CounterVec
	storeErrors *prometheus.CounterVec
}

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
		storeErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "onboard_store_errors_total", Help: "Store operations that failed, by operation.",
		}, []string{"op"}),
	}
	m.reg.MustRegister(m.commands, m.latency, m.graph, m.storeErrors,
		prometheus.NewGoCollector(), prometheus.NewProcessCollector(prometheus.ProcessCollectorOpts{}))
	return m
}

// observe is handlers.Config.Observe.
func (m *metrics) observe(surface handlers.Surface, verdict diagnosis.Verdict, elapsed time.Duration) {
	m.commands.WithLabelValues(string(surface), string(verdict)).Inc()
	m.latency.WithLabelValues(string(surface)).Observe(elapsed.Seconds())
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

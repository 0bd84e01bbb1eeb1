package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
	"golang.org/x/sync/errgroup"

	"github.com/onboard-check/onboard-check/diagnosis"
	"github.com/onboard-check/onboard-check/diagnosis/demo"
	"github.com/onboard-check/onboard-check/graph"
	"github.com/onboard-check/onboard-check/handlers"
	"github.com/onboard-check/onboard-check/store"
)

// Shutdown and request limits of the HTTP server.
const (
	shutdownGrace     = 30 * time.Second // in-flight diagnoses get this long to finish
	readHeaderTimeout = 10 * time.Second
	concurrentJobs    = 16
)

// pinger is what /readyz asks: can the part be used right now.
type pinger interface {
	Ping(ctx context.Context) error
}

// server is serve's wiring: everything built, nothing started.
type server struct {
	cfg     serveConfig
	log     *slog.Logger
	store   store.Store
	graph   pinger // nil when the sample tenant is served
	service *handlers.Service
	runner  *handlers.Runner
	metrics *metrics
	mux     *http.ServeMux
	// runs are the blocking loops besides the HTTP server (Socket Mode).
	runs []func(ctx context.Context) error
	demo bool // the sample tenant is served: /demo/check answers without a chat surface
}

func runServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		fmt.Fprintf(stderr, "bot serve: takes no arguments; configure it with environment variables\n")
		return exitUsage
	}
	log := slog.New(slog.NewJSONHandler(stdout, &slog.HandlerOptions{Level: logLevel(getenv("ONBOARD_LOG_LEVEL"))}))
	s, err := buildServer(ctx, getenv, log)
	if err != nil {
		// Configuration problems are for the operator: one line each, naming
		// the variable.
		var ce *configError
		if errors.As(err, &ce) {
			for _, p := range ce.problems {
				fmt.Fprintf(stderr, "bot serve: %s\n", p)
			}
			return exitFail
		}
		fmt.Fprintf(stderr, "bot serve: %v\n", err)
		return exitFail
	}
	if err := s.run(ctx); err != nil {
		log.Error("serve stopped", slog.Any("err", err))
		return exitFail
	}
	return exitOK
}

func logLevel(s string) slog.Level {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return slog.LevelInfo
	}
	return l
}

// buildServer loads and validates the configuration and wires the parts.
// It makes no network call except opening the Redis client (lazily).
func buildServer(ctx context.Context, getenv func(string) string, log *slog.Logger) (*server, error) {
	e, err := loadEnv(getenv)
	if err != nil {
		return nil, err
	}
	cfg, cfgErr := loadServeConfig(e)
	surfaceErr := validateSurfaces(e)
	if err := joinConfigErrors(cfgErr, surfaceErr); err != nil {
		return nil, err
	}
	s := &server{cfg: cfg, log: log, metrics: newMetrics(), runner: handlers.NewRunner(concurrentJobs), mux: http.NewServeMux()}
	log.Info("starting", slog.String("component", "serve"), slog.String("version", version()), slog.Any("config", cfg))
	if cfg.Access.Open() {
		log.Warn("no access list is set: anyone who can reach the bot can read sign-in logs; set the allow-lists", slog.String("component", "serve"))
	}

	var st store.Store = store.NewMemory(nil)
	if cfg.RedisURL != "" {
		routeRedisLog(log)
		rc, err := store.OpenRedis(cfg.RedisURL)
		if err != nil {
			return nil, &configError{problems: []string{"ONBOARD_REDIS_URL: " + err.Error()}}
		}
		st = store.NewRedis(rc)
	}
	s.store = countingStore{Store: st, m: s.metrics}

	engine, err := diagnosis.NewEngine(nil)
	if err != nil {
		return nil, err
	}
	var src diagnosis.Source
	if cfg.Graph {
		client := &http.Client{Transport: countingTransport{base: http.DefaultTransport, m: s.metrics}}
		g, err := newGraphSource(e.get, log.With(slog.String("component", "graph")), s.store, client)
		if err != nil {
			return nil, err
		}
		src, s.graph = g, g
	} else {
		log.Warn("no Microsoft Graph configuration: serving the built-in sample tenant", slog.String("component", "serve"))
		t, err := demo.Default(time.Now())
		if err != nil {
			return nil, err
		}
		src = t
		s.demo = true
	}
	access := cfg.Access
	// Access fails closed: with no allow-list only the sample tenant, or an
	// operator who says so, lets everyone ask.
	access.Everyone = s.demo || e.get("ONBOARD_ALLOW_EVERYONE") == "true"
	s.service, err = handlers.NewService(handlers.Config{
		Lang: cfg.Lang, Access: access, Classify: classify, Observe: s.metrics.observe, Grace: shutdownGrace,
	}, engine, src, s.store, log)
	if err != nil {
		return nil, err
	}
	s.mux.HandleFunc("GET /healthz", s.handleHealthz)
	s.mux.HandleFunc("GET /readyz", s.handleReadyz)
	s.mux.Handle("GET /metrics", promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{}))
	if s.demo {
		s.mux.HandleFunc("GET /demo/check", s.handleDemoCheck)
	}
	if err := s.mountSurfaces(ctx, e); err != nil {
		return nil, err
	}
	// Queued jobs run here, on every replica; see handlers.Service.Work.
	s.runs = append(s.runs, s.service.Work)
	return s, nil
}

// classify turns Graph's sentinel errors into conversation catalog keys.
func classify(err error) string {
	switch {
	case errors.Is(err, graph.ErrCredentials):
		return "failure.credentials"
	case errors.Is(err, graph.ErrUnreachable):
		return "failure.unreachable"
	}
	return ""
}

// run serves until ctx ends, then drains in-flight diagnoses.
func (s *server) run(ctx context.Context) error {
	ln, err := net.Listen("tcp", s.cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", s.cfg.Listen, err)
	}
	return s.serve(ctx, ln)
}

func (s *server) serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{Handler: s.mux, ReadHeaderTimeout: readHeaderTimeout, ErrorLog: slog.NewLogLogger(s.log.Handler(), slog.LevelWarn)}
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		s.log.Info("listening", slog.String("component", "serve"), slog.String("addr", ln.Addr().String()))
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	})
	for _, run := range s.runs {
		g.Go(func() error { return run(gctx) })
	}
	g.Go(func() error {
		<-gctx.Done()
		shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownGrace)
		defer cancel()
		s.log.Info("shutting down", slog.String("component", "serve"))
		err := srv.Shutdown(shutdownCtx)
		if rerr := s.runner.Shutdown(shutdownCtx); rerr != nil {
			s.log.Warn("in-flight diagnoses cut off at shutdown", slog.String("component", "serve"), slog.Any("err", rerr))
		}
		return err
	})
	err := g.Wait()
	// Closed only once the workers are done with it.
	if cerr := s.store.Close(); cerr != nil {
		s.log.Warn("store close", slog.Any("err", cerr))
	}
	return err
}

func (s *server) handleHealthz(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// handleReadyz reports whether the store answers and the Graph credential
// can get a token.
func (s *server) handleReadyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	checks := map[string]string{}
	ready := true
	check := func(name string, p pinger) {
		if p == nil {
			checks[name] = "sample tenant"
			return
		}
		if err := p.Ping(ctx); err != nil {
			checks[name] = "unavailable"
			ready = false
			s.log.Warn("readiness check failed", slog.String("component", "serve"), slog.String("check", name), slog.Any("err", err))
			return
		}
		checks[name] = "ok"
	}
	check("store", s.store)
	check("graph", s.graph)
	status := http.StatusOK
	if !ready {
		status = http.StatusServiceUnavailable
	}
	writeJSON(w, status, checks)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// handleDemoCheck diagnoses an account of the sample tenant over plain
// HTTP: /demo/check?user=adele@contoso.com&lang=nl&output=json. It exists
// only while no Graph is configured, so it never shows real sign-ins.
func (s *server) handleDemoCheck(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	lang := s.service.Lang(q.Get("lang"))
	req := handlers.Request{Surface: handlers.SurfaceCLI, Requester: handlers.Principal{ID: "demo"}, Text: "onboard-check " + q.Get("user"), Lang: lang}
	job, reply, err := s.service.Prepare(r.Context(), req)
	if err == nil && !job.Empty() {
		reply, err = s.service.Run(r.Context(), job)
	}
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": s.service.T(lang, "failure.internal", "incident", "demo")})
		return
	}
	if reply.Diagnosis == nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": reply.Text})
		return
	}
	if q.Get("output") == "text" {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = io.WriteString(w, reply.Text)
		return
	}
	writeJSON(w, http.StatusOK, reply.Diagnosis)
}

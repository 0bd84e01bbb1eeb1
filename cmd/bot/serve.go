package main

import (
	"context"
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

// Shutdown and concurrency of serve.
const (
	shutdownGrace  = 30 * time.Second // in-flight diagnoses get this long to finish
	concurrentJobs = 16
)

// httpLimits bound what one client can hold of a listener.
type httpLimits struct {
	readHeader, read, write, idle time.Duration
	maxHeaderBytes                int
}

// defaultLimits: Slack gives up on an answer after 3 s and the Bot
// Framework after 15 s, so a request still arriving after read is of no use
// to anyone; a body trickling in is cut then. Bot Framework tokens make the
// largest headers, a few KiB.
var defaultLimits = httpLimits{
	readHeader:     5 * time.Second,
	read:           15 * time.Second,
	write:          30 * time.Second,
	idle:           2 * time.Minute,
	maxHeaderBytes: 64 << 10,
}

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
	engine  *diagnosis.Engine
	runner  *handlers.Runner
	metrics *metrics
	pages   *pages
	limits  httpLimits
	// mux is the public port: chat surfaces, health, pages, the demo.
	mux *http.ServeMux
	// metricsLn, when set, serves /metrics; run opens it on
	// ONBOARD_METRICS_LISTEN, never on the public port.
	metricsLn net.Listener
	// runs are the blocking loops besides the HTTP server (Socket Mode).
	runs []func(ctx context.Context) error
	demo bool // the sample tenant is served: /demo/check answers
	// demoRate limits /demo/check per client address.
	demoRate rateLimit
}

// rateLimit is limit events per window.
type rateLimit struct {
	limit  int
	window time.Duration
}

func runServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if code, done := parseServeArgs(args, stdout, stderr); done {
		return code
	}
	log := newJSONLogger(stdout, logLevel(getenv("ONBOARD_LOG_LEVEL")))
	s, err := buildServer(ctx, getenv, log)
	if err != nil {
		// Configuration problems are for the operator: one line each,
		// naming the variable, and start-up is refused.
		return reportConfig(stderr, "serve", err)
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

// newJSONLogger is serve's log. Durations are written as Go duration
// strings ("1.5s"): slog's JSON handler would write bare nanoseconds.
func newJSONLogger(w io.Writer, level slog.Leveler) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level, ReplaceAttr: readableDuration}))
}

func readableDuration(_ []string, a slog.Attr) slog.Attr {
	if a.Value.Kind() == slog.KindDuration {
		return slog.String(a.Key, a.Value.Duration().String())
	}
	return a
}

// buildServer loads and validates the configuration and wires the parts.
// It makes no network call except opening the Redis client (lazily).
func buildServer(ctx context.Context, getenv func(string) string, log *slog.Logger) (*server, error) {
	e, err := loadEnv(getenv)
	if err != nil {
		return nil, err
	}
	cfg, cfgErr := loadServeConfig(e)
	chat, surfaceErr := validateSurfaces(e)
	if err := joinConfigErrors(cfgErr, surfaceErr); err != nil {
		return nil, err
	}
	if err := checkAccessDecision(cfg, chat); err != nil {
		return nil, err
	}
	pg, err := loadPages(cfg)
	if err != nil {
		return nil, err
	}
	s := &server{cfg: cfg, log: log, metrics: newMetrics(), runner: handlers.NewRunner(concurrentJobs), mux: http.NewServeMux(),
		pages: pg, limits: defaultLimits, demoRate: rateLimit{limit: 30, window: time.Minute}}
	log.Info("starting", slog.String("component", "serve"), slog.String("version", buildVersion().String()), slog.Any("config", cfg))
	if cfg.Access.Open() && chat {
		log.Warn("no allow-list is set: everyone a chat surface authenticates may ask", slog.String("component", "serve"))
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
	s.engine = engine
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
	access.Everyone = s.demo || cfg.AllowEveryone
	s.service, err = handlers.NewService(handlers.Config{
		Lang: cfg.Lang, Access: access, Classify: classify, Observer: serveObserver{s.metrics},
	}, engine, src, s.store, log)
	if err != nil {
		return nil, err
	}
	s.mux.HandleFunc("GET /healthz", s.handleHealthz)
	s.mux.HandleFunc("GET /readyz", s.handleReadyz)
	s.mux.HandleFunc("GET /privacy", s.handlePrivacy)
	s.mux.HandleFunc("GET /terms", s.handleTerms)
	if s.demo {
		s.mux.HandleFunc("GET /demo/check", s.handleDemoCheck)
	}
	if err := s.mountSurfaces(ctx, e); err != nil {
		return nil, err
	}
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

// run opens both listeners and serves until ctx ends.
func (s *server) run(ctx context.Context) error {
	ln, err := net.Listen("tcp", s.cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s (ONBOARD_LISTEN): %w", s.cfg.Listen, err)
	}
	s.metricsLn, err = net.Listen("tcp", s.cfg.MetricsListen)
	if err != nil {
		ln.Close()
		return fmt.Errorf("listen on %s (ONBOARD_METRICS_LISTEN): %w", s.cfg.MetricsListen, err)
	}
	return s.serve(ctx, ln)
}

// httpServer is an HTTP server with the limits of s.
func (s *server) httpServer(h http.Handler) *http.Server {
	return &http.Server{Handler: h, ReadHeaderTimeout: s.limits.readHeader, ReadTimeout: s.limits.read,
		WriteTimeout: s.limits.write, IdleTimeout: s.limits.idle, MaxHeaderBytes: s.limits.maxHeaderBytes,
		ErrorLog: slog.NewLogLogger(s.log.Handler(), slog.LevelWarn)}
}

// serve serves the public port on ln (and /metrics on metricsLn, when set)
// until ctx ends, then drains in-flight diagnoses.
func (s *server) serve(ctx context.Context, ln net.Listener) error {
	servers := map[net.Listener]*http.Server{ln: s.httpServer(s.mux)}
	if s.metricsLn != nil {
		m := http.NewServeMux()
		m.Handle("GET /metrics", promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{}))
		servers[s.metricsLn] = s.httpServer(m)
	}
	g, gctx := errgroup.WithContext(ctx)
	for l, srv := range servers {
		g.Go(func() error {
			s.log.Info("listening", slog.String("component", "serve"), slog.String("addr", l.Addr().String()))
			if err := srv.Serve(l); !errors.Is(err, http.ErrServerClosed) {
				return err
			}
			return nil
		})
	}
	for _, run := range s.runs {
		g.Go(func() error { return run(gctx) })
	}
	g.Go(func() error {
		<-gctx.Done()
		shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownGrace)
		defer cancel()
		s.log.Info("shutting down", slog.String("component", "serve"))
		var errs []error
		for _, srv := range servers {
			errs = append(errs, srv.Shutdown(shutdownCtx))
		}
		if rerr := s.runner.Shutdown(shutdownCtx); rerr != nil {
			s.log.Warn("in-flight diagnoses cut off at shutdown", slog.String("component", "serve"), slog.Any("err", rerr))
		}
		if cerr := s.store.Close(); cerr != nil {
			s.log.Warn("store close", slog.String("component", "serve"), slog.Any("err", cerr))
		}
		return errors.Join(errs...)
	})
	return g.Wait()
}

package main

import (
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strconv"

	"github.com/onboard-check/onboard-check/adapters/slack"
	"github.com/onboard-check/onboard-check/adapters/teams"
	"github.com/onboard-check/onboard-check/diagnosis"
	"github.com/onboard-check/onboard-check/handlers"
)

// demoParams are the query parameters /demo/check understands; any other
// is refused, so that a typo never passes silently.
var demoParams = []string{"user", "output", "lang", "since", "app"}

// handleDemoCheck diagnoses an account of the sample tenant over plain
// HTTP: /demo/check?user=adele@contoso.com&lang=nl&output=json. It exists
// only while no Graph is configured, so it never shows real sign-ins. It is
// limited per client address; behind a proxy every client shares the
// proxy's address (X-Forwarded-For is not trusted).
func (s *server) handleDemoCheck(w http.ResponseWriter, r *http.Request) {
	addr := clientAddr(r)
	if ok, err := s.store.Allow(r.Context(), "demo:"+addr, s.demoRate.limit, s.demoRate.window); err != nil {
		s.log.Warn("demo rate limit unavailable; answering", slog.String("component", "serve"), slog.Any("err", err))
	} else if !ok {
		w.Header().Set("Retry-After", strconv.Itoa(int(s.demoRate.window.Seconds())))
		writeJSON(w, http.StatusTooManyRequests, map[string]string{"error": s.service.T(s.service.Lang(""), "refusal.rate_limited")})
		return
	}
	q := r.URL.Query()
	lang := s.service.Lang("")
	bad := func(param, key string, args ...string) {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": s.service.T(lang, key, args...), "parameter": param})
	}
	for name, values := range q {
		if !slices.Contains(demoParams, name) {
			bad(name, "usage.flag_unknown", "input", name)
			return
		}
		if len(values) > 1 {
			bad(name, "usage.extra", "input", name+"="+values[1])
			return
		}
	}
	if l := q.Get("lang"); l != "" {
		if diagnosis.NormalizeLang(l) != l {
			bad("lang", "cli.lang_bad", "input", l)
			return
		}
		lang = l
	}
	output := q.Get("output")
	switch output {
	case "", "json", "text", "slack", "teams":
	default:
		bad("output", "cli.output_bad", "input", output)
		return
	}
	target, err := handlers.ParseTarget(q.Get("user"))
	if err != nil || (target.Kind != handlers.TargetUPN && target.Kind != handlers.TargetObjectID) {
		bad("user", "usage.user_bad", "input", q.Get("user"))
		return
	}
	text := "onboard-check " + target.Value
	if since := q.Get("since"); since != "" {
		if _, err := diagnosis.ParseWindow(since); err != nil {
			bad("since", "usage.since_bad", "input", since)
			return
		}
		text += " --since " + since
	}
	if app := q.Get("app"); app != "" {
		if _, ok := s.engine.Apps().Lookup(app); !ok {
			bad("app", "usage.app_unknown", "input", app)
			return
		}
		text += " --app " + app
	}
	// The demo speaks as the command line does (the sample tenant holds no
	// one's data); metrics count it as surface demo.
	req := handlers.Request{Surface: handlers.SurfaceCLI, Requester: handlers.Principal{ID: "demo:" + addr}, Text: text, Lang: lang}
	job, reply, err := s.service.Prepare(r.Context(), req)
	if err == nil && !job.Empty() {
		reply, err = s.service.Run(r.Context(), job)
	}
	switch {
	case err != nil:
		s.log.Error("demo check failed", slog.String("component", "serve"), slog.String("incident", "demo"), slog.Any("err", err))
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": s.service.T(lang, "failure.internal", "incident", "demo")})
		return
	case reply.Kind == handlers.ReplyRefusal:
		writeJSON(w, http.StatusTooManyRequests, map[string]string{"error": reply.Text})
		return
	case reply.Diagnosis == nil:
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": reply.Text})
		return
	}
	switch output {
	case "text":
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = io.WriteString(w, reply.Text)
	case "slack", "teams":
		render := slack.MessageJSON
		if output == "teams" {
			render = teams.CardJSON
		}
		b, err := render(reply, s.service.Messages())
		if err != nil {
			s.log.Error("demo render failed", slog.String("component", "serve"), slog.String("incident", "demo"), slog.Any("err", err))
			writeJSON(w, http.StatusInternalServerError, map[string]string{"error": s.service.T(lang, "failure.internal", "incident", "demo")})
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(json.RawMessage(b))
	default:
		writeJSON(w, http.StatusOK, reply.Diagnosis)
	}
}

// clientAddr is the address the connection came from, without its port.
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

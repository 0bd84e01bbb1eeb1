package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"time"
)

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

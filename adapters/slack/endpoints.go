package slack

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"time"
)

// The HTTP endpoints. Each runs the same order: bounded body → signature
// (401, nothing else) → replay claim → decode → the request's quick part →
// acknowledgement. The one exception is Slack's ssl_check, which Slack
// sends unsigned and which is answered 200 and nothing else.

// replayTTL covers every timestamp Verify accepts (five minutes either way).
const replayTTL = 2 * maxSkew

// readVerified reads the body and checks Slack's signature before anything
// else, then claims the signature so that a replay of the same request is
// acknowledged and ignored. On failure or a replay it answers (401, 413 for
// an oversized body, 200 for a replay) and returns false.
func (s *Server) readVerified(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		s.log.Warn("request refused: body too large or unreadable", slog.Any("err", err))
		writeEmpty(w, http.StatusRequestEntityTooLarge)
		return nil, false
	}
	if err := s.verifier.Verify(r.Header, body); err != nil {
		s.log.Warn("request refused", slog.Any("err", err))
		writeEmpty(w, http.StatusUnauthorized)
		return nil, false
	}
	if s.seen(r.Context(), "sig:"+r.Header.Get("X-Slack-Signature"), replayTTL) {
		s.log.Warn("replayed request ignored", slog.String("path", r.URL.Path))
		writeEmpty(w, http.StatusOK)
		return nil, false
	}
	return body, true
}

// seen claims key across replicas and reports whether it was claimed
// before. A store outage lets the request through: Slack's own timestamp
// window still bounds replays, and handlers deduplicates deliveries.
func (s *Server) seen(ctx context.Context, key string, ttl time.Duration) bool {
	ok, err := s.dedup.Claim(ctx, "slack:"+key, ttl)
	if err != nil {
		s.log.Warn("replay check unavailable; answering anyway", slog.Any("err", err))
		return false
	}
	return !ok
}

func (s *Server) handleCommand(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("X-Slack-Signature") == "" {
		// Slack's ssl_check (token=…&ssl_check=1) carries no signature;
		// it is answered and nothing else is done with it.
		// https://api.slack.com/interactivity/slash-commands#ssl
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<10))
		if v, perr := url.ParseQuery(string(body)); err == nil && perr == nil && v.Get("ssl_check") == "1" {
			writeEmpty(w, http.StatusOK)
			return
		}
		s.log.Warn("request refused", slog.Any("err", ErrNoSignature))
		writeEmpty(w, http.StatusUnauthorized)
		return
	}
	body, ok := s.readVerified(w, r)
	if !ok {
		return
	}
	cmd, err := parseCommand(body)
	if err != nil {
		writeEmpty(w, http.StatusBadRequest)
		return
	}
	if cmd.TriggerID != "" && s.seen(r.Context(), "trigger:"+cmd.TriggerID, replayTTL) {
		writeEmpty(w, http.StatusOK) // the same command, signed again: answered once
		return
	}
	a := s.command(r.Context(), cmd, "")
	if a.Text == "" {
		writeEmpty(w, http.StatusOK) // nothing to say yet: the answer follows
		return
	}
	writeJSON(w, a)
}

func (s *Server) handleEvents(w http.ResponseWriter, r *http.Request) {
	body, ok := s.readVerified(w, r)
	if !ok {
		return
	}
	env, err := parseEnvelope(body)
	if err != nil {
		writeEmpty(w, http.StatusBadRequest)
		return
	}
	if env.Type == "url_verification" {
		writeJSON(w, map[string]string{"challenge": env.Challenge})
		return
	}
	if n := r.Header.Get("X-Slack-Retry-Num"); n != "" {
		s.log.Debug("event redelivered", slog.String("delivery_id", env.EventID), slog.String("status", n+" "+r.Header.Get("X-Slack-Retry-Reason")))
	}
	s.event(r.Context(), env)
	writeEmpty(w, http.StatusOK)
}

func (s *Server) handleInteraction(w http.ResponseWriter, r *http.Request) {
	body, ok := s.readVerified(w, r)
	if !ok {
		return
	}
	in, err := parseInteraction(body)
	if err != nil {
		writeEmpty(w, http.StatusBadRequest)
		return
	}
	s.interaction(r.Context(), in, "")
	writeEmpty(w, http.StatusOK)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func writeEmpty(w http.ResponseWriter, status int) {
	w.WriteHeader(status)
}

package slack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"

	slackapi "github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

// socketWorkers bounds the envelopes handled at once in Socket Mode; each
// is acknowledged before, or (a slash command) with, its quick part.
const socketWorkers = 8

// runSocketMode connects out to Slack over Socket Mode (SLACK_APP_TOKEN)
// and serves the same commands, events and buttons as the HTTP endpoints.
// Every envelope is acknowledged promptly; the slow part runs on the
// runner. slack-go reconnects on its own when Slack asks it to or stops
// pinging, and after network errors, each logged with its cause. It blocks
// until ctx ends, then returns nil; it returns an error when it cannot
// connect for good (a rejected app token).
// https://api.slack.com/apis/socket-mode
func (s *Server) runSocketMode(ctx context.Context) error {
	client := socketmode.New(s.api)
	run, stop := context.WithCancel(ctx)
	defer stop()
	var wg sync.WaitGroup
	wg.Go(func() { s.socketEvents(run, client) })
	err := client.RunContext(run)
	stop()
	wg.Wait()
	if ctx.Err() != nil {
		return nil
	}
	// RunContext returns only when ctx ends or it cannot connect for good.
	cause, _ := connectionCause(err)
	return fmt.Errorf("slack socket mode: %s: %w", cause, redact(err))
}

// connectionCause names why a Socket Mode connection failed, in words an
// operator can act on, and whether the cause is the app token.
func connectionCause(err error) (string, bool) {
	var refused slackapi.SlackErrorResponse
	var status slackapi.StatusCodeError
	var netErr net.Error
	var dnsErr *net.DNSError
	var opErr *net.OpError
	code := err.Error()
	if errors.As(err, &refused) {
		code = refused.Err
	}
	switch {
	case code == "invalid_auth" || code == "not_authed" || code == "token_revoked" || code == "account_inactive" ||
		code == "token_expired" || code == "not_allowed_token_type":
		return "SLACK_APP_TOKEN rejected by Slack (" + code + "): the app-level token is invalid, revoked or lacks connections:write", true
	case errors.As(err, &status) && status.Code == 404:
		return "SLACK_APP_TOKEN rejected by Slack (404 on apps.connections.open): is Socket Mode enabled for the app?", true
	case errors.As(err, &dnsErr), errors.As(err, &opErr), errors.As(err, &netErr):
		return "network: Slack not reachable (DNS, proxy, firewall or TLS)", false
	case errors.As(err, &status):
		return fmt.Sprintf("Slack answered HTTP %d", status.Code), false
	}
	return "connection failed", false
}

// socketEvents reads the client's events and hands each envelope to one of
// a bounded set of workers, so that a slow lookup does not hold up the
// acknowledgement of the next envelope.
func (s *Server) socketEvents(ctx context.Context, client *socketmode.Client) {
	sem := make(chan struct{}, socketWorkers)
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		select {
		case <-ctx.Done():
			return
		case evt, ok := <-client.Events:
			if !ok {
				return
			}
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				return
			}
			wg.Go(func() {
				defer func() { <-sem }()
				s.socketEvent(ctx, client, evt)
			})
		}
	}
}

func (s *Server) socketEvent(ctx context.Context, client *socketmode.Client, evt socketmode.Event) {
	switch evt.Type {
	case socketmode.EventTypeConnected:
		s.log.Info("socket mode connected")
		return
	case socketmode.EventTypeInvalidAuth:
		s.log.Error("socket mode connection refused", slog.String("cause", "SLACK_APP_TOKEN rejected by Slack: the app-level token is invalid or revoked, or Socket Mode is off for the app"))
		return
	case socketmode.EventTypeConnectionError, socketmode.EventTypeIncomingError:
		var err error
		switch d := evt.Data.(type) {
		case *slackapi.ConnectionErrorEvent:
			err = d.ErrorObj
		case *slackapi.IncomingEventError:
			err = d.ErrorObj
		}
		if err == nil {
			s.log.Warn("socket mode connection problem", slog.String("event", string(evt.Type)))
			return
		}
		cause, token := connectionCause(err)
		level := slog.LevelWarn
		if token {
			level = slog.LevelError
		}
		s.log.Log(ctx, level, "socket mode connection problem", slog.String("event", string(evt.Type)),
			slog.String("cause", cause), slog.Any("err", redact(err)))
		return
	}
	if evt.Request == nil || evt.Request.EnvelopeID == "" {
		return // hello, disconnect and the client's own events carry nothing to acknowledge
	}
	ackWith := func(payload ...any) {
		if err := client.Ack(*evt.Request, payload...); err != nil {
			s.log.Warn("socket mode acknowledgement not sent", slog.Any("err", err))
		}
	}
	switch evt.Type {
	case socketmode.EventTypeSlashCommand:
		c, err := parseCommandJSON(evt.Request.Payload)
		if err != nil {
			ackWith()
			return
		}
		if c.TriggerID != "" && s.seen(ctx, "trigger:"+c.TriggerID, replayTTL) {
			ackWith() // the same command again under a new envelope: answered once
			return
		}
		a := s.command(ctx, c, "envelope:"+evt.Request.EnvelopeID)
		if a.Text == "" {
			ackWith()
			return
		}
		ackWith(a)
	case socketmode.EventTypeEventsAPI:
		ackWith()
		env, err := parseEnvelope(evt.Request.Payload)
		if err != nil {
			return
		}
		s.event(ctx, env)
	case socketmode.EventTypeInteractive:
		ackWith()
		var in interaction
		if err := json.Unmarshal(evt.Request.Payload, &in); err != nil {
			return
		}
		s.interaction(ctx, in, "envelope:"+evt.Request.EnvelopeID)
	default:
		ackWith()
	}
}

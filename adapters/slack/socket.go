package slack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	slackapi "github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

// socketWorkers bounds the envelopes handled at once in Socket Mode; each
// is acknowledged before, or (a slash command) with, its quick part.
const socketWorkers = 8

// RunSocketMode connects out to Slack over Socket Mode (SLACK_APP_TOKEN)
// and serves the same commands, events and buttons as the HTTP endpoints.
// Every envelope is acknowledged promptly; the slow part runs on the
// runner. slack-go reconnects on its own when Slack asks it to or stops
// pinging. RunSocketMode blocks until ctx ends, then returns nil; it
// returns an error when it cannot connect for good (a rejected app token).
// https://api.slack.com/apis/socket-mode
func (s *Server) RunSocketMode(ctx context.Context) error {
	if !s.cfg.SocketMode() {
		return errors.New("slack: socket mode needs SLACK_APP_TOKEN")
	}
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
	if err != nil {
		return fmt.Errorf("slack socket mode: %w", err)
	}
	return nil
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
	case socketmode.EventTypeConnectionError, socketmode.EventTypeInvalidAuth, socketmode.EventTypeIncomingError:
		s.log.Warn("socket mode connection problem", slog.String("event", string(evt.Type)))
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
		var sc slackapi.SlashCommand
		if err := json.Unmarshal(evt.Request.Payload, &sc); err != nil || sc.UserID == "" || sc.ChannelID == "" {
			ackWith()
			return
		}
		a := s.command(ctx, command{Command: sc.Command, Text: sc.Text, UserID: sc.UserID, ChannelID: sc.ChannelID,
			TeamID: sc.TeamID, ResponseURL: sc.ResponseURL, TriggerID: sc.TriggerID}, "envelope:"+evt.Request.EnvelopeID)
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

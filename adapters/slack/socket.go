package slack

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"

	slackapi "github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

// RunSocketMode connects out to Slack over Socket Mode (SLACK_APP_TOKEN)
// and serves the same commands, events and buttons as the HTTP endpoints,
// acknowledging each envelope at once. slack-go reconnects on its own when
// the connection drops or Slack stops pinging. It returns when ctx ends.
func (s *Server) RunSocketMode(ctx context.Context) error {
	if !s.cfg.SocketMode() {
		return errors.New("slack: socket mode needs SLACK_APP_TOKEN")
	}
	client := socketmode.New(s.api)
	go s.socketEvents(ctx, client)
	err := client.RunContext(ctx)
	if ctx.Err() != nil {
		return nil
	}
	return err
}

func (s *Server) socketEvents(ctx context.Context, client *socketmode.Client) {
	for {
		select {
		case <-ctx.Done():
			return
		case evt, ok := <-client.Events:
			if !ok {
				return
			}
			s.socketEvent(ctx, client, evt)
		}
	}
}

func (s *Server) socketEvent(ctx context.Context, client *socketmode.Client, evt socketmode.Event) {
	switch evt.Type {
	case socketmode.EventTypeConnected:
		s.log.Info("socket mode connected")
		return
	case socketmode.EventTypeConnectionError, socketmode.EventTypeInvalidAuth:
		s.log.Warn("socket mode connection problem", slog.String("event", string(evt.Type)))
		return
	}
	if evt.Request == nil || evt.Request.EnvelopeID == "" {
		return // hello and disconnect carry nothing to acknowledge
	}
	switch evt.Type {
	case socketmode.EventTypeSlashCommand:
		var sc slackapi.SlashCommand
		if err := json.Unmarshal(evt.Request.Payload, &sc); err != nil {
			_ = client.Ack(*evt.Request)
			return
		}
		a := s.command(ctx, command{Command: sc.Command, Text: sc.Text, UserID: sc.UserID, ChannelID: sc.ChannelID,
			TeamID: sc.TeamID, ResponseURL: sc.ResponseURL, TriggerID: sc.TriggerID})
		_ = client.Ack(*evt.Request, a)
	case socketmode.EventTypeEventsAPI:
		_ = client.Ack(*evt.Request)
		if env, err := parseEnvelope(evt.Request.Payload); err == nil {
			s.event(ctx, env)
		}
	case socketmode.EventTypeInteractive:
		_ = client.Ack(*evt.Request)
		var in interaction
		if err := json.Unmarshal(evt.Request.Payload, &in); err == nil {
			s.interaction(ctx, in)
		}
	default:
		_ = client.Ack(*evt.Request)
	}
}

package main

import (
	"context"
	"log/slog"

	"github.com/onboard-check/onboard-check/adapters/slack"
)

// slackConfig reads the Slack app's settings (SPEC §3).
func slackConfig(e env) slack.Config {
	return slack.Config{BotToken: e.get("SLACK_BOT_TOKEN"), SigningSecret: e.get("SLACK_SIGNING_SECRET"),
		AppToken: e.get("SLACK_APP_TOKEN"), APIURL: e.get("SLACK_API_URL")}
}

// validateSurfaces checks the settings of every surface that has any: a
// half-configured surface is an error.
func validateSurfaces(e env) error {
	var errs []error
	if c := slackConfig(e); c.Enabled() {
		errs = append(errs, c.Validate())
	}
	return joinConfigErrors(errs...)
}

// mountSurfaces adds the configured chat surfaces to the server; one with
// no credentials is off, and the log says so.
func (s *server) mountSurfaces(_ context.Context, e env) error {
	log := s.log.With(slog.String("component", "serve"))
	if c := slackConfig(e); c.Enabled() {
		sl, err := slack.New(c, s.service, s.runner, s.log)
		if err != nil {
			return joinConfigErrors(err)
		}
		s.mux.Handle("POST /slack/", sl.Handler())
		if c.SocketMode() {
			s.runs = append(s.runs, sl.RunSocketMode)
		}
		log.Info("slack surface on", slog.Any("slack", c))
	} else {
		log.Info("slack surface off: SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (or SLACK_APP_TOKEN) are not set")
	}
	return nil
}

package main

import (
	"context"
	"log/slog"

	"github.com/onboard-check/onboard-check/adapters/slack"
	"github.com/onboard-check/onboard-check/adapters/teams"
	"github.com/onboard-check/onboard-check/internal/secret"
)

// slackConfig reads the Slack app's settings (SPEC §3).
func slackConfig(e env) slack.Config {
	return slack.Config{BotToken: secret.Secret(e.get("SLACK_BOT_TOKEN")), SigningSecret: secret.Secret(e.get("SLACK_SIGNING_SECRET")),
		AppToken: secret.Secret(e.get("SLACK_APP_TOKEN")), APIURL: e.get("SLACK_API_URL")}
}

// teamsConfig reads the Azure Bot registration (SPEC §3).
func teamsConfig(e env) teams.Config {
	return teams.Config{AppID: e.get("MICROSOFT_APP_ID"), Password: secret.Secret(e.get("MICROSOFT_APP_PASSWORD")),
		TenantID: e.get("MICROSOFT_APP_TENANT_ID"), Type: e.get("MICROSOFT_APP_TYPE"),
		OpenIDURL: e.get("ONBOARD_BOTFRAMEWORK_OPENID_URL"), TokenURL: e.get("ONBOARD_BOTFRAMEWORK_TOKEN_URL")}
}

// validateSurfaces checks the settings of every surface that has any: a
// half-configured surface is an error.
func validateSurfaces(e env) error {
	var errs []error
	if c := slackConfig(e); c.Enabled() {
		errs = append(errs, c.Validate())
	}
	if c := teamsConfig(e); c.Enabled() {
		errs = append(errs, c.Validate())
	}
	return joinConfigErrors(errs...)
}

// mountSurfaces adds the configured chat surfaces to the server; one with
// no credentials is off, and the log says so.
func (s *server) mountSurfaces(_ context.Context, e env) error {
	log := s.log.With(slog.String("component", "serve"))
	if c := slackConfig(e); c.Enabled() {
		sl, err := slack.New(c, slack.Deps{Service: s.service, Runner: s.runner, Dedup: s.store, Logger: s.log})
		if err != nil {
			return joinConfigErrors(err)
		}
		s.mux.Handle("POST /slack/", sl.Handler())
		s.runs = append(s.runs, sl.Run)
		log.Info("slack surface on", slog.Any("slack", c))
	} else {
		log.Info("slack surface off: SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (or SLACK_APP_TOKEN) are not set")
	}
	if c := teamsConfig(e); c.Enabled() {
		tm, err := teams.New(c, s.service, s.runner, s.log)
		if err != nil {
			return joinConfigErrors(err)
		}
		s.mux.Handle("POST /api/messages", tm.Handler())
		log.Info("teams surface on", slog.Any("teams", c))
	} else {
		log.Info("teams surface off: MICROSOFT_APP_ID is not set")
	}
	return nil
}

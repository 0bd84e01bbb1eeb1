package main

import (
	"context"
	"log/slog"

	"github.com/onboard-check/onboard-check/adapters/slack"
	"github.com/onboard-check/onboard-check/adapters/teams"
	"github.com/onboard-check/onboard-check/internal/secret"
)

// slackConfig reads the Slack app's settings.
func slackConfig(e env) slack.Config {
	return slack.Config{BotToken: secret.Secret(e.get("SLACK_BOT_TOKEN")), SigningSecret: secret.Secret(e.get("SLACK_SIGNING_SECRET")),
		AppToken: secret.Secret(e.get("SLACK_APP_TOKEN")), APIURL: e.get("SLACK_API_URL"),
		Teams: e.list("ONBOARD_SLACK_TEAMS", nil)}
}

// teamsConfig reads the Azure Bot registration; problems collects a
// malformed ONBOARD_TEAMS_ALLOW_EMULATOR.
func teamsConfig(e env, problems *[]string) teams.Config {
	return teams.Config{AppID: e.get("MICROSOFT_APP_ID"), Password: secret.Secret(e.get("MICROSOFT_APP_PASSWORD")),
		TenantID: e.get("MICROSOFT_APP_TENANT_ID"), Type: e.get("MICROSOFT_APP_TYPE"),
		OpenIDURL: e.get("ONBOARD_BOTFRAMEWORK_OPENID_URL"), TokenURL: e.get("ONBOARD_BOTFRAMEWORK_TOKEN_URL"),
		Tenants: e.list("ONBOARD_TEAMS_TENANTS", nil), AllowEmulator: e.flag("ONBOARD_TEAMS_ALLOW_EMULATOR", problems)}
}

// validateSurfaces checks the settings of every surface that has any: a
// half-configured surface is an error. chat reports whether any chat
// surface is configured.
func validateSurfaces(e env) (chat bool, err error) {
	var errs []error
	var problems []string
	if c := slackConfig(e); c.Enabled() {
		chat = true
		errs = append(errs, c.Validate())
	}
	// Read even without Teams, so that a typo in the flag is reported. A
	// MultiTenant registration without a tenant would serve every
	// organisation that installs the app: Validate refuses it.
	if c := teamsConfig(e, &problems); c.Enabled() {
		chat = true
		errs = append(errs, c.Validate())
	}
	if len(problems) > 0 {
		errs = append(errs, &configError{problems: problems})
	}
	return chat, joinConfigErrors(errs...)
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
	if c := teamsConfig(e, new([]string)); c.Enabled() {
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

package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/onboard-check/onboard-check/adapters/slack"
	"github.com/onboard-check/onboard-check/adapters/teams"
)

// slackConfig reads the Slack app's settings.
func slackConfig(e env) slack.Config {
	return slack.Config{BotToken: e.get("SLACK_BOT_TOKEN"), SigningSecret: e.get("SLACK_SIGNING_SECRET"),
		AppToken: e.get("SLACK_APP_TOKEN"), APIURL: e.get("SLACK_API_URL")}
}

// teamsConfig reads the Azure Bot registration.
func teamsConfig(e env) teams.Config {
	return teams.Config{AppID: e.get("MICROSOFT_APP_ID"), Password: e.get("MICROSOFT_APP_PASSWORD"),
		TenantID: e.get("MICROSOFT_APP_TENANT_ID"), Type: e.get("MICROSOFT_APP_TYPE"),
		OpenIDURL: e.get("ONBOARD_BOTFRAMEWORK_OPENID_URL"), TokenURL: e.get("ONBOARD_BOTFRAMEWORK_TOKEN_URL")}
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
	// Read even without Teams, so that a typo in the flag is reported.
	e.flag("ONBOARD_TEAMS_ALLOW_EMULATOR", &problems)
	if c := teamsConfig(e); c.Enabled() {
		chat = true
		errs = append(errs, c.Validate())
		// A MultiTenant registration without a tenant would serve every
		// organisation that installs the app.
		if c.Type == teams.TypeMultiTenant && c.TenantID == "" && len(e.list("ONBOARD_TEAMS_TENANTS", nil)) == 0 {
			problems = append(problems, fmt.Sprintf("MICROSOFT_APP_TENANT_ID: a %s registration must name the tenant it serves: set it or ONBOARD_TEAMS_TENANTS", teams.TypeMultiTenant))
		}
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

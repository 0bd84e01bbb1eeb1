package slack

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
)

// DefaultAPIURL is Slack's Web API base URL.
const DefaultAPIURL = "https://slack.com/api/"

// Config is the Slack app's credentials (SPEC §3, §7).
type Config struct {
	BotToken      string // SLACK_BOT_TOKEN, xoxb-…
	SigningSecret string // SLACK_SIGNING_SECRET, verifies HTTP requests
	AppToken      string // SLACK_APP_TOKEN, xapp-…: Socket Mode
	APIURL        string // SLACK_API_URL, with a trailing slash
}

// Enabled reports whether any Slack setting is present; a surface with no
// credentials is simply off.
func (c Config) Enabled() bool {
	return c.BotToken != "" || c.SigningSecret != "" || c.AppToken != ""
}

// SocketMode reports whether the app connects out over Socket Mode.
func (c Config) SocketMode() bool { return c.AppToken != "" }

// Validate reports every problem, one per line, each naming its variable.
// A half-configured surface is an error.
func (c Config) Validate() error {
	var errs []error
	if c.BotToken == "" {
		errs = append(errs, errors.New("SLACK_BOT_TOKEN: required when Slack is configured"))
	} else if !strings.HasPrefix(c.BotToken, "xoxb-") {
		errs = append(errs, errors.New("SLACK_BOT_TOKEN: must be a bot token (xoxb-…)"))
	}
	if c.AppToken != "" && !strings.HasPrefix(c.AppToken, "xapp-") {
		errs = append(errs, errors.New("SLACK_APP_TOKEN: must be an app-level token (xapp-…)"))
	}
	if c.SigningSecret == "" && c.AppToken == "" {
		errs = append(errs, errors.New("SLACK_SIGNING_SECRET: required for the HTTP endpoints (or set SLACK_APP_TOKEN for Socket Mode)"))
	}
	if c.APIURL != "" {
		u, err := url.Parse(c.APIURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			errs = append(errs, fmt.Errorf("SLACK_API_URL: must be an http(s) URL, got %q", c.APIURL))
		}
	}
	return errors.Join(errs...)
}

// apiURL is the Web API base with the trailing slash slack-go needs.
func (c Config) apiURL() string {
	u := c.APIURL
	if u == "" {
		u = DefaultAPIURL
	}
	if !strings.HasSuffix(u, "/") {
		u += "/"
	}
	return u
}

// LogValue implements slog.LogValuer; it shows which credentials are set,
// never their values.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.Bool("bot_token", c.BotToken != ""),
		slog.Bool("signing_secret", c.SigningSecret != ""),
		slog.Bool("socket_mode", c.AppToken != ""),
		slog.String("api_url", c.apiURL()),
	)
}

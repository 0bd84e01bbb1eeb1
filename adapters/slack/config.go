package slack

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"

	"github.com/onboard-check/onboard-check/internal/secret"
)

// DefaultAPIURL is Slack's Web API base URL.
const DefaultAPIURL = "https://slack.com/api/"

// Config is the Slack app's credentials and the workspaces it serves.
type Config struct {
	BotToken      secret.Secret // SLACK_BOT_TOKEN, xoxb-…
	SigningSecret secret.Secret // SLACK_SIGNING_SECRET, verifies HTTP requests
	AppToken      secret.Secret // SLACK_APP_TOKEN, xapp-…: Socket Mode
	APIURL        string        // SLACK_API_URL, with a trailing slash
	// Teams are Slack team (workspace) or Enterprise Grid organisation ids
	// whose members may ask besides the bot's own (ONBOARD_SLACK_TEAMS).
	// Everyone else — a guest from another organisation in a shared
	// channel, say — is refused, whatever channel they ask in.
	Teams []string
}

// Enabled reports whether any Slack setting is present; a surface with no
// credentials is simply off.
func (c Config) Enabled() bool {
	return c.BotToken.IsSet() || c.SigningSecret.IsSet() || c.AppToken.IsSet()
}

// SocketMode reports whether the app connects out over Socket Mode.
func (c Config) SocketMode() bool { return c.AppToken.IsSet() }

// Validate reports every problem, one per line, each naming its variable.
// A half-configured surface is an error.
func (c Config) Validate() error {
	var errs []error
	if !c.BotToken.IsSet() {
		errs = append(errs, errors.New("SLACK_BOT_TOKEN: required when Slack is configured"))
	} else if !strings.HasPrefix(c.BotToken.Reveal(), "xoxb-") {
		errs = append(errs, errors.New("SLACK_BOT_TOKEN: must be a bot token (xoxb-…)"))
	}
	if c.AppToken.IsSet() && !strings.HasPrefix(c.AppToken.Reveal(), "xapp-") {
		errs = append(errs, errors.New("SLACK_APP_TOKEN: must be an app-level token (xapp-…)"))
	}
	if !c.SigningSecret.IsSet() && !c.AppToken.IsSet() {
		errs = append(errs, errors.New("SLACK_SIGNING_SECRET: required for the HTTP endpoints (or set SLACK_APP_TOKEN for Socket Mode)"))
	}
	if c.APIURL != "" {
		u, err := url.Parse(c.APIURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			errs = append(errs, fmt.Errorf("SLACK_API_URL: must be an http(s) URL, got %q", c.APIURL))
		}
	}
	for _, id := range c.Teams {
		if !validTeamID(id) {
			errs = append(errs, fmt.Errorf("ONBOARD_SLACK_TEAMS: %q is not a Slack team (T…) or organisation (E…) id", id))
		}
	}
	return errors.Join(errs...)
}

// validTeamID reports whether id looks like a Slack team or Enterprise Grid
// id: T or E, then upper-case letters and digits.
func validTeamID(id string) bool {
	if len(id) < 2 || len(id) > 32 || (id[0] != 'T' && id[0] != 'E') {
		return false
	}
	for _, r := range id[1:] {
		if (r < 'A' || r > 'Z') && (r < '0' || r > '9') {
			return false
		}
	}
	return true
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
		slog.Bool("bot_token", c.BotToken.IsSet()),
		slog.Bool("signing_secret", c.SigningSecret.IsSet()),
		slog.Bool("socket_mode", c.AppToken.IsSet()),
		slog.String("api_url", c.apiURL()),
		slog.Any("teams", c.Teams),
	)
}

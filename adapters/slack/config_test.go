package slack_test

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/onboard-check/onboard-check/adapters/slack"
)

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		cfg  slack.Config
		want []string // variables named in the error; none means valid
	}{
		{"HTTP mode", slack.Config{BotToken: botToken, SigningSecret: secret}, nil},
		{"Socket Mode", slack.Config{BotToken: botToken, AppToken: "xapp-1-A1-1-abc"}, nil},
		{"test API", slack.Config{BotToken: botToken, SigningSecret: secret, APIURL: "http://127.0.0.1:9/api"}, nil},
		{"no bot token", slack.Config{SigningSecret: secret}, []string{"SLACK_BOT_TOKEN"}},
		{"user token", slack.Config{BotToken: "xoxp-user", SigningSecret: secret}, []string{"SLACK_BOT_TOKEN"}},
		{"no secret", slack.Config{BotToken: botToken}, []string{"SLACK_SIGNING_SECRET"}},
		{"bad app token", slack.Config{BotToken: botToken, AppToken: "bad"}, []string{"SLACK_APP_TOKEN"}},
		{"bad API URL", slack.Config{BotToken: botToken, SigningSecret: secret, APIURL: "ftp://x"}, []string{"SLACK_API_URL"}},
		{"everything wrong", slack.Config{BotToken: "x", AppToken: "y", APIURL: "::"}, []string{"SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_API_URL"}},
		{"nothing but an API URL", slack.Config{APIURL: "http://x/"}, []string{"SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"}},
		{"other teams", slack.Config{BotToken: botToken, SigningSecret: secret, Teams: []string{"T03E94MJU", "E013Y3SHLAY"}}, nil},
		{"a team id that is none", slack.Config{BotToken: botToken, SigningSecret: secret, Teams: []string{"T03E94MJU", "contoso"}}, []string{"ONBOARD_SLACK_TEAMS"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			if len(tt.want) == 0 {
				if err != nil {
					t.Errorf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate() = nil, want errors naming %v", tt.want)
			}
			lines := strings.Split(err.Error(), "\n")
			if len(lines) != len(tt.want) {
				t.Errorf("Validate() = %q; want one line per problem (%d)", err, len(tt.want))
			}
			for i, v := range tt.want {
				if i < len(lines) && !strings.HasPrefix(lines[i], v+": ") {
					t.Errorf("line %d = %q, want it to start with %s", i, lines[i], v)
				}
			}
		})
	}
}

func TestConfigEnabled(t *testing.T) {
	t.Parallel()
	if (slack.Config{APIURL: "http://x/"}).Enabled() {
		t.Error("a Config with only an API URL is enabled")
	}
	for _, c := range []slack.Config{{BotToken: "x"}, {SigningSecret: "x"}, {AppToken: "x"}} {
		if !c.Enabled() {
			t.Errorf("%+v is not enabled; a half-configured surface must be validated", c)
		}
	}
	if !(slack.Config{AppToken: "xapp-1"}).SocketMode() || (slack.Config{BotToken: "x"}).SocketMode() {
		t.Error("SocketMode does not follow SLACK_APP_TOKEN")
	}
}

// TestConfigLogsNoSecret logs the configuration as serve does and looks
// for every secret in the output.
func TestConfigLogsNoSecret(t *testing.T) {
	t.Parallel()
	const appToken = "xapp-1-A0123-4567-0a1b2c3d4e5f"
	var logs bytes.Buffer
	cfg := slack.Config{BotToken: botToken, SigningSecret: secret, AppToken: appToken, APIURL: "http://127.0.0.1:9/api"}
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("slack surface on", "slack", cfg)
	out := logs.String()
	for _, s := range []string{botToken, secret, appToken, "pdFZKVeTuE8sk7oOcBrzbqgy", "0a1b2c3d4e5f"} {
		if strings.Contains(out, s) {
			t.Errorf("the log holds a secret: %s", out)
		}
	}
	for _, want := range []string{`"bot_token":true`, `"socket_mode":true`, `"api_url":"http://127.0.0.1:9/api/"`} {
		if !strings.Contains(out, want) {
			t.Errorf("log %s lacks %s", out, want)
		}
	}
}

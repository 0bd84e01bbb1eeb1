package slack_test

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"go.yaml.in/yaml/v3"
)

// TestManifestMatchesTheBot: the app manifest in deploy/slack grants what
// the surface uses and subscribes to what it serves; should_escape is on,
// so that @Adele arrives as <@U…|adele>.
func TestManifestMatchesTheBot(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(filepath.Join("..", "..", "deploy", "slack", "manifest.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Features struct {
			AppHome struct {
				MessagesTab         bool `yaml:"messages_tab_enabled"`
				MessagesTabReadOnly bool `yaml:"messages_tab_read_only_enabled"`
			} `yaml:"app_home"`
			SlashCommands []struct {
				Command      string `yaml:"command"`
				URL          string `yaml:"url"`
				ShouldEscape *bool  `yaml:"should_escape"`
			} `yaml:"slash_commands"`
		} `yaml:"features"`
		OAuth struct {
			Scopes struct {
				Bot []string `yaml:"bot"`
			} `yaml:"scopes"`
		} `yaml:"oauth_config"`
		Settings struct {
			Events struct {
				URL       string   `yaml:"request_url"`
				BotEvents []string `yaml:"bot_events"`
			} `yaml:"event_subscriptions"`
			Interactivity struct {
				Enabled bool   `yaml:"is_enabled"`
				URL     string `yaml:"request_url"`
			} `yaml:"interactivity"`
		} `yaml:"settings"`
	}
	if err := yaml.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if len(m.Features.SlashCommands) != 1 || m.Features.SlashCommands[0].Command != "/onboard-check" ||
		m.Features.SlashCommands[0].URL != "https://YOUR-HOST/slack/commands" {
		t.Errorf("slash commands %+v", m.Features.SlashCommands)
	}
	if e := m.Features.SlashCommands[0].ShouldEscape; e == nil || !*e {
		t.Error("should_escape is not true: @Adele would arrive as plain text")
	}
	if !m.Features.AppHome.MessagesTab || m.Features.AppHome.MessagesTabReadOnly {
		t.Error("the App Home messages tab does not let people write to the bot")
	}
	for _, s := range []string{"commands", "chat:write", "users:read", "users:read.email", "app_mentions:read",
		"channels:history", "groups:history", "im:history", "usergroups:read"} {
		if !slices.Contains(m.OAuth.Scopes.Bot, s) {
			t.Errorf("scope %s missing", s)
		}
	}
	for _, ev := range []string{"app_mention", "message.channels", "message.groups", "message.im"} {
		if !slices.Contains(m.Settings.Events.BotEvents, ev) {
			t.Errorf("event %s not subscribed", ev)
		}
	}
	if m.Settings.Events.URL != "https://YOUR-HOST/slack/events" || !m.Settings.Interactivity.Enabled ||
		m.Settings.Interactivity.URL != "https://YOUR-HOST/slack/interactions" {
		t.Errorf("request URLs %+v %+v", m.Settings.Events, m.Settings.Interactivity)
	}
}

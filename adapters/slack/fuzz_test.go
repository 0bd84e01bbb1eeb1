package slack

import (
	"net/url"
	"regexp"
	"strings"
	"testing"
)

func FuzzParseCommand(f *testing.F) {
	f.Add([]byte(url.Values{"command": {"/onboard-check"}, "text": {"adele@contoso.com"}, "user_id": {"U1"}, "channel_id": {"C1"},
		"response_url": {"https://hooks.slack.com/commands/1/2/3"}, "trigger_id": {"1.2.3"}}.Encode()))
	f.Add([]byte("text=%3Cmailto%3Aa%40b.com%7Ca%40b.com%3E&user_id=U1&channel_id=C1"))
	f.Fuzz(func(t *testing.T, body []byte) {
		c, err := parseCommand(body)
		if err == nil && (c.UserID == "" || c.ChannelID == "") {
			t.Errorf("parseCommand accepted a command without user or channel: %+v", c)
		}
	})
}

// userID is what a Slack user id looks like.
var userID = regexp.MustCompile(`^[A-Z0-9]+$`)

func FuzzParseEnvelope(f *testing.F) {
	f.Add([]byte(`{"type":"event_callback","event_id":"Ev1","event":{"type":"app_mention","user":"U1","text":"<@UBOT> details","channel":"C1","ts":"1.2","thread_ts":"1.1"},"authorizations":[{"user_id":"UBOT","is_bot":true}]}`))
	f.Add([]byte(`{"type":"url_verification","challenge":"abc"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		e, err := parseEnvelope(body)
		if err != nil {
			return
		}
		if e.Type == "" {
			t.Error("accepted an envelope without a type")
		}
		bot := e.botUserID()
		text := stripBot(e.Event.Text, bot)
		if userID.MatchString(bot) && strings.Count(e.Event.Text, "<@") <= maxStrip && strings.Contains(text, "<@"+bot+">") {
			t.Errorf("stripBot(%q, %q) = %q still mentions the bot", e.Event.Text, bot, text)
		}
	})
}

func FuzzParseInteraction(f *testing.F) {
	f.Add([]byte("payload=" + url.QueryEscape(`{"type":"block_actions","user":{"id":"U1"},"channel":{"id":"C1"},"message":{"ts":"1.2"},"actions":[{"action_id":"details","value":"abc"}]}`)))
	f.Fuzz(func(t *testing.T, body []byte) {
		in, err := parseInteraction(body)
		if err != nil {
			return
		}
		if in.Type == "" {
			t.Error("accepted an interaction without a type")
		}
	})
}

func TestStripBot(t *testing.T) {
	for in, want := range map[string]string{
		"<@UBOT> details":            "details",
		"<@UBOT|onboard> policy CA0": "policy CA0",
		"hey <@UBOT>   recheck":      "hey recheck",
		"<@<@UBOT>UBOT> details":     "details",
		"<@U0OTHER> is who I mean":   "<@U0OTHER> is who I mean",
	} {
		if got := stripBot(in, "UBOT"); got != want {
			t.Errorf("stripBot(%q) = %q, want %q", in, got, want)
		}
	}
	if got := stripBot("<@UBOT> details", ""); got != "details" {
		t.Errorf("stripBot without a bot id = %q", got)
	}
}

// FuzzParseCommandJSON is the Socket Mode form of a slash command; the
// requester's team is the user's own team when Slack names it.
func FuzzParseCommandJSON(f *testing.F) {
	f.Add([]byte(`{"command":"/onboard-check","text":"adele@contoso.com","user_id":"W111","channel_id":"C111","team_id":"T111","enterprise_id":"E111","response_url":"https://hooks.slack.com/commands/T111/111/xxxxx","trigger_id":"111.111.xxx"}`))
	f.Add([]byte(`{"user_id":"U1","channel_id":"C1","team_id":"T1","user_team":"T9","enterprise_id":"E1"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		c, err := parseCommandJSON(body)
		if err != nil {
			return
		}
		if c.UserID == "" || c.ChannelID == "" {
			t.Errorf("parseCommandJSON accepted a command without user or channel: %+v", c)
		}
		if r := c.requester(); r.Enterprise != "" && r.Team != c.TeamID {
			t.Errorf("requester %+v: an organisation claimed for a team (%q) not of the workspace %q", r, r.Team, c.TeamID)
		}
	})
}

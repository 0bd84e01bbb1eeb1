package slack_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/onboard-check/onboard-check/adapters/slack"
	"github.com/onboard-check/onboard-check/adapters/slack/slacktest"
	"github.com/onboard-check/onboard-check/handlers"
	"github.com/onboard-check/onboard-check/internal/logbuf"
)

// TestNoSecretLeaks makes every remote call fail — Web API errors, 500s,
// connections dropped on a response_url whose path authorises — and
// looks for the bot token, the signing secret, the app token and the
// response_url in everything logged and said.
func TestNoSecretLeaks(t *testing.T) {
	t.Parallel()
	const appToken = "xapp-1-A0123-4567-0a1b2c3d4e5f6a7b"
	const hookPath = "T1/5566778899/Zq8XbLr2SECRETPATHk3Jd"
	for _, tt := range []struct {
		name    string
		channel string
		text    string
		fault   func(f *slacktest.Server)
	}{
		{"every way to answer fails", helpdesk, "adele@contoso.com", func(f *slacktest.Server) {
			f.Status("chat.postMessage", http.StatusInternalServerError, 2)
			f.Drop("response_url", 2)
			f.Fail("chat.postEphemeral", "invalid_auth", "invalid_auth")
		}},
		{"private reply, response_url 500 and dropped", "C0PRIVATE", "adele@contoso.com", func(f *slacktest.Server) {
			f.Status("response_url", http.StatusInternalServerError, 1)
			f.Drop("chat.postEphemeral", 2)
		}},
		{"mention lookup fails", helpdesk, "<@U0MEGAN>", func(f *slacktest.Server) {
			f.Drop("users.info", 3)
			f.Status("chat.postMessage", http.StatusBadGateway, 2)
			f.Drop("response_url", 1)
		}},
		{"auth.test unreachable", helpdesk, "adele@contoso.com", func(f *slacktest.Server) {
			f.Drop("auth.test", 1)
			f.Status("chat.postEphemeral", http.StatusInternalServerError, 2)
		}},
		{"user group and locale lookups fail", helpdesk, "adele@contoso.com", func(f *slacktest.Server) {
			f.Fail("usergroups.users.list", "invalid_auth")
			f.Status("users.info", http.StatusServiceUnavailable, 1)
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			logs := &logbuf.Buffer{}
			e := setup(t, options{logs: logs,
				handlers: handlers.Config{Access: handlers.Access{SlackUsers: []string{"U0HELPDESK"}, SlackGroups: []string{"S0HELPDESK"},
					HelpdeskChannels: []string{helpdesk}}},
				slack: func(c *slack.Config) { c.AppToken = appToken }})
			tt.fault(e.fake)
			responseURL := e.fake.ResponseURL(hookPath)
			got := e.post(t, "/slack/commands", commandForm(tt.text, "U0HELPDESK", tt.channel, responseURL))
			e.drain(t)
			if got.status != http.StatusOK {
				t.Errorf("ack status %d", got.status)
			}
			out := logs.String() + got.body
			// What the surface said (a Web API body carries the token, as
			// it must; its message fields must not).
			for _, c := range e.fake.Calls("") {
				out += c.Form.Get("text") + c.Form.Get("blocks")
			}
			for _, c := range e.fake.Calls("response_url") {
				out += string(c.Body)
			}
			for _, s := range []string{botToken, secret, appToken, responseURL, hookPath, "SECRETPATH",
				"pdFZKVeTuE8sk7oOcBrzbqgy", "0a1b2c3d4e5f6a7b"} {
				if strings.Contains(out, s) {
					t.Errorf("%q leaked into logs or messages:\n%s", s, out)
				}
			}
			if !strings.Contains(logs.String(), `"level":"WARN"`) && !strings.Contains(logs.String(), `"level":"ERROR"`) {
				t.Errorf("no failure was logged; the test made none:\n%s", logs.String())
			}
		})
	}
}

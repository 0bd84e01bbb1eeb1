package slack_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/onboard-check/onboard-check/adapters/slack"
	"github.com/onboard-check/onboard-check/adapters/slack/slacktest"
	"github.com/onboard-check/onboard-check/handlers"
)

const refusalText = "Sorry, "

// payload reads a real Slack payload from testdata/payloads (sources in
// testdata/README.md).
func payload(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "payloads", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// editJSON decodes a JSON payload, lets edit change values, and encodes it
// again; every field the payload had stays.
func editJSON(t *testing.T, b []byte, edit func(m map[string]any)) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	edit(m)
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// editForm changes values of a form payload.
func editForm(t *testing.T, b []byte, set map[string]string) string {
	t.Helper()
	v, err := url.ParseQuery(string(b))
	if err != nil {
		t.Fatal(err)
	}
	for k, x := range set {
		v.Set(k, x)
	}
	return v.Encode()
}

// said returns everything the surface said: the acknowledgement and every
// text and block it gave the fake Slack.
func (e *env) said(ack response) string {
	var b strings.Builder
	b.WriteString(ack.body)
	for _, c := range e.fake.Calls("") {
		b.WriteString(c.Form.Get("text") + c.Form.Get("blocks") + string(c.Body))
	}
	return b.String()
}

// TestForeignRequesterRefused tries real payloads from another team or
// organisation in a channel on the allow-list: each is refused, nothing is
// read from the tenant and nothing is posted in the channel, unless the
// requester's team or organisation is listed in Config.Teams.
func TestForeignRequesterRefused(t *testing.T) {
	t.Parallel()
	slash := func(t *testing.T) (string, string) {
		return "/slack/commands", editForm(t, payload(t, "slash_command_enterprise.form"), map[string]string{"text": "adele@contoso.com"})
	}
	sharedMention := func(t *testing.T) (string, string) {
		return "/slack/events", editJSON(t, payload(t, "app_mention_shared_channel.json"), func(m map[string]any) {
			m["event_id"] = "Ev0SHARED"
			ev := m["event"].(map[string]any)
			ev["text"], ev["ts"] = "<@U04T5KKKLUE> adele@contoso.com", "1700000090.000100"
		})
	}
	button := func(t *testing.T) (string, string) {
		p := editJSON(t, payload(t, "block_actions.json"), func(m map[string]any) {
			a := m["actions"].([]any)[0].(map[string]any)
			a["action_id"], a["value"] = "recheck", "0123456789abcdef0123456789abcdef"
		})
		return "/slack/interactions", url.Values{"payload": {p}}.Encode()
	}
	for _, tt := range []struct {
		name          string
		request       func(t *testing.T) (path, body string)
		team, ent     string   // the bot's own, from auth.test
		teams         []string // Config.Teams
		channel       string   // on the allow-list
		wantRefused   bool
		wantGraphRead bool
	}{
		{"slash command from the bot's organisation", slash, "T111", "E111", nil, "C111", false, true},
		{"slash command from another organisation", slash, "T999", "E999", nil, "C111", true, false},
		{"slash command, organisation listed", slash, "T999", "E999", []string{"E111"}, "C111", false, true},
		{"slash command, team listed", slash, "T999", "", []string{"T111"}, "C111", false, true},
		{"shared channel mention by the bot's own team", sharedMention, "T03E94MJU", "", nil, "C04T3ACM40K", false, true},
		{"shared channel mention by the other organisation", sharedMention, "T014GJXU940", "E013Y3SHLAY", nil, "C04T3ACM40K", true, false},
		{"shared channel mention, team listed", sharedMention, "T014GJXU940", "E013Y3SHLAY", []string{"T03E94MJU"}, "C04T3ACM40K", false, true},
		{"button pressed in another team", button, "T1", "", nil, "C111", true, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := setup(t, options{
				handlers: handlers.Config{Access: handlers.Access{SlackChannels: []string{tt.channel}}},
				slack:    func(c *slack.Config) { c.Teams = tt.teams },
			})
			e.fake.SetIdentity(tt.team, tt.ent, "U04T5KKKLUE")
			path, body := tt.request(t)
			got := e.post(t, path, body)
			if got.status != http.StatusOK {
				t.Fatalf("status %d, want 200", got.status)
			}
			e.drain(t)
			said := e.said(got)
			if refused := strings.Contains(said, refusalText); refused != tt.wantRefused {
				t.Errorf("refused = %v, want %v; the surface said %s", refused, tt.wantRefused, said)
			}
			if read := e.src.calls.Load() > 0; read != tt.wantGraphRead {
				t.Errorf("tenant read = %v, want %v", read, tt.wantGraphRead)
			}
			if tt.wantRefused && len(e.fake.Calls("chat.postMessage")) != 0 {
				t.Errorf("a refused request posted in the channel: %+v", e.fake.Calls("chat.postMessage"))
			}
		})
	}
}

// TestNoWorkspaceNoService: while auth.test fails, nobody can be bound to
// the bot's workspace, and nobody is served.
func TestNoWorkspaceNoService(t *testing.T) {
	t.Parallel()
	e := setup(t, options{})
	e.fake.Status("auth.test", http.StatusInternalServerError, 1)
	got := e.post(t, "/slack/commands", commandForm("adele@contoso.com", "U0HELPDESK", helpdesk, e.fake.ResponseURL("1")))
	e.drain(t)
	if !strings.Contains(got.body, refusalText) || e.src.calls.Load() != 0 || len(e.fake.Calls("chat.postMessage")) != 0 {
		t.Errorf("ack %s, %d tenant reads, %d posts; want a refusal and nothing run", got.body, e.src.calls.Load(), len(e.fake.Calls("chat.postMessage")))
	}
}

// TestUserGroupRemovalTakesEffect: someone removed from an allowed user
// group loses access within five minutes, on a fake clock.
func TestUserGroupRemovalTakesEffect(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := setup(t, options{inProcess: true, handlers: handlers.Config{Access: handlers.Access{SlackGroups: []string{"S0HELPDESK"}}}})
		ask := func() string {
			return e.post(t, "/slack/commands", commandForm("explain 53003", "U0NL", helpdesk, e.fake.ResponseURL("1"))).body
		}
		if got := ask(); strings.Contains(got, "niet op de lijst") || strings.Contains(got, refusalText) {
			t.Fatalf("a group member was refused: %s", got)
		}
		e.fake.AddGroup("S0HELPDESK", "U0HELPDESK") // U0NL removed
		time.Sleep(5 * time.Minute)
		if got := ask(); got == "" || (!strings.Contains(got, "niet") && !strings.Contains(got, refusalText)) {
			t.Errorf("five minutes after removal the ack was %q; want a refusal", got)
		}
		e.drain(t)
	})
}

// TestResponseURLOutsideSlackNeverUsed: a signed command whose
// response_url leads elsewhere gets its reply another way, and the other
// host receives nothing.
func TestResponseURLOutsideSlackNeverUsed(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer evil.Close()
	e := setup(t, options{handlers: handlers.Config{Access: handlers.Access{HelpdeskChannels: []string{"C0OTHER"}}}})
	for _, u := range []string{evil.URL + "/response/1", "https://hooks.slack.com.evil.example/commands/1", "http://hooks.slack.com/commands/1",
		"https://user:pw@hooks.slack.com/commands/1", strings.Replace(e.fake.ResponseURL("1"), "http://", "https://", 1)} {
		e.post(t, "/slack/commands", commandForm("adele@contoso.com", "U0HELPDESK", helpdesk, u))
	}
	e.drain(t)
	if hits.Load() != 0 {
		t.Errorf("the foreign response_url was called %d times", hits.Load())
	}
	if n := len(e.fake.Calls("response_url")); n != 0 {
		t.Errorf("%d response_url posts", n)
	}
	if n := len(e.fake.Calls("chat.postEphemeral")); n != 5 {
		t.Errorf("%d ephemeral answers; want each diagnosis delivered privately another way (5)", n)
	}
}

// TestReplayedRequestRunsOnce: the very same signed request sent again
// inside the window is acknowledged and ignored; a slash command signed
// anew with the same trigger_id is too.
func TestReplayedRequestRunsOnce(t *testing.T) {
	t.Parallel()
	e := setup(t, options{})
	form := commandForm("adele@contoso.com", "U0HELPDESK", helpdesk, e.fake.ResponseURL("1"))
	req := httptest.NewRequest(http.MethodPost, "/slack/commands", strings.NewReader(form))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	slacktest.Sign(req, secret, time.Now())
	sig, ts := req.Header.Get("X-Slack-Signature"), req.Header.Get("X-Slack-Request-Timestamp")
	first := e.send(t, req)
	var replies []response
	for range 3 {
		again := httptest.NewRequest(http.MethodPost, "/slack/commands", strings.NewReader(form))
		again.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		again.Header.Set("X-Slack-Signature", sig)
		again.Header.Set("X-Slack-Request-Timestamp", ts)
		replies = append(replies, e.send(t, again))
	}
	// Signed anew a second later: a new signature, the same trigger_id.
	resigned := httptest.NewRequest(http.MethodPost, "/slack/commands", strings.NewReader(form))
	resigned.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	slacktest.Sign(resigned, secret, time.Now().Add(time.Second))
	replies = append(replies, e.send(t, resigned))
	e.drain(t)
	if !strings.Contains(first.body, "Checking") {
		t.Errorf("first ack %q", first.body)
	}
	for i, r := range replies {
		if r.status != http.StatusOK || r.body != "" {
			t.Errorf("replay %d = %d %q; want an empty 200", i, r.status, r.body)
		}
	}
	if n := e.src.calls.Load(); n != 1 {
		t.Errorf("the tenant was read %d times; want once", n)
	}
	if n := len(e.fake.Calls("chat.postMessage")); n != 1 {
		t.Errorf("%d diagnoses posted; want one", n)
	}
}

// TestHostileTextEscaped: what a requester types comes back escaped in
// the acknowledgement (a usage note quotes it): no broadcast, mention or
// link survives.
func TestHostileTextEscaped(t *testing.T) {
	t.Parallel()
	e := setup(t, options{})
	got := e.post(t, "/slack/commands", commandForm("whatif app=<!channel> <@U0MEGAN> <https://evil.example|click> @here <!here> &", "U0HELPDESK", helpdesk, e.fake.ResponseURL("1")))
	e.drain(t)
	var a struct{ Text string }
	if err := json.Unmarshal([]byte(got.body), &a); err != nil {
		t.Fatalf("ack %q: %v", got.body, err)
	}
	all := a.Text
	for _, c := range e.fake.Calls("") {
		all += c.Form.Get("text") + c.Form.Get("blocks") + string(c.Body)
	}
	for _, bad := range []string{"<!channel>", "<!here>", "<@U0MEGAN>", "<https://evil.example|click>"} {
		if strings.Contains(all, bad) {
			t.Errorf("%s reached Slack unescaped: %s", bad, all)
		}
	}
	if !strings.Contains(a.Text, "&lt;!channel&gt;") && !strings.Contains(a.Text, "&lt;") {
		t.Errorf("ack %q does not show the input escaped", a.Text)
	}
}

// TestSSLCheck: Slack's ssl_check probe (unsigned) is answered 200 and
// nothing else happens.
func TestSSLCheck(t *testing.T) {
	t.Parallel()
	e := setup(t, options{})
	req := httptest.NewRequest(http.MethodPost, "/slack/commands", strings.NewReader(string(payload(t, "ssl_check.form"))))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	got := e.send(t, req)
	if got.status != http.StatusOK || got.body != "" {
		t.Errorf("ssl_check = %d %q; want an empty 200", got.status, got.body)
	}
	// An unsigned command that carries ssl_check=1 runs nothing either.
	smuggled := commandForm("adele@contoso.com", "U0HELPDESK", helpdesk, e.fake.ResponseURL("1")) + "&ssl_check=1"
	req = httptest.NewRequest(http.MethodPost, "/slack/commands", strings.NewReader(smuggled))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if got := e.send(t, req); got.status != http.StatusOK || got.body != "" {
		t.Errorf("ssl_check with a command = %d %q; want an empty 200", got.status, got.body)
	}
	e.drain(t)
	if n := len(e.fake.Calls("")); n != 0 || e.src.calls.Load() != 0 {
		t.Errorf("ssl_check made %d Slack calls and %d tenant reads", n, e.src.calls.Load())
	}
}

// TestFileShareInThreadIsAFollowUp: a thread reply that shares a file
// (subtype file_share) is a person's message.
func TestFileShareInThreadIsAFollowUp(t *testing.T) {
	t.Parallel()
	e := setup(t, options{})
	e.post(t, "/slack/commands", commandForm("adele@contoso.com", "U0HELPDESK", helpdesk, e.fake.ResponseURL("1")))
	e.fake.Wait(waitCtx(t), "chat.postMessage", 1)
	e.waitLinked(t, firstPost)
	body := editJSON(t, payload(t, "message_file_share.json"), func(m map[string]any) {
		ev := m["event"].(map[string]any)
		ev["text"], ev["thread_ts"], ev["channel"], ev["user"] = "details", firstPost, helpdesk, "U0HELPDESK"
		m["team_id"] = "T1"
		m["authorizations"].([]any)[0].(map[string]any)["team_id"] = "T1"
		m["authorizations"].([]any)[0].(map[string]any)["user_id"] = "UBOT"
	})
	e.post(t, "/slack/events", body)
	e.drain(t)
	posts := e.fake.Calls("chat.postMessage")
	if len(posts) != 2 || posts[1].Form.Get("thread_ts") != firstPost {
		t.Errorf("posts %+v; want the details in the diagnosis's thread", posts)
	}
}

// TestDirectMessageServed: a direct message to the bot (message.im) is a
// request, answered in the conversation.
func TestDirectMessageServed(t *testing.T) {
	t.Parallel()
	e := setup(t, options{handlers: handlers.Config{Access: handlers.Access{HelpdeskChannels: []string{helpdesk}}}})
	e.fake.SetIdentity("TXXXXXXXX", "", "UBOT")
	e.fake.AddUser(slacktest.User{ID: "U2147483697", Name: "admin", Email: "admin@contoso.com", Locale: "en-US"})
	body := editJSON(t, payload(t, "message_im.json"), func(m map[string]any) {
		m["event"].(map[string]any)["text"] = "adele@contoso.com"
	})
	e.post(t, "/slack/events", body)
	e.drain(t)
	posts := e.fake.Calls("chat.postMessage")
	if len(posts) != 1 || posts[0].Form.Get("channel") != "D024BE91L" || !strings.Contains(posts[0].Form.Get("blocks"), blocking) {
		t.Errorf("posts %+v; want the diagnosis in the direct message", posts)
	}
}

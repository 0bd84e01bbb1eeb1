package slack_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/onboard-check/onboard-check/adapters/slack"
	"github.com/onboard-check/onboard-check/adapters/slack/slacktest"
	"github.com/onboard-check/onboard-check/diagnosis"
	"github.com/onboard-check/onboard-check/diagnosis/demo"
	"github.com/onboard-check/onboard-check/handlers"
	"github.com/onboard-check/onboard-check/internal/golden"
	"github.com/onboard-check/onboard-check/store"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

const (
	secret   = "8f742231b10e8888abcd99yyyzzz85a5"
	botToken = "xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy"
)

// gatedSource is the sample tenant behind a gate: Snapshot waits until the
// test opens it, as a slow Graph would, and counts its calls.
type gatedSource struct {
	tenant *demo.Tenant
	gate   chan struct{}
	calls  atomic.Int32
}

func (g *gatedSource) Snapshot(ctx context.Context, q diagnosis.Query) (diagnosis.Snapshot, error) {
	g.calls.Add(1)
	select {
	case <-g.gate:
	case <-ctx.Done():
		return diagnosis.Snapshot{}, ctx.Err()
	}
	return g.tenant.Snapshot(ctx, q)
}

type env struct {
	fake   *slacktest.Server
	src    *gatedSource
	store  *store.Memory
	srv    *httptest.Server
	slack  *slack.Server
	runner *handlers.Runner
}

// setup wires the Slack surface to the sample tenant, a memory store and a
// fake Slack. open says whether the source answers at once.
func setup(t *testing.T, open bool, hcfg handlers.Config, edit ...func(*slack.Config)) *env {
	t.Helper()
	tenant, err := demo.Default(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	src := &gatedSource{tenant: tenant, gate: make(chan struct{})}
	if open {
		close(src.gate)
	}
	eng, err := diagnosis.NewEngine(nil)
	if err != nil {
		t.Fatal(err)
	}
	st := store.NewMemory(nil)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc, err := handlers.NewService(hcfg, eng, src, st, log)
	if err != nil {
		t.Fatal(err)
	}
	fake := slacktest.NewServer(t, botToken)
	fake.AddUser(slacktest.User{ID: "U0HELPDESK", Name: "jan", Email: "jan@contoso.com", Locale: "en-US"})
	fake.AddUser(slacktest.User{ID: "U0MEGAN", Name: "megan", Email: "megan@contoso.com", Locale: "en-US"})
	fake.AddUser(slacktest.User{ID: "U0NL", Name: "sanne", Email: "sanne@contoso.com", Locale: "nl-NL"})
	fake.AddGroup("S0HELPDESK", "U0HELPDESK", "U0NL")
	cfg := slack.Config{BotToken: botToken, SigningSecret: secret, APIURL: fake.APIURL()}
	for _, e := range edit {
		e(&cfg)
	}
	runner := handlers.NewRunner(4)
	s, err := slack.New(cfg, svc, runner, log)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(func() {
		srv.Close()
		select {
		case <-src.gate:
		default:
			close(src.gate)
		}
		_ = runner.Shutdown(context.Background())
	})
	return &env{fake: fake, src: src, store: st, srv: srv, slack: s, runner: runner}
}

// post sends a signed request as Slack does.
func (e *env) post(t *testing.T, path, contentType, body string, headers ...string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	slacktest.Sign(req, secret, time.Now())
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func commandForm(text, user, responseURL string) string {
	return url.Values{"command": {"/onboard-check"}, "text": {text}, "user_id": {user}, "channel_id": {"C0HELPDESK"},
		"team_id": {"T1"}, "response_url": {responseURL}, "trigger_id": {"13345224609.738474920.8088930838d88f008e0"}}.Encode()
}

func eventBody(eventID, typ, user, text, ts, threadTS string) string {
	ev := map[string]any{"type": typ, "user": user, "text": text, "channel": "C0HELPDESK", "ts": ts, "team": "T1"}
	if threadTS != "" {
		ev["thread_ts"] = threadTS
	}
	b, _ := json.Marshal(map[string]any{"token": "x", "team_id": "T1", "api_app_id": "A1", "type": "event_callback",
		"event_id": eventID, "event_time": time.Now().Unix(), "event": ev,
		"authorizations": []map[string]any{{"team_id": "T1", "user_id": "UBOT", "is_bot": true}}})
	return string(b)
}

// waitLinked waits until the posted diagnosis's thread is remembered, which
// the surface does right after chat.postMessage answers.
func (e *env) waitLinked(t *testing.T, thread string) {
	t.Helper()
	ctx := waitCtx(t)
	for {
		if _, err := e.store.ThreadDiagnosis(ctx, store.Thread{Surface: "slack", Channel: "C0HELPDESK", Thread: thread}); err == nil {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("thread %s never linked to its diagnosis", thread)
		case <-time.After(time.Millisecond):
		}
	}
}

func waitCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestForgedRequestsRunNothing(t *testing.T) {
	t.Parallel()
	e := setup(t, true, handlers.Config{})
	body := commandForm("adele@contoso.com", "U0HELPDESK", e.fake.ResponseURL("1"))
	now := time.Now()
	sign := func(r *http.Request, s string, at time.Time) { slacktest.Sign(r, s, at) }
	forgeries := []struct {
		name  string
		forge func(r *http.Request)
	}{
		{"no signature", func(r *http.Request) {}},
		{"wrong secret", func(r *http.Request) { sign(r, "not-the-secret", now) }},
		{"stale timestamp", func(r *http.Request) { sign(r, secret, now.Add(-6*time.Minute)) }},
		{"future timestamp", func(r *http.Request) { sign(r, secret, now.Add(6*time.Minute)) }},
		{"replayed with a new timestamp", func(r *http.Request) {
			sign(r, secret, now.Add(-10*time.Minute))
			r.Header.Set("X-Slack-Request-Timestamp", strconv.FormatInt(now.Unix(), 10))
		}},
		{"tampered body", func(r *http.Request) {
			sign(r, secret, now)
			r.Body = io.NopCloser(strings.NewReader(strings.Replace(body, "adele", "megan", 1)))
		}},
		{"missing timestamp", func(r *http.Request) { sign(r, secret, now); r.Header.Del("X-Slack-Request-Timestamp") }},
		{"malformed signature", func(r *http.Request) { sign(r, secret, now); r.Header.Set("X-Slack-Signature", "v1=abc") }},
	}
	for _, path := range []string{"/slack/commands", "/slack/events", "/slack/interactions"} {
		for _, f := range forgeries {
			req, _ := http.NewRequest(http.MethodPost, e.srv.URL+path, strings.NewReader(body))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			f.forge(req)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("%s %s: status %d, want 401", path, f.name, resp.StatusCode)
			}
		}
	}
	if err := e.runner.Shutdown(t.Context()); err != nil {
		t.Fatal(err)
	}
	if calls := e.fake.Calls(""); len(calls) != 0 {
		t.Errorf("forged requests reached Slack: %+v", calls)
	}
	if n := e.src.calls.Load(); n != 0 {
		t.Errorf("forged requests read the tenant %d times", n)
	}
	if got, _ := e.store.Recent(t.Context(), 10); len(got) != 0 {
		t.Errorf("forged requests were audited: %+v", got)
	}
	if ok, _ := e.store.Claim(t.Context(), "slack:cmd:13345224609.738474920.8088930838d88f008e0", time.Minute); !ok {
		t.Error("a forged request claimed its delivery in the store")
	}
}

func TestSlashCommandAcksBeforeGraphAnswers(t *testing.T) {
	t.Parallel()
	e := setup(t, false, handlers.Config{})
	resp := e.post(t, "/slack/commands", "application/x-www-form-urlencoded",
		commandForm("adele@contoso.com", "U0HELPDESK", e.fake.ResponseURL("1")))
	var a struct{ ResponseType, Text string }
	if err := json.NewDecoder(resp.Body).Decode(&a); err != nil {
		t.Fatal(err)
	}
	// The source is still closed: the ack came first.
	if resp.StatusCode != 200 || !strings.Contains(a.Text, "adele@contoso.com") || len(e.fake.Calls("chat.postMessage")) != 0 {
		t.Fatalf("ack = %d %+v", resp.StatusCode, a)
	}
	close(e.src.gate)
	posts := e.fake.Wait(waitCtx(t), "chat.postMessage", 1)
	if len(posts) != 1 {
		t.Fatalf("diagnosis not posted: %+v", e.fake.Calls(""))
	}
	if posts[0].Form.Get("channel") != "C0HELPDESK" || !strings.Contains(posts[0].Form.Get("blocks"), "CA015 Block admin portals outside HQ network") {
		t.Errorf("post = %v", posts[0].Form)
	}
	if posts[0].Form.Get("token") != botToken {
		t.Error("chat.postMessage without the bot token")
	}

	// A colleague asks for details in the diagnosis's thread.
	root := "1700000001.000100"
	e.waitLinked(t, root)
	e.post(t, "/slack/events", "application/json", eventBody("Ev1", "message", "U0HELPDESK", "details", "1700000009.000200", root))
	posts = e.fake.Wait(waitCtx(t), "chat.postMessage", 2)
	if len(posts) != 2 || posts[1].Form.Get("thread_ts") != root || !strings.Contains(posts[1].Form.Get("blocks"), "CA015") {
		t.Fatalf("details not answered in the thread: %+v", posts)
	}
}

func TestThreadMentionAnsweredOnce(t *testing.T) {
	t.Parallel()
	e := setup(t, true, handlers.Config{})
	e.post(t, "/slack/commands", "application/x-www-form-urlencoded", commandForm("adele@contoso.com", "U0HELPDESK", e.fake.ResponseURL("1")))
	e.fake.Wait(waitCtx(t), "chat.postMessage", 1)
	root := "1700000001.000100"
	e.waitLinked(t, root)
	text := "<@UBOT> signins"
	// Slack delivers a mention in a thread twice, and retries the first.
	e.post(t, "/slack/events", "application/json", eventBody("Ev10", "app_mention", "U0HELPDESK", text, "1700000010.000300", root))
	e.post(t, "/slack/events", "application/json", eventBody("Ev11", "message", "U0HELPDESK", text, "1700000010.000300", root))
	e.post(t, "/slack/events", "application/json", eventBody("Ev10", "app_mention", "U0HELPDESK", text, "1700000010.000300", root),
		"X-Slack-Retry-Num", "1", "X-Slack-Retry-Reason", "http_timeout")
	// A different message afterwards proves the first was handled.
	e.post(t, "/slack/events", "application/json", eventBody("Ev12", "app_mention", "U0HELPDESK", "<@UBOT> explain 53003", "1700000011.000400", root))
	posts := e.fake.Wait(waitCtx(t), "chat.postMessage", 3)
	if err := e.runner.Shutdown(t.Context()); err != nil {
		t.Fatal(err)
	}
	posts = e.fake.Calls("chat.postMessage")
	signins := 0
	for _, p := range posts[1:] {
		if p.Form.Get("thread_ts") != root {
			t.Errorf("reply outside the thread: %v", p.Form)
		}
		if strings.Contains(p.Form.Get("blocks"), "Sign-ins of") {
			signins++
		}
	}
	if signins != 1 || len(posts) != 3 {
		t.Errorf("signins answered %d times, %d posts; want once, 3 posts", signins, len(posts))
	}
}

func TestBotMessagesAndChatterIgnored(t *testing.T) {
	t.Parallel()
	e := setup(t, true, handlers.Config{})
	e.post(t, "/slack/events", "application/json", eventBody("Ev20", "message", "UBOT", "details", "1700000020.1", "1700000001.000100"))
	e.post(t, "/slack/events", "application/json", eventBody("Ev21", "message", "U0HELPDESK", "thanks, that was it", "1700000021.1", "1700000001.000100"))
	e.post(t, "/slack/events", "application/json", eventBody("Ev22", "message", "U0HELPDESK", "details", "1700000022.1", "")) // not in a thread
	if err := e.runner.Shutdown(t.Context()); err != nil {
		t.Fatal(err)
	}
	if calls := e.fake.Calls("chat.postMessage"); len(calls) != 0 {
		t.Errorf("answered its own message or small talk: %+v", calls)
	}
}

func TestURLVerification(t *testing.T) {
	t.Parallel()
	e := setup(t, true, handlers.Config{})
	resp := e.post(t, "/slack/events", "application/json", `{"token":"x","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}`)
	b, _ := io.ReadAll(resp.Body)
	if !strings.Contains(string(b), "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P") {
		t.Errorf("challenge answer = %s", b)
	}
}

func TestUserForms(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ text, want string }{
		{"<mailto:adele@contoso.com|adele@contoso.com>", "adele@contoso.com"},
		{"<@U0MEGAN|megan>", "megan@contoso.com"},
	} {
		e := setup(t, true, handlers.Config{})
		e.post(t, "/slack/commands", "application/x-www-form-urlencoded", commandForm(tt.text, "U0HELPDESK", e.fake.ResponseURL("1")))
		posts := e.fake.Wait(waitCtx(t), "chat.postMessage", 1)
		if len(posts) != 1 || !strings.Contains(posts[0].Form.Get("blocks"), tt.want) {
			t.Errorf("%s: posts %+v", tt.text, posts)
		}
	}
}

func TestDutchRequester(t *testing.T) {
	t.Parallel()
	e := setup(t, true, handlers.Config{})
	resp := e.post(t, "/slack/commands", "application/x-www-form-urlencoded", commandForm("adele@contoso.com", "U0NL", e.fake.ResponseURL("1")))
	b, _ := io.ReadAll(resp.Body)
	if !strings.Contains(string(b), "Ik controleer") {
		t.Errorf("ack for a Dutch requester = %s", b)
	}
	posts := e.fake.Wait(waitCtx(t), "chat.postMessage", 1)
	if len(posts) != 1 || !strings.Contains(posts[0].Form.Get("blocks"), "Geblokkeerd") {
		t.Errorf("diagnosis not in Dutch: %+v", posts)
	}
}

func TestNotInChannelFallsBackToResponseURL(t *testing.T) {
	t.Parallel()
	e := setup(t, true, handlers.Config{})
	e.fake.Fail("chat.postMessage", "not_in_channel")
	e.post(t, "/slack/commands", "application/x-www-form-urlencoded", commandForm("adele@contoso.com", "U0HELPDESK", e.fake.ResponseURL("77")))
	got := e.fake.Wait(waitCtx(t), "response_url", 1)
	if len(got) != 1 || !bytes.Contains(got[0].Body, []byte("CA015")) {
		t.Errorf("response_url got %+v", got)
	}
}

func TestRateLimitedPostIsRetried(t *testing.T) {
	t.Parallel()
	e := setup(t, true, handlers.Config{})
	e.fake.RateLimit("chat.postMessage", 1)
	e.post(t, "/slack/commands", "application/x-www-form-urlencoded", commandForm("adele@contoso.com", "U0HELPDESK", e.fake.ResponseURL("1")))
	posts := e.fake.Wait(waitCtx(t), "chat.postMessage", 2)
	if len(posts) != 2 || len(e.fake.Calls("response_url")) != 0 {
		t.Errorf("posts %d, response_url %d; want a retry after the rate limit", len(posts), len(e.fake.Calls("response_url")))
	}
}

func TestButtons(t *testing.T) {
	t.Parallel()
	e := setup(t, true, handlers.Config{})
	e.post(t, "/slack/commands", "application/x-www-form-urlencoded", commandForm("adele@contoso.com", "U0HELPDESK", e.fake.ResponseURL("1")))
	posts := e.fake.Wait(waitCtx(t), "chat.postMessage", 1)
	var blocks []map[string]any
	if err := json.Unmarshal([]byte(posts[0].Form.Get("blocks")), &blocks); err != nil {
		t.Fatal(err)
	}
	var id string
	for _, b := range blocks {
		if b["type"] == "actions" {
			for _, el := range b["elements"].([]any) {
				if m := el.(map[string]any); m["action_id"] == "details" {
					id = m["value"].(string)
				}
			}
		}
	}
	if id == "" {
		t.Fatalf("no Details button in %s", posts[0].Form.Get("blocks"))
	}
	payload, _ := json.Marshal(map[string]any{"type": "block_actions", "user": map[string]any{"id": "U0HELPDESK"},
		"team": map[string]any{"id": "T1"}, "channel": map[string]any{"id": "C0HELPDESK"},
		"message": map[string]any{"ts": "1700000001.000100"}, "response_url": e.fake.ResponseURL("2"), "trigger_id": "t2",
		"actions": []map[string]any{{"action_id": "details", "value": id, "action_ts": "1700000030.1"}}})
	e.post(t, "/slack/interactions", "application/x-www-form-urlencoded", url.Values{"payload": {string(payload)}}.Encode())
	posts = e.fake.Wait(waitCtx(t), "chat.postMessage", 2)
	if len(posts) != 2 || posts[1].Form.Get("thread_ts") != "1700000001.000100" {
		t.Errorf("Details not answered in the thread: %+v", posts)
	}
}

func TestSocketMode(t *testing.T) {
	t.Parallel()
	e := setup(t, true, handlers.Config{}, func(c *slack.Config) { c.AppToken = "xapp-1-A1-1234-abcdef" })
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- e.slack.RunSocketMode(ctx) }()
	e.fake.SendEnvelope("env-1", "slash_commands", map[string]any{"command": "/onboard-check", "text": "adele@contoso.com",
		"user_id": "U0HELPDESK", "channel_id": "C0HELPDESK", "team_id": "T1", "response_url": e.fake.ResponseURL("s"), "trigger_id": "s1"})
	posts := e.fake.Wait(waitCtx(t), "chat.postMessage", 1)
	if len(posts) != 1 || !strings.Contains(posts[0].Form.Get("blocks"), "CA015") {
		t.Errorf("socket mode diagnosis = %+v", posts)
	}
	acks := e.fake.Wait(waitCtx(t), "socket_ack", 1)
	if len(acks) != 1 || !bytes.Contains(acks[0].Body, []byte("env-1")) {
		t.Errorf("envelope not acknowledged: %+v", acks)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("RunSocketMode = %v", err)
	}
}

func TestRenderGolden(t *testing.T) {
	t.Parallel()
	tenant, _ := demo.Default(time.Now())
	eng, _ := diagnosis.NewEngine(nil)
	msgs, _ := handlers.Messages()
	for _, tt := range []struct{ name, user, lang string }{{"adele_en", "adele@contoso.com", "en"}, {"lynne_nl", "lynne@contoso.com", "nl"}} {
		d, _, err := eng.Run(t.Context(), tenant, diagnosis.Query{User: tt.user}, tt.lang)
		if err != nil {
			t.Fatal(err)
		}
		b, err := slack.MessageJSON(handlers.Reply{Kind: handlers.ReplyDiagnosis, Lang: tt.lang, Diagnosis: &d, DiagnosisID: "0123456789abcdef0123456789abcdef"}, msgs)
		if err != nil {
			t.Fatal(err)
		}
		golden.Check(t, filepath.Join("testdata", t.Name(), tt.name+".golden.json"), b, *update)
	}
}

func TestBlockKitLimits(t *testing.T) {
	t.Parallel()
	msgs, _ := handlers.Messages()
	d := diagnosis.Diagnosis{Verdict: diagnosis.VerdictBlocked, Summary: strings.Repeat("s", 5000),
		Query: diagnosis.QueryInfo{User: strings.Repeat("u", 300) + "@contoso.com"}}
	for i := range 60 {
		d.Findings = append(d.Findings, diagnosis.Finding{Code: diagnosis.CodeCABlock, Severity: diagnosis.SeverityCritical,
			Title: "Blocked by <policy> & more " + strconv.Itoa(i), Detail: strings.Repeat("d", 4000), Remediation: []string{strings.Repeat("r", 2000)},
			Policies: []diagnosis.PolicyRef{{ID: "p", DisplayName: "CA015", State: "enabled", Controls: []string{"block"}}}})
	}
	m := slack.Render(handlers.Reply{Kind: handlers.ReplyDetails, Lang: "en", Diagnosis: &d, DiagnosisID: "id"}, msgs)
	b, _ := json.Marshal(m)
	var doc struct {
		Text   string           `json:"text"`
		Blocks []map[string]any `json:"blocks"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Blocks) > 50 || len([]rune(doc.Text)) > 3000 {
		t.Errorf("%d blocks, text %d characters", len(doc.Blocks), len([]rune(doc.Text)))
	}
	var walk func(any)
	more := false
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if s, ok := x["text"].(string); ok {
				if len([]rune(s)) > 3000 {
					t.Errorf("a text of %d characters", len([]rune(s)))
				}
				if strings.Contains(s, "say details") {
					more = true
				}
				if strings.Contains(s, "<policy>") {
					t.Errorf("markup not escaped: %q", s[:40])
				}
			}
			for _, c := range x {
				walk(c)
			}
		case []any:
			for _, c := range x {
				walk(c)
			}
		}
	}
	for _, blk := range doc.Blocks {
		walk(blk)
	}
	for _, blk := range doc.Blocks {
		if blk["type"] == "header" {
			if s := blk["text"].(map[string]any)["text"].(string); len([]rune(s)) > 150 {
				t.Errorf("header of %d characters", len([]rune(s)))
			}
		}
	}
	if !more {
		t.Error("the cut findings are not pointed to details")
	}
}

func TestConfig(t *testing.T) {
	t.Parallel()
	good := slack.Config{BotToken: botToken, SigningSecret: secret}
	if err := good.Validate(); err != nil {
		t.Errorf("Validate(good) = %v", err)
	}
	for _, c := range []slack.Config{{BotToken: botToken}, {SigningSecret: secret}, {BotToken: "xoxp-user", SigningSecret: secret},
		{BotToken: botToken, AppToken: "bad"}, {BotToken: botToken, SigningSecret: secret, APIURL: "ftp://x"}} {
		err := c.Validate()
		if err == nil || !strings.Contains(err.Error(), "SLACK_") {
			t.Errorf("Validate(%+v) = %v; want an error naming the variable", c, err)
		}
	}
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("config", "slack", slack.Config{BotToken: botToken, SigningSecret: secret, AppToken: "xapp-1-A-1-s3cret"})
	for _, s := range []string{botToken, secret, "s3cret"} {
		if strings.Contains(logs.String(), s) {
			t.Errorf("the log holds a secret: %s", logs.String())
		}
	}
}

func TestUserGroupAllowList(t *testing.T) {
	t.Parallel()
	e := setup(t, true, handlers.Config{Access: handlers.Access{SlackGroups: []string{"S0HELPDESK"}}})
	for user, want := range map[string]string{"U0HELPDESK": "Checking", "U0MEGAN": "not on the list"} {
		resp := e.post(t, "/slack/commands", "application/x-www-form-urlencoded", commandForm("adele@contoso.com", user, e.fake.ResponseURL("1")))
		b, _ := io.ReadAll(resp.Body)
		if !strings.Contains(string(b), want) {
			t.Errorf("%s: ack %s; want %q", user, b, want)
		}
	}
}

func TestSlashExplainAcksEmptyAndAnswers(t *testing.T) {
	t.Parallel()
	e := setup(t, true, handlers.Config{})
	resp := e.post(t, "/slack/commands", "application/x-www-form-urlencoded", commandForm("explain 53003", "U0HELPDESK", e.fake.ResponseURL("1")))
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || len(b) != 0 {
		t.Errorf("ack = %d %q; want an empty 200", resp.StatusCode, b)
	}
	posts := e.fake.Wait(waitCtx(t), "chat.postMessage", 1)
	if len(posts) != 1 || !strings.Contains(posts[0].Form.Get("blocks"), "BlockedByConditionalAccess") {
		t.Errorf("explain not answered: %+v", posts)
	}
}

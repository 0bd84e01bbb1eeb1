package slack_test

import (
	"context"
	"encoding/json"
	"flag"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/onboard-check/onboard-check/adapters/slack"
	"github.com/onboard-check/onboard-check/adapters/slack/slacktest"
	"github.com/onboard-check/onboard-check/diagnosis"
	"github.com/onboard-check/onboard-check/diagnosis/demo"
	"github.com/onboard-check/onboard-check/handlers"
	"github.com/onboard-check/onboard-check/store"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

const (
	secret    = "8f742231b10e8888abcd99yyyzzz85a5"
	botToken  = "xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy"
	helpdesk  = "C0HELPDESK"
	blocking  = "CA015 Block admin portals outside HQ network"
	firstPost = "1700000001.000100" // the ts slacktest gives the first message posted
)

// gatedSource is the sample tenant behind a gate: Snapshot waits until the
// test opens it, as a slow Graph would, and counts its calls.
type gatedSource struct {
	tenant *demo.Tenant
	gate   chan struct{}
	calls  atomic.Int32
	wait   *diagnosis.Progress // reported before waiting, as a throttled Graph does
}

func (g *gatedSource) Snapshot(ctx context.Context, q diagnosis.Query) (diagnosis.Snapshot, error) {
	g.calls.Add(1)
	if g.wait != nil {
		diagnosis.ReportProgress(ctx, *g.wait)
	}
	select {
	case <-g.gate:
	case <-ctx.Done():
		return diagnosis.Snapshot{}, ctx.Err()
	}
	return g.tenant.Snapshot(ctx, q)
}

// watchedStore is the memory store, counting every write and telling of
// every thread link.
type watchedStore struct {
	store.Store
	writes atomic.Int32
	links  chan store.Thread
}

func (w *watchedStore) Claim(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	w.writes.Add(1)
	return w.Store.Claim(ctx, key, ttl)
}

func (w *watchedStore) Save(ctx context.Context, r store.Record, ttl time.Duration) error {
	w.writes.Add(1)
	return w.Store.Save(ctx, r, ttl)
}

func (w *watchedStore) LinkThread(ctx context.Context, t store.Thread, id string, ttl time.Duration) error {
	w.writes.Add(1)
	err := w.Store.LinkThread(ctx, t, id, ttl)
	select {
	case w.links <- t:
	default:
	}
	return err
}

func (w *watchedStore) Allow(ctx context.Context, key string, limit int, window time.Duration) (bool, error) {
	w.writes.Add(1)
	return w.Store.Allow(ctx, key, limit, window)
}

func (w *watchedStore) Append(ctx context.Context, e store.AuditEntry) error {
	w.writes.Add(1)
	return w.Store.Append(ctx, e)
}

func (w *watchedStore) SetBytes(ctx context.Context, key string, b []byte, ttl time.Duration) error {
	w.writes.Add(1)
	return w.Store.SetBytes(ctx, key, b, ttl)
}

type env struct {
	fake  *slacktest.Server
	src   *gatedSource
	store *watchedStore
	srv   *httptest.Server // nil in process: requests go straight to handler
	h     http.Handler
	slack *slack.Server
	jobs  *jobCounter
}

// jobCounter is the service's Observer: it counts queued and finished
// jobs, so that a test can wait until the queue is idle.
// jobCounter follows the service's queue through its Observer: the depth
// it last reported, and the jobs started and finished.
type jobCounter struct {
	mu                   sync.Mutex
	depth, started, done int
	changed              chan struct{}
}

func newJobCounter() *jobCounter { return &jobCounter{changed: make(chan struct{})} }

func (c *jobCounter) bump(f func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	f()
	close(c.changed)
	c.changed = make(chan struct{})
}

func (c *jobCounter) CommandDone(handlers.Surface, diagnosis.Verdict, time.Duration) {}
func (c *jobCounter) JobQueued(depth int)                                            { c.bump(func() { c.depth = depth }) }
func (c *jobCounter) JobStarted(time.Duration)                                       { c.bump(func() { c.started++ }) }
func (c *jobCounter) JobDone(string)                                                 { c.bump(func() { c.done++ }) }

// idle waits until the queue is empty and every job taken from it is done.
func (c *jobCounter) idle(ctx context.Context) bool {
	for {
		c.mu.Lock()
		idle, ch := c.depth == 0 && c.done >= c.started, c.changed
		c.mu.Unlock()
		if idle {
			return true
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return false
		}
	}
}

type options struct {
	slow      bool // the source answers only once the test opens its gate
	wait      *diagnosis.Progress
	logs      io.Writer // receives the logs too (JSON)
	handlers  handlers.Config
	slack     func(*slack.Config)
	inProcess bool // no sockets, for testing/synctest
}

// setup wires the Slack surface to the sample tenant, a memory store and a
// fake Slack that knows three people.
func setup(t *testing.T, o options) *env {
	t.Helper()
	tenant, err := demo.Default(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	src := &gatedSource{tenant: tenant, gate: make(chan struct{}), wait: o.wait}
	if !o.slow {
		close(src.gate)
	}
	eng, err := diagnosis.NewEngine(nil)
	if err != nil {
		t.Fatal(err)
	}
	st := &watchedStore{Store: store.NewMemory(nil), links: make(chan store.Thread, 16)}
	var out io.Writer = tWriter{t}
	if o.logs != nil {
		out = io.MultiWriter(out, o.logs)
	}
	log := slog.New(slog.NewJSONHandler(out, &slog.HandlerOptions{Level: slog.LevelDebug}))
	o.handlers.Access.Everyone = o.handlers.Access.Everyone || o.handlers.Access.Open()
	jobs := newJobCounter()
	o.handlers.Observer = jobs
	svc, err := handlers.NewService(o.handlers, eng, src, st, log)
	if err != nil {
		t.Fatal(err)
	}
	var fake *slacktest.Server
	if o.inProcess {
		fake = slacktest.NewInProcess(t, botToken)
	} else {
		fake = slacktest.NewServer(t, botToken)
	}
	fake.AddUser(slacktest.User{ID: "U0HELPDESK", Name: "jan", Email: "jan@contoso.com", Locale: "en-US"})
	fake.AddUser(slacktest.User{ID: "U0MEGAN", Name: "megan", Email: "megan@contoso.com", Locale: "en-US"})
	fake.AddUser(slacktest.User{ID: "U0NL", Name: "sanne", Email: "sanne@contoso.com", Locale: "nl-NL"})
	fake.AddGroup("S0HELPDESK", "U0HELPDESK", "U0NL")
	cfg := slack.Config{BotToken: botToken, SigningSecret: secret, APIURL: fake.APIURL()}
	if o.slack != nil {
		o.slack(&cfg)
	}
	s, err := slack.New(cfg, slack.Deps{Service: svc, Dedup: st, Logger: log, HTTP: fake.Client()})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{fake: fake, src: src, store: st, h: s.Handler(), slack: s, jobs: jobs}
	work, stop := context.WithCancel(context.Background())
	worked := make(chan error, 1)
	go func() { worked <- svc.Work(work) }()
	if !o.inProcess {
		e.srv = httptest.NewServer(e.h)
	}
	t.Cleanup(func() {
		if e.srv != nil {
			e.srv.Close()
		}
		select {
		case <-src.gate:
		default:
			close(src.gate)
		}
		stop()
		<-worked
	})
	return e
}

// tWriter sends the surface's log to the test's log.
type tWriter struct{ t *testing.T }

func (w tWriter) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(b)))
	return len(b), nil
}

type response struct {
	status int
	body   string
}

// post sends a request signed as Slack signs it; headers are extra
// name, value pairs.
func (e *env) post(t *testing.T, path, body string, headers ...string) response {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	if strings.HasPrefix(body, "{") {
		req.Header.Set("Content-Type", "application/json")
	} else {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	slacktest.Sign(req, secret, time.Now())
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return e.send(t, req)
}

// send delivers req over HTTP, or in process for a bubble.
func (e *env) send(t *testing.T, req *http.Request) response {
	t.Helper()
	if e.srv == nil {
		rec := httptest.NewRecorder()
		e.h.ServeHTTP(rec, req)
		return response{rec.Code, rec.Body.String()}
	}
	u, _ := url.Parse(e.srv.URL + req.URL.Path)
	req.URL, req.RequestURI, req.Host = u, "", u.Host
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{resp.StatusCode, string(b)}
}

// drain waits for every background job: afterwards the fake has seen all
// there will be.
func (e *env) drain(t *testing.T) {
	t.Helper()
	if !e.jobs.idle(waitCtx(t)) {
		t.Fatal("queued jobs never finished")
	}
}

// waitLinked waits until a posted diagnosis's thread is remembered, which
// the surface does right after chat.postMessage answers.
func (e *env) waitLinked(t *testing.T, thread string) {
	t.Helper()
	ctx := waitCtx(t)
	for {
		select {
		case th := <-e.store.links:
			if th.Thread == thread {
				return
			}
		case <-ctx.Done():
			t.Fatalf("thread %s never linked to its diagnosis", thread)
		}
	}
}

func waitCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

var triggers atomic.Int64

// triggerID is a fresh trigger_id, as Slack gives every command and button press.
func triggerID() string {
	return strconv.FormatInt(13345224609+triggers.Add(1), 10) + ".738474920.8088930838d88f008e0"
}

func commandForm(text, user, channel, responseURL string) string {
	return url.Values{"token": {"gIkuvaNzQIHg97ATvDxqgjtO"}, "team_id": {"T1"}, "team_domain": {"contoso"},
		"channel_id": {channel}, "channel_name": {"helpdesk"}, "user_id": {user}, "user_name": {"jan"},
		"command": {"/onboard-check"}, "text": {text}, "api_app_id": {"A1"}, "is_enterprise_install": {"false"},
		"response_url": {responseURL}, "trigger_id": {triggerID()}}.Encode()
}

// eventBody is an Events API event_callback as Slack sends it; edit
// changes the inner event.
func eventBody(eventID, typ, user, text, ts, threadTS string, edit ...func(ev map[string]any)) string {
	ev := map[string]any{"type": typ, "user": user, "text": text, "channel": helpdesk, "ts": ts, "team": "T1",
		"event_ts": ts, "channel_type": "channel"}
	if threadTS != "" {
		ev["thread_ts"] = threadTS
	}
	for _, f := range edit {
		f(ev)
	}
	b, _ := json.Marshal(map[string]any{"token": "x", "team_id": "T1", "api_app_id": "A1", "type": "event_callback",
		"event_id": eventID, "event_time": 1700000000, "event": ev, "is_ext_shared_channel": false,
		"authorizations": []map[string]any{{"enterprise_id": nil, "team_id": "T1", "user_id": "UBOT", "is_bot": true}}})
	return string(b)
}

// buttonPayload is a block_actions interaction on a posted diagnosis, and
// buttonForm the form Slack posts it in.
func buttonPayload(action, value, messageTS, responseURL string, ephemeral bool) string {
	payload, _ := json.Marshal(map[string]any{"type": "block_actions", "user": map[string]any{"id": "U0HELPDESK"},
		"api_app_id": "A1", "team": map[string]any{"id": "T1"}, "channel": map[string]any{"id": helpdesk},
		"container": map[string]any{"type": "message", "message_ts": messageTS, "channel_id": helpdesk, "is_ephemeral": ephemeral},
		"message":   map[string]any{"type": "message", "ts": messageTS}, "response_url": responseURL, "trigger_id": triggerID(),
		"actions": []map[string]any{{"action_id": action, "block_id": "diagnosis_actions", "value": value, "type": "button", "action_ts": "1700000030.1"}}})
	return string(payload)
}

func buttonForm(action, value, messageTS, responseURL string, ephemeral bool) string {
	return url.Values{"payload": {buttonPayload(action, value, messageTS, responseURL, ephemeral)}}.Encode()
}

func TestForgedRequestsRunNothing(t *testing.T) {
	t.Parallel()
	e := setup(t, options{})
	bodies := map[string]string{
		"/slack/commands":     commandForm("adele@contoso.com", "U0HELPDESK", helpdesk, e.fake.ResponseURL("1")),
		"/slack/events":       eventBody("Ev1", "app_mention", "U0HELPDESK", "<@UBOT> adele@contoso.com", "1700000002.000200", ""),
		"/slack/interactions": buttonForm("recheck", "0123456789abcdef0123456789abcdef", firstPost, e.fake.ResponseURL("2"), false),
	}
	now := time.Now()
	forgeries := []struct {
		name  string
		forge func(r *http.Request, body string)
	}{
		{"no signature", func(r *http.Request, _ string) {}},
		{"wrong secret", func(r *http.Request, _ string) { slacktest.Sign(r, "not-the-secret", now) }},
		{"stale timestamp", func(r *http.Request, _ string) { slacktest.Sign(r, secret, now.Add(-6*time.Minute)) }},
		{"future timestamp", func(r *http.Request, _ string) { slacktest.Sign(r, secret, now.Add(6*time.Minute)) }},
		{"replayed body with a new timestamp", func(r *http.Request, _ string) {
			slacktest.Sign(r, secret, now.Add(-10*time.Minute))
			r.Header.Set("X-Slack-Request-Timestamp", strconv.FormatInt(now.Unix(), 10))
		}},
		{"tampered body", func(r *http.Request, body string) {
			slacktest.Sign(r, secret, now)
			tampered := strings.Replace(body, "adele", "megan", 1) + " "
			r.Body, r.ContentLength = io.NopCloser(strings.NewReader(tampered)), int64(len(tampered))
		}},
		{"missing timestamp", func(r *http.Request, _ string) {
			slacktest.Sign(r, secret, now)
			r.Header.Del("X-Slack-Request-Timestamp")
		}},
		{"missing signature", func(r *http.Request, _ string) {
			slacktest.Sign(r, secret, now)
			r.Header.Del("X-Slack-Signature")
		}},
		{"other signature version", func(r *http.Request, _ string) {
			slacktest.Sign(r, secret, now)
			r.Header.Set("X-Slack-Signature", strings.Replace(r.Header.Get("X-Slack-Signature"), "v0=", "v1=", 1))
		}},
		{"timestamp not a number", func(r *http.Request, _ string) {
			slacktest.Sign(r, secret, now)
			r.Header.Set("X-Slack-Request-Timestamp", "soon")
		}},
	}
	for path, body := range bodies {
		for _, f := range forgeries {
			t.Run(strings.TrimPrefix(path, "/slack/")+"/"+f.name, func(t *testing.T) {
				req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				f.forge(req, body)
				if got := e.send(t, req); got.status != http.StatusUnauthorized || got.body != "" {
					t.Errorf("status %d body %q, want 401 and nothing", got.status, got.body)
				}
			})
		}
	}
	e.drain(t)
	if calls := e.fake.Calls(""); len(calls) != 0 {
		t.Errorf("forged requests reached Slack: %+v", calls)
	}
	if n := e.src.calls.Load(); n != 0 {
		t.Errorf("forged requests read the tenant %d times", n)
	}
	if n := e.store.writes.Load(); n != 0 {
		t.Errorf("forged requests wrote to the store %d times", n)
	}
}

func TestOversizedBodyRefused(t *testing.T) {
	t.Parallel()
	e := setup(t, options{})
	got := e.post(t, "/slack/events", `{"type":"url_verification","challenge":"`+strings.Repeat("x", 300<<10)+`"}`)
	if got.status != http.StatusRequestEntityTooLarge {
		t.Errorf("status %d, want 413", got.status)
	}
	if n := e.store.writes.Load(); n != 0 || len(e.fake.Calls("")) != 0 {
		t.Errorf("an oversized request did work: %d store writes, calls %+v", n, e.fake.Calls(""))
	}
}

func TestSlashCommandAcksBeforeGraphAnswers(t *testing.T) {
	t.Parallel()
	e := setup(t, options{slow: true})
	got := e.post(t, "/slack/commands", commandForm("adele@contoso.com", "U0HELPDESK", helpdesk, e.fake.ResponseURL("1")))
	// The source is still closed: the acknowledgement came first.
	var a struct {
		ResponseType string `json:"response_type"`
		Text         string `json:"text"`
	}
	if err := json.Unmarshal([]byte(got.body), &a); err != nil || got.status != http.StatusOK {
		t.Fatalf("ack = %d %q (%v)", got.status, got.body, err)
	}
	if a.ResponseType != "ephemeral" || !strings.Contains(a.Text, "Checking adele@contoso.com") {
		t.Errorf("ack = %+v; want an ephemeral Checking adele@contoso.com…", a)
	}
	if n := len(e.fake.Calls("chat.postMessage")); n != 0 {
		t.Fatalf("%d posts before the source answered", n)
	}
	close(e.src.gate)
	posts := e.fake.Wait(waitCtx(t), "chat.postMessage", 1)
	if len(posts) != 1 {
		t.Fatalf("diagnosis not posted: %+v", e.fake.Calls(""))
	}
	p := posts[0].Form
	if p.Get("channel") != helpdesk || p.Get("thread_ts") != "" || !strings.Contains(p.Get("blocks"), blocking) {
		t.Errorf("post = %v; want the blocks naming %s in %s", p, blocking, helpdesk)
	}
	if p.Get("token") != botToken {
		t.Error("chat.postMessage without the bot token")
	}
	if !strings.Contains(p.Get("text"), blocking) {
		t.Errorf("fallback text %q does not name the blocking policy", p.Get("text"))
	}
	blocks, err := slacktest.PostedJSON(posts[0])
	if err != nil || len(blocks) == 0 || blocks[0]["type"] != "header" {
		t.Errorf("blocks = %v (%v); want a verdict header first", blocks, err)
	}

	// A colleague asks for details in the diagnosis's thread.
	e.waitLinked(t, firstPost)
	got = e.post(t, "/slack/events", eventBody("Ev1", "message", "U0HELPDESK", "details", "1700000009.000200", firstPost))
	if got.status != http.StatusOK {
		t.Fatalf("event status %d", got.status)
	}
	posts = e.fake.Wait(waitCtx(t), "chat.postMessage", 2)
	if len(posts) != 2 || posts[1].Form.Get("thread_ts") != firstPost || !strings.Contains(posts[1].Form.Get("blocks"), blocking) {
		t.Fatalf("details not answered in the thread: %+v", posts)
	}
}

// TestThreadMentionAnsweredOnce delivers one thread mention as Slack does:
// as app_mention and as message, with different event ids, and the
// app_mention again as a retry.
func TestThreadMentionAnsweredOnce(t *testing.T) {
	t.Parallel()
	e := setup(t, options{})
	e.post(t, "/slack/commands", commandForm("adele@contoso.com", "U0HELPDESK", helpdesk, e.fake.ResponseURL("1")))
	e.fake.Wait(waitCtx(t), "chat.postMessage", 1)
	e.waitLinked(t, firstPost)
	const text, ts = "<@UBOT> details", "1700000010.000300"
	for _, d := range []struct {
		body    string
		headers []string
	}{
		{eventBody("Ev10", "app_mention", "U0HELPDESK", text, ts, firstPost), nil},
		{eventBody("Ev11", "message", "U0HELPDESK", text, ts, firstPost), nil},
		{eventBody("Ev10", "app_mention", "U0HELPDESK", text, ts, firstPost), []string{"X-Slack-Retry-Num", "1", "X-Slack-Retry-Reason", "http_timeout"}},
	} {
		if got := e.post(t, "/slack/events", d.body, d.headers...); got.status != http.StatusOK {
			t.Errorf("event status %d, want 200", got.status)
		}
	}
	e.drain(t)
	posts := e.fake.Calls("chat.postMessage")
	if len(posts) != 2 {
		t.Fatalf("%d posts, want the diagnosis and one answer", len(posts))
	}
	if p := posts[1].Form; p.Get("thread_ts") != firstPost || !strings.Contains(p.Get("blocks"), blocking) {
		t.Errorf("answer = %v; want the details in thread %s", p, firstPost)
	}
}

func TestRedeliveredEventAnsweredOnce(t *testing.T) {
	t.Parallel()
	e := setup(t, options{})
	e.post(t, "/slack/commands", commandForm("adele@contoso.com", "U0HELPDESK", helpdesk, e.fake.ResponseURL("1")))
	e.fake.Wait(waitCtx(t), "chat.postMessage", 1)
	e.waitLinked(t, firstPost)
	body := eventBody("Ev30", "message", "U0HELPDESK", "signins", "1700000030.000100", firstPost)
	e.post(t, "/slack/events", body)
	for n := 1; n <= 3; n++ {
		got := e.post(t, "/slack/events", body, "X-Slack-Retry-Num", strconv.Itoa(n), "X-Slack-Retry-Reason", "http_timeout")
		if got.status != http.StatusOK {
			t.Errorf("retry %d: status %d, want 200 so that Slack stops", n, got.status)
		}
	}
	e.drain(t)
	if posts := e.fake.Calls("chat.postMessage"); len(posts) != 2 {
		t.Errorf("%d posts, want the diagnosis and one answer", len(posts))
	}
}

func TestMentionOutsideThreadStartsOne(t *testing.T) {
	t.Parallel()
	e := setup(t, options{})
	const ts = "1700000040.000100"
	e.post(t, "/slack/events", eventBody("Ev40", "app_mention", "U0HELPDESK", "<@UBOT|onboard-check> adele@contoso.com", ts, ""))
	posts := e.fake.Wait(waitCtx(t), "chat.postMessage", 1)
	if len(posts) != 1 || posts[0].Form.Get("thread_ts") != ts || !strings.Contains(posts[0].Form.Get("blocks"), blocking) {
		t.Fatalf("posts = %+v; want the diagnosis in a thread under the mention", posts)
	}
	// The thread was linked before the post: a follow-up finds it at once.
	e.post(t, "/slack/events", eventBody("Ev41", "message", "U0HELPDESK", "policy CA015", "1700000041.000100", ts))
	posts = e.fake.Wait(waitCtx(t), "chat.postMessage", 2)
	if len(posts) != 2 || posts[1].Form.Get("thread_ts") != ts || !strings.Contains(posts[1].Form.Get("blocks"), "CA015") {
		t.Errorf("policy follow-up = %+v", posts)
	}
}

func TestBotMessagesAndChatterIgnored(t *testing.T) {
	t.Parallel()
	e := setup(t, options{})
	e.post(t, "/slack/commands", commandForm("adele@contoso.com", "U0HELPDESK", helpdesk, e.fake.ResponseURL("1")))
	e.fake.Wait(waitCtx(t), "chat.postMessage", 1)
	e.waitLinked(t, firstPost)
	for _, body := range []string{
		eventBody("Ev20", "message", "UBOT", "details", "1700000020.1", firstPost),
		eventBody("Ev21", "message", "", "details", "1700000021.1", firstPost, func(ev map[string]any) {
			ev["bot_id"], ev["subtype"] = "B0OTHER", "bot_message"
		}),
		eventBody("Ev22", "message", "U0OTHERBOT", "details", "1700000022.1", firstPost, func(ev map[string]any) { ev["bot_id"] = "B0OTHER" }),
		eventBody("Ev23", "message", "U0HELPDESK", "details", "1700000023.1", firstPost, func(ev map[string]any) { ev["subtype"] = "message_changed" }),
		eventBody("Ev24", "message", "U0HELPDESK", "thanks, that was it", "1700000024.1", firstPost),
		eventBody("Ev25", "message", "U0HELPDESK", "details", "1700000025.1", ""),             // not in a thread
		eventBody("Ev26", "message", "U0HELPDESK", "details", "1700000026.1", "1700000000.5"), // not a diagnosis's thread
		eventBody("Ev27", "reaction_added", "U0HELPDESK", "", "1700000027.1", firstPost),
	} {
		if got := e.post(t, "/slack/events", body); got.status != http.StatusOK {
			t.Errorf("status %d", got.status)
		}
	}
	e.drain(t)
	if calls := e.fake.Calls("chat.postMessage"); len(calls) != 1 {
		t.Errorf("answered a bot, an edit or small talk: %+v", calls[1:])
	}
	if calls := e.fake.Calls("chat.postEphemeral"); len(calls) != 0 {
		t.Errorf("ephemeral answers to chatter: %+v", calls)
	}
}

func TestURLVerification(t *testing.T) {
	t.Parallel()
	e := setup(t, options{})
	const challenge = "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"
	got := e.post(t, "/slack/events", `{"token":"Jhj5dZrVaK7ZwHHjRyZWjbDl","challenge":"`+challenge+`","type":"url_verification"}`)
	var v struct{ Challenge string }
	if err := json.Unmarshal([]byte(got.body), &v); err != nil || got.status != http.StatusOK || v.Challenge != challenge {
		t.Errorf("challenge answer = %d %s", got.status, got.body)
	}
}

func TestUserForms(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ name, text, want, lookedUp string }{
		{"mailto", "<mailto:adele@contoso.com|adele@contoso.com>", "adele@contoso.com", ""},
		{"mention", "<@U0MEGAN|megan>", "megan@contoso.com", "U0MEGAN"},
		{"mention without name", "<@U0MEGAN>", "megan@contoso.com", "U0MEGAN"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := setup(t, options{})
			e.post(t, "/slack/commands", commandForm(tt.text, "U0HELPDESK", helpdesk, e.fake.ResponseURL("1")))
			posts := e.fake.Wait(waitCtx(t), "chat.postMessage", 1)
			if len(posts) != 1 || !strings.Contains(posts[0].Form.Get("blocks"), tt.want) {
				t.Errorf("posts %+v; want a diagnosis of %s", posts, tt.want)
			}
			if tt.lookedUp == "" {
				return
			}
			var asked bool
			for _, c := range e.fake.Calls("users.info") {
				asked = asked || c.Form.Get("user") == tt.lookedUp
			}
			if !asked {
				t.Errorf("users.info was not asked about %s", tt.lookedUp)
			}
		})
	}
}

func TestUnknownMentionAnswered(t *testing.T) {
	t.Parallel()
	e := setup(t, options{})
	e.post(t, "/slack/commands", commandForm("<@U0NOBODY>", "U0HELPDESK", helpdesk, e.fake.ResponseURL("1")))
	posts := e.fake.Wait(waitCtx(t), "chat.postMessage", 1)
	if len(posts) != 1 || !strings.Contains(posts[0].Form.Get("text"), "could not find the email address") {
		t.Errorf("posts %+v; want the unresolved mention explained", posts)
	}
	if e.src.calls.Load() != 0 {
		t.Error("an unresolved mention was sent to the directory")
	}
}

func TestUsageAndHelpAreEphemeralAcks(t *testing.T) {
	t.Parallel()
	e := setup(t, options{})
	for text, want := range map[string]string{"help": "onboard-check", "not a user": "not a user"} {
		got := e.post(t, "/slack/commands", commandForm(text, "U0HELPDESK", helpdesk, e.fake.ResponseURL("1")))
		var a struct {
			ResponseType string `json:"response_type"`
			Text         string `json:"text"`
		}
		if err := json.Unmarshal([]byte(got.body), &a); err != nil || a.ResponseType != "ephemeral" || !strings.Contains(a.Text, want) {
			t.Errorf("%q: ack %s; want an ephemeral answer with %q", text, got.body, want)
		}
	}
	e.drain(t)
	if calls := e.fake.Calls("chat.postMessage"); len(calls) != 0 {
		t.Errorf("usage posted in the channel: %+v", calls)
	}
}

func TestDutchRequester(t *testing.T) {
	t.Parallel()
	e := setup(t, options{})
	got := e.post(t, "/slack/commands", commandForm("adele@contoso.com", "U0NL", helpdesk, e.fake.ResponseURL("1")))
	if !strings.Contains(got.body, "Ik controleer") {
		t.Errorf("ack for a Dutch requester = %s", got.body)
	}
	posts := e.fake.Wait(waitCtx(t), "chat.postMessage", 1)
	if len(posts) != 1 || !strings.Contains(posts[0].Form.Get("blocks"), "Geblokkeerd") {
		t.Errorf("diagnosis not in Dutch: %+v", posts)
	}
}

func TestLocaleCached(t *testing.T) {
	t.Parallel()
	e := setup(t, options{})
	for range 3 {
		e.post(t, "/slack/commands", commandForm("explain 53003", "U0NL", helpdesk, e.fake.ResponseURL("1")))
	}
	e.drain(t)
	if n := len(e.fake.Calls("users.info")); n != 1 {
		t.Errorf("users.info asked %d times for one requester, want once", n)
	}
}

func TestFailedLocaleLookupNotRepeated(t *testing.T) {
	t.Parallel()
	e := setup(t, options{})
	for range 3 {
		e.post(t, "/slack/commands", commandForm("help", "U0STRANGER", helpdesk, e.fake.ResponseURL("1")))
	}
	if n := len(e.fake.Calls("users.info")); n != 1 {
		t.Errorf("users.info asked %d times after it failed, want once", n)
	}
}

// TestDeliveryFallbacks covers where a diagnosis goes when chat.postMessage
// cannot take it or the reply must stay private.
func TestDeliveryFallbacks(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name     string
		channel  string
		fault    func(f *slacktest.Server)
		posts    int    // chat.postMessage calls
		via      string // where the diagnosis lands
		respType string // response_type of a response_url answer
		note     bool   // the not-a-member note is added
	}{
		{"posted in a helpdesk channel", helpdesk, nil, 1, "chat.postMessage", "", false},
		{"bot not in the channel", helpdesk, func(f *slacktest.Server) { f.Fail("chat.postMessage", "not_in_channel") }, 1, "response_url", "in_channel", true},
		{"channel not found", "D0DIRECT", func(f *slacktest.Server) { f.Fail("chat.postMessage", "channel_not_found") }, 1, "response_url", "in_channel", true},
		{"network error, response_url at hand", helpdesk, func(f *slacktest.Server) { f.Drop("chat.postMessage", 1) }, 1, "response_url", "in_channel", false},
		{"not a helpdesk channel", "C0RANDOM", nil, 0, "response_url", "ephemeral", false},
		{"response_url expired too", helpdesk, func(f *slacktest.Server) {
			f.Fail("chat.postMessage", "not_in_channel")
			f.Fail("response_url", "expired_url")
		}, 1, "chat.postEphemeral", "", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := setup(t, options{handlers: handlers.Config{Access: handlers.Access{HelpdeskChannels: []string{helpdesk, "D0DIRECT"}}}})
			if tt.fault != nil {
				tt.fault(e.fake)
			}
			got := e.post(t, "/slack/commands", commandForm("adele@contoso.com", "U0HELPDESK", tt.channel, e.fake.ResponseURL("9")))
			if got.status != http.StatusOK || !strings.Contains(got.body, "ephemeral") {
				t.Errorf("ack = %d %s", got.status, got.body)
			}
			e.drain(t)
			if n := len(e.fake.Calls("chat.postMessage")); n != tt.posts {
				t.Errorf("%d chat.postMessage calls, want %d", n, tt.posts)
			}
			landed := e.fake.Calls(tt.via)
			if tt.via == "chat.postMessage" {
				landed = landed[:min(len(landed), 1)]
			}
			var body string
			for _, c := range landed {
				body = string(c.Body)
				if tt.via != "response_url" {
					body = c.Form.Get("blocks")
				}
			}
			if len(landed) == 0 || !strings.Contains(body, blocking) {
				t.Fatalf("the diagnosis did not arrive through %s: %+v", tt.via, e.fake.Calls(""))
			}
			if tt.respType != "" && !strings.Contains(body, `"response_type":"`+tt.respType+`"`) {
				t.Errorf("response_url body %s; want response_type %s", body, tt.respType)
			}
			if got := strings.Contains(body, "Invite me with /invite"); got != tt.note {
				t.Errorf("invite note shown = %v, want %v", got, tt.note)
			}
			if tt.via == "chat.postEphemeral" && landed[0].Form.Get("user") != "U0HELPDESK" {
				t.Errorf("ephemeral for %q, want the requester", landed[0].Form.Get("user"))
			}
		})
	}
}

func TestMentionInPrivateChannelAnsweredEphemerally(t *testing.T) {
	t.Parallel()
	e := setup(t, options{handlers: handlers.Config{Access: handlers.Access{HelpdeskChannels: []string{"C0OTHER"}}}})
	const ts = "1700000060.000100"
	e.post(t, "/slack/events", eventBody("Ev60", "app_mention", "U0HELPDESK", "<@UBOT> adele@contoso.com", ts, ""))
	e.drain(t)
	if n := len(e.fake.Calls("chat.postMessage")); n != 0 {
		t.Errorf("%d public posts outside a helpdesk channel", n)
	}
	eph := e.fake.Calls("chat.postEphemeral")
	if len(eph) != 1 || eph[0].Form.Get("user") != "U0HELPDESK" || eph[0].Form.Get("thread_ts") != ts ||
		!strings.Contains(eph[0].Form.Get("blocks"), blocking) {
		t.Errorf("ephemeral answers %+v; want the diagnosis for the requester, in the mention's thread", eph)
	}
}

func TestButtons(t *testing.T) {
	t.Parallel()
	e := setup(t, options{})
	e.post(t, "/slack/commands", commandForm("adele@contoso.com", "U0HELPDESK", helpdesk, e.fake.ResponseURL("1")))
	posts := e.fake.Wait(waitCtx(t), "chat.postMessage", 1)
	id := buttonValue(t, posts[0], "details")
	if buttonValue(t, posts[0], "recheck") != id {
		t.Error("Recheck and Details name different diagnoses")
	}
	e.post(t, "/slack/interactions", buttonForm("details", id, firstPost, e.fake.ResponseURL("2"), false))
	e.post(t, "/slack/interactions", buttonForm("recheck", id, firstPost, e.fake.ResponseURL("3"), false))
	e.post(t, "/slack/interactions", buttonForm("open_entra", "open", firstPost, e.fake.ResponseURL("4"), false))
	e.drain(t)
	posts = e.fake.Calls("chat.postMessage")
	if len(posts) != 3 {
		t.Fatalf("%d posts; want the diagnosis, its details and the recheck", len(posts))
	}
	for _, p := range posts[1:] {
		if p.Form.Get("thread_ts") != firstPost || !strings.Contains(p.Form.Get("blocks"), blocking) {
			t.Errorf("button answer %v; want it in thread %s", p.Form, firstPost)
		}
	}
	if a, b := buttonValue(t, posts[1], "recheck"), buttonValue(t, posts[2], "recheck"); (a == id) == (b == id) {
		t.Error("want one answer about the pressed diagnosis (details) and one new diagnosis (recheck)")
	}
	if n := e.src.calls.Load(); n != 2 {
		t.Errorf("the tenant was read %d times; want twice (check and recheck)", n)
	}
}

// TestButtonOnEphemeralDiagnosis: a diagnosis shown only to the requester
// (through the response_url) answers its buttons privately too, and the
// button's diagnosis id is enough where no thread was remembered.
func TestButtonOnEphemeralDiagnosis(t *testing.T) {
	t.Parallel()
	e := setup(t, options{handlers: handlers.Config{Access: handlers.Access{HelpdeskChannels: []string{"C0OTHER"}}}})
	e.post(t, "/slack/commands", commandForm("adele@contoso.com", "U0HELPDESK", helpdesk, e.fake.ResponseURL("1")))
	got := e.fake.Wait(waitCtx(t), "response_url", 1)
	if len(got) != 1 || !strings.Contains(string(got[0].Body), `"response_type":"ephemeral"`) {
		t.Fatalf("response_url calls %+v; want one ephemeral diagnosis", got)
	}
	var m struct {
		Blocks []map[string]any `json:"blocks"`
	}
	if err := json.Unmarshal(got[0].Body, &m); err != nil {
		t.Fatal(err)
	}
	id := buttonValue(t, slacktest.Call{Form: url.Values{"blocks": {mustJSON(t, m.Blocks)}}}, "details")

	e.post(t, "/slack/interactions", buttonForm("details", id, "1700000070.000100", e.fake.ResponseURL("2"), true))
	e.drain(t)
	got = e.fake.Calls("response_url")
	if len(got) != 2 || got[1].Path != "/response/2" || !strings.Contains(string(got[1].Body), blocking) ||
		!strings.Contains(string(got[1].Body), `"response_type":"ephemeral"`) {
		t.Errorf("details of an ephemeral diagnosis: %+v", got)
	}
	if n := len(e.fake.Calls("chat.postMessage")); n != 0 {
		t.Errorf("%d public posts for a private diagnosis", n)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// buttonValue returns the value of a posted message's button.
func buttonValue(t *testing.T, c slacktest.Call, action string) string {
	t.Helper()
	blocks, err := slacktest.PostedJSON(c)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range blocks {
		if b["type"] != "actions" {
			continue
		}
		for _, el := range b["elements"].([]any) {
			if m := el.(map[string]any); m["action_id"] == action {
				v, _ := m["value"].(string)
				return v
			}
		}
	}
	t.Fatalf("no %s button in %s", action, c.Form.Get("blocks"))
	return ""
}

func TestUserGroupAllowList(t *testing.T) {
	t.Parallel()
	e := setup(t, options{handlers: handlers.Config{Access: handlers.Access{SlackGroups: []string{"S0HELPDESK"}}}})
	for user, want := range map[string]string{"U0HELPDESK": "Checking", "U0MEGAN": "not on the list"} {
		got := e.post(t, "/slack/commands", commandForm("adele@contoso.com", user, helpdesk, e.fake.ResponseURL("1")))
		if !strings.Contains(got.body, want) {
			t.Errorf("%s: ack %s; want %q", user, got.body, want)
		}
	}
	e.drain(t)
	if n := e.src.calls.Load(); n != 1 {
		t.Errorf("the tenant was read %d times; want once, for the admitted requester", n)
	}
}

func TestRefusedMentionAnsweredPrivately(t *testing.T) {
	t.Parallel()
	e := setup(t, options{handlers: handlers.Config{Access: handlers.Access{SlackUsers: []string{"U0HELPDESK"}}}})
	e.post(t, "/slack/events", eventBody("Ev80", "app_mention", "U0MEGAN", "<@UBOT> adele@contoso.com", "1700000080.1", ""))
	e.drain(t)
	if n := len(e.fake.Calls("chat.postMessage")); n != 0 {
		t.Errorf("a refusal was posted publicly %d times", n)
	}
	eph := e.fake.Calls("chat.postEphemeral")
	if len(eph) != 1 || eph[0].Form.Get("user") != "U0MEGAN" || !strings.Contains(eph[0].Form.Get("text"), "not on the list") {
		t.Errorf("refusal = %+v", eph)
	}
	if e.src.calls.Load() != 0 {
		t.Error("a refused request read the tenant")
	}
}

func TestSlashExplainAcksEmptyAndAnswers(t *testing.T) {
	t.Parallel()
	e := setup(t, options{})
	got := e.post(t, "/slack/commands", commandForm("explain 53003", "U0HELPDESK", helpdesk, e.fake.ResponseURL("1")))
	if got.status != http.StatusOK || got.body != "" {
		t.Errorf("ack = %d %q; want an empty 200", got.status, got.body)
	}
	posts := e.fake.Wait(waitCtx(t), "chat.postMessage", 1)
	if len(posts) != 1 || !strings.Contains(posts[0].Form.Get("blocks"), "BlockedByConditionalAccess") {
		t.Errorf("explain not answered: %+v", posts)
	}
}

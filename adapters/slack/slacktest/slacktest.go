package slacktest

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

// Call is one request the fake received.
type Call struct {
	Method string     // Web API method ("chat.postMessage"), "response_url" or "socket_ack"
	Form   url.Values // form fields (token included, as slack-go sends it)
	Body   []byte     // the raw body (JSON for response_url posts and acks)
	Path   string     // the request path; for response_url, which URL was used
	At     time.Time  // when it arrived, by the fake's clock (synctest's inside a bubble)
}

// User is a workspace member users.info knows.
type User struct {
	ID, Name, Email, Locale string
}

// Slack's message limits, which the real API enforces with invalid_blocks.
// https://api.slack.com/reference/block-kit/blocks
const (
	maxBlocks     = 50
	maxText       = 3000
	maxHeaderText = 150
)

// Server is a fake Slack workspace. Its handlers report what Slack would
// refuse (a post without channel, blocks over the limits, a malformed
// response_url body) with t.Errorf and answer as Slack does.
type Server struct {
	tb    testing.TB
	srv   *httptest.Server // nil for an in-process fake
	base  string
	mux   *http.ServeMux
	token string

	mu      sync.Mutex
	changed chan struct{} // closed and replaced on every call
	calls   []Call
	users   map[string]User
	groups  map[string][]string // user group id -> member ids
	faults  map[string][]string // method -> error codes to answer, in order
	limited map[string][]time.Duration
	dropped map[string]int // method -> connections to drop without an answer
	status  map[string][]int
	self    map[string]any // what auth.test answers
	ts      int
	socket  chan []byte // envelopes to send over Socket Mode
	acks    []string
}

// NewServer starts a fake Slack on a local port for the test; token is the
// bot token it accepts (empty: any). It stops when the test ends.
func NewServer(tb testing.TB, token string) *Server {
	tb.Helper()
	s := newServer(tb, token)
	s.srv = httptest.NewServer(s.mux)
	s.base = s.srv.URL
	tb.Cleanup(s.srv.Close)
	return s
}

// NewInProcess returns a fake Slack that listens nowhere: Client answers
// requests by calling its handlers directly, so a test can run it inside a
// testing/synctest bubble, where network I/O would stop the clock. Socket
// Mode needs NewServer.
func NewInProcess(tb testing.TB, token string) *Server {
	tb.Helper()
	s := newServer(tb, token)
	s.base = "http://slack.test"
	return s
}

func newServer(tb testing.TB, token string) *Server {
	s := &Server{tb: tb, token: token, changed: make(chan struct{}), users: map[string]User{}, groups: map[string][]string{},
		faults: map[string][]string{}, limited: map[string][]time.Duration{}, dropped: map[string]int{}, status: map[string][]int{},
		self: map[string]any{"ok": true, "url": "https://contoso.slack.com/", "team": "Contoso", "user": "onboard-check",
			"team_id": "T1", "user_id": "UBOT", "bot_id": "BBOT", "is_enterprise_install": false}, ts: 1700000000,
		socket: make(chan []byte, 16)}
	s.mux = http.NewServeMux()
	s.mux.HandleFunc("POST /api/{method}", s.handleAPI)
	s.mux.HandleFunc("POST /response/{id...}", s.handleResponse)
	s.mux.HandleFunc("GET /socket", s.handleSocket)
	return s
}

// APIURL is the Web API base URL, with the trailing slash slack-go wants.
func (s *Server) APIURL() string { return s.base + "/api/" }

// ResponseURL returns a response_url the fake records posts to.
func (s *Server) ResponseURL(id string) string { return s.base + "/response/" + id }

// Client returns an HTTP client for the fake. For NewServer it is an
// ordinary client; for NewInProcess it calls the handlers in the caller's
// goroutine, and a dropped connection is a transport error.
func (s *Server) Client() *http.Client {
	if s.srv != nil {
		return s.srv.Client()
	}
	return &http.Client{Transport: inProcess{s.mux}}
}

type inProcess struct{ h http.Handler }

var errDropped = errors.New("slacktest: connection dropped")

func (t inProcess) RoundTrip(r *http.Request) (resp *http.Response, err error) {
	defer func() {
		if v := recover(); v != nil {
			if v != http.ErrAbortHandler {
				panic(v)
			}
			resp, err = nil, errDropped
		}
	}()
	if r.Body == nil {
		r.Body = http.NoBody
	}
	rec := httptest.NewRecorder()
	t.h.ServeHTTP(rec, r.Clone(r.Context()))
	return rec.Result(), nil
}

// AddUser makes users.info know a member.
func (s *Server) AddUser(u User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users[u.ID] = u
}

// AddGroup makes usergroups.users.list know a user group's members.
func (s *Server) AddGroup(id string, members ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.groups[id] = members
}

// Fail makes the next calls of method answer {"ok":false,"error":code},
// once per code. For "response_url" the post gets 404 with the code as body,
// as an expired response_url does.
func (s *Server) Fail(method string, codes ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[method] = append(s.faults[method], codes...)
}

// RateLimit makes the next n calls of method answer HTTP 429 with
// {"ok":false,"error":"ratelimited"} and Retry-After in whole seconds.
func (s *Server) RateLimit(method string, n int, retryAfter time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.limited[method] = append(s.limited[method], retryAfter)
	}
}

// SetIdentity makes auth.test answer for a bot of user id user in team
// (and Enterprise Grid organisation enterprise, "" for none), as Slack does
// for a workspace install.
// https://api.slack.com/methods/auth.test
func (s *Server) SetIdentity(team, enterprise, user string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.self["team_id"], s.self["user_id"] = team, user
	if enterprise != "" {
		s.self["enterprise_id"] = enterprise
	} else {
		delete(s.self, "enterprise_id")
	}
}

// Status makes the next n calls of method answer the HTTP status code
// with a plain body, as a failing load balancer in front of Slack does.
func (s *Server) Status(method string, code, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.status[method] = append(s.status[method], code)
	}
}

// Drop makes the next n calls of method lose their connection without an
// answer: a network error for the client.
func (s *Server) Drop(method string, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dropped[method] += n
}

// Calls returns what the fake received so far, optionally of one method.
func (s *Server) Calls(method string) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Call
	for _, c := range s.calls {
		if method == "" || c.Method == method {
			out = append(out, c)
		}
	}
	return out
}

// Wait blocks until n calls of method arrived or ctx ends, and returns them.
func (s *Server) Wait(ctx context.Context, method string, n int) []Call {
	for {
		s.mu.Lock()
		ch := s.changed
		s.mu.Unlock()
		if got := s.Calls(method); len(got) >= n {
			return got
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return s.Calls(method)
		}
	}
}

func (s *Server) record(c Call) {
	c.At = time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, c)
	close(s.changed)
	s.changed = make(chan struct{})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// fault takes the next injected fault of method, if any.
func (s *Server) fault(method string) (drop bool, retryAfter time.Duration, limited bool, code string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st := s.status[method]; len(st) > 0 {
		s.status[method] = st[1:]
		return false, 0, false, "status:" + strconv.Itoa(st[0])
	}
	if s.dropped[method] > 0 {
		s.dropped[method]--
		return true, 0, false, ""
	}
	if l := s.limited[method]; len(l) > 0 {
		retryAfter, s.limited[method] = l[0], l[1:]
		return false, retryAfter, true, ""
	}
	if f := s.faults[method]; len(f) > 0 {
		code, s.faults[method] = f[0], f[1:]
	}
	return false, 0, false, code
}

func (s *Server) handleAPI(w http.ResponseWriter, r *http.Request) {
	method := r.PathValue("method")
	body, _ := io.ReadAll(r.Body)
	form, _ := url.ParseQuery(string(body))
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		form = url.Values{}
	}
	token := form.Get("token")
	if token == "" {
		token = strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	}
	s.record(Call{Method: method, Form: form, Body: body, Path: r.URL.Path})

	drop, retryAfter, limited, fault := s.fault(method)
	if drop {
		panic(http.ErrAbortHandler) // the server closes the connection unanswered
	}
	if code, ok := strings.CutPrefix(fault, "status:"); ok {
		n, _ := strconv.Atoi(code)
		http.Error(w, http.StatusText(n), n)
		return
	}
	if limited {
		w.Header().Set("Retry-After", strconv.Itoa(int(retryAfter/time.Second)))
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusTooManyRequests)
		_ = json.NewEncoder(w).Encode(map[string]any{"ok": false, "error": "ratelimited"})
		return
	}
	if token == "" {
		writeJSON(w, map[string]any{"ok": false, "error": "not_authed"})
		return
	}
	if method == "apps.connections.open" {
		if !strings.HasPrefix(token, "xapp-") {
			s.tb.Errorf("slacktest: apps.connections.open with a token that is not an app-level token")
			writeJSON(w, map[string]any{"ok": false, "error": "not_allowed_token_type"})
			return
		}
	} else if s.token != "" && token != s.token {
		writeJSON(w, map[string]any{"ok": false, "error": "invalid_auth"})
		return
	}
	if fault != "" {
		writeJSON(w, map[string]any{"ok": false, "error": fault})
		return
	}
	switch method {
	case "chat.postMessage", "chat.postEphemeral":
		if code := s.checkMessage(method, form); code != "" {
			writeJSON(w, map[string]any{"ok": false, "error": code})
			return
		}
		s.mu.Lock()
		s.ts++
		ts := strconv.Itoa(s.ts) + ".000100"
		s.mu.Unlock()
		if method == "chat.postEphemeral" {
			writeJSON(w, map[string]any{"ok": true, "message_ts": ts})
			return
		}
		writeJSON(w, map[string]any{"ok": true, "channel": form.Get("channel"), "ts": ts,
			"message": map[string]any{"type": "message", "text": form.Get("text"), "ts": ts, "thread_ts": form.Get("thread_ts"), "bot_id": "BBOT"}})
	case "users.info":
		if form.Get("include_locale") != "true" {
			s.tb.Errorf("slacktest: users.info without include_locale=true: %v", form.Get("include_locale"))
		}
		s.mu.Lock()
		u, ok := s.users[form.Get("user")]
		s.mu.Unlock()
		if !ok {
			writeJSON(w, map[string]any{"ok": false, "error": "user_not_found"})
			return
		}
		writeJSON(w, map[string]any{"ok": true, "user": map[string]any{"id": u.ID, "name": u.Name, "locale": u.Locale,
			"profile": map[string]any{"email": u.Email, "real_name": u.Name}}})
	case "usergroups.users.list":
		s.mu.Lock()
		members, ok := s.groups[form.Get("usergroup")]
		s.mu.Unlock()
		if !ok {
			writeJSON(w, map[string]any{"ok": false, "error": "no_such_subteam"})
			return
		}
		writeJSON(w, map[string]any{"ok": true, "users": members})
	case "chat.update":
		if form.Get("channel") == "" || form.Get("ts") == "" {
			s.tb.Errorf("slacktest: chat.update without channel or ts: %v", form)
			writeJSON(w, map[string]any{"ok": false, "error": "message_not_found"})
			return
		}
		if code := s.checkMessage(method, form); code != "" {
			writeJSON(w, map[string]any{"ok": false, "error": code})
			return
		}
		writeJSON(w, map[string]any{"ok": true, "channel": form.Get("channel"), "ts": form.Get("ts"), "text": form.Get("text")})
	case "auth.test":
		s.mu.Lock()
		self := maps.Clone(s.self)
		s.mu.Unlock()
		writeJSON(w, self)
	case "apps.connections.open":
		if s.srv == nil {
			s.tb.Errorf("slacktest: Socket Mode needs NewServer, not NewInProcess")
		}
		writeJSON(w, map[string]any{"ok": true, "url": "ws" + strings.TrimPrefix(s.base, "http") + "/socket"})
	default:
		writeJSON(w, map[string]any{"ok": false, "error": "unknown_method"})
	}
}

// checkMessage reports what Slack would refuse in a chat.post* call, as
// the error code Slack answers, and fails the test.
func (s *Server) checkMessage(method string, form url.Values) string {
	if form.Get("channel") == "" {
		s.tb.Errorf("slacktest: %s without channel", method)
		return "channel_not_found"
	}
	if method == "chat.postEphemeral" && form.Get("user") == "" {
		s.tb.Errorf("slacktest: chat.postEphemeral without user")
		return "user_not_in_channel"
	}
	if form.Get("text") == "" && form.Get("blocks") == "" {
		s.tb.Errorf("slacktest: %s with neither text nor blocks", method)
		return "no_text"
	}
	if b := form.Get("blocks"); b != "" {
		if err := CheckBlocks([]byte(b)); err != nil {
			s.tb.Errorf("slacktest: %s: %v", method, err)
			return "invalid_blocks"
		}
	}
	return ""
}

// CheckBlocks reports whether a blocks array breaks Slack's limits: at
// most 50 blocks, 3,000 characters per text, 150 per header.
func CheckBlocks(raw []byte) error {
	var blocks []map[string]any
	if err := json.Unmarshal(raw, &blocks); err != nil {
		return fmt.Errorf("blocks are not a JSON array of objects: %w", err)
	}
	if len(blocks) > maxBlocks {
		return fmt.Errorf("%d blocks, Slack allows %d", len(blocks), maxBlocks)
	}
	var errs []error
	for i, b := range blocks {
		if b["type"] == "header" {
			if t, _ := b["text"].(map[string]any); t != nil {
				if s, _ := t["text"].(string); utf8.RuneCountInString(s) > maxHeaderText {
					errs = append(errs, fmt.Errorf("block %d: header of %d characters, Slack allows %d", i, utf8.RuneCountInString(s), maxHeaderText))
				}
			}
		}
		walkTexts(b, func(s string) {
			if n := utf8.RuneCountInString(s); n > maxText {
				errs = append(errs, fmt.Errorf("block %d: a text of %d characters, Slack allows %d", i, n, maxText))
			}
		})
	}
	return errors.Join(errs...)
}

func walkTexts(v any, fn func(string)) {
	switch x := v.(type) {
	case map[string]any:
		if s, ok := x["text"].(string); ok {
			fn(s)
		}
		for _, c := range x {
			walkTexts(c, fn)
		}
	case []any:
		for _, c := range x {
			walkTexts(c, fn)
		}
	}
}

// handleResponse is the response_url sink: it wants a JSON message with a
// text (or delete_original), as Slack does.
func (s *Server) handleResponse(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.record(Call{Method: "response_url", Body: body, Path: r.URL.Path})
	drop, _, _, fault := s.fault("response_url")
	if drop {
		panic(http.ErrAbortHandler)
	}
	if code, ok := strings.CutPrefix(fault, "status:"); ok {
		n, _ := strconv.Atoi(code)
		http.Error(w, http.StatusText(n), n)
		return
	}
	var m struct {
		Text            string          `json:"text"`
		Blocks          json.RawMessage `json:"blocks"`
		ResponseType    string          `json:"response_type"`
		ReplaceOriginal *bool           `json:"replace_original"`
		DeleteOriginal  bool            `json:"delete_original"`
	}
	// A message needs a text; deleting the original needs nothing else.
	// https://api.slack.com/interactivity/handling#deleting_message_response
	if err := json.Unmarshal(body, &m); err != nil || (m.Text == "" && !m.DeleteOriginal) {
		s.tb.Errorf("slacktest: response_url body is not a message with a text: %s", body)
		http.Error(w, "invalid_payload", http.StatusBadRequest)
		return
	}
	if m.ResponseType != "" && m.ResponseType != "ephemeral" && m.ResponseType != "in_channel" {
		s.tb.Errorf("slacktest: response_url response_type %q", m.ResponseType)
	}
	if len(m.Blocks) > 0 {
		if err := CheckBlocks(m.Blocks); err != nil {
			s.tb.Errorf("slacktest: response_url: %v", err)
		}
	}
	if fault != "" {
		http.Error(w, fault, http.StatusNotFound)
		return
	}
	w.WriteHeader(http.StatusOK)
	_, _ = io.WriteString(w, "ok")
}

// PostedJSON decodes a chat.postMessage call's blocks field.
func PostedJSON(c Call) (blocks []map[string]any, err error) {
	err = json.Unmarshal([]byte(c.Form.Get("blocks")), &blocks)
	return blocks, err
}

// Sign signs r the way Slack does: X-Slack-Request-Timestamp and the v0
// HMAC-SHA256 of "v0:timestamp:body" in X-Slack-Signature. It reads and
// restores r's body.
// https://api.slack.com/authentication/verifying-requests-from-slack
func Sign(r *http.Request, secret string, now time.Time) {
	var body []byte
	if r.Body != nil {
		body, _ = io.ReadAll(r.Body)
		r.Body.Close()
	}
	r.Body = io.NopCloser(strings.NewReader(string(body)))
	ts := strconv.FormatInt(now.Unix(), 10)
	m := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(m, "v0:%s:%s", ts, body)
	r.Header.Set("X-Slack-Request-Timestamp", ts)
	r.Header.Set("X-Slack-Signature", "v0="+hex.EncodeToString(m.Sum(nil)))
}

package slacktest

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Call is one request the fake received.
type Call struct {
	Method string     // Web API method ("chat.postMessage") or "response_url"
	Form   url.Values // form fields (token included, as slack-go sends it)
	Body   []byte     // the raw body (JSON for response_url posts)
}

// User is a workspace member users.info knows.
type User struct {
	ID, Name, Email, Locale string
}

// Server is a fake Slack workspace.
type Server struct {
	srv   *httptest.Server
	token string

	mu      sync.Mutex
	changed chan struct{} // closed and replaced on every call
	calls   []Call
	users   map[string]User
	groups  map[string][]string // user group id -> member ids
	faults  map[string][]string // method -> error codes to answer, in order
	limited map[string]int      // method -> times to answer 429 ratelimited
	ts      int
	socket  chan []byte // envelopes to send over Socket Mode
	acks    []string
}

// NewServer starts a fake Slack for the test; token is the bot token it
// accepts (empty: any).
func NewServer(tb testing.TB, token string) *Server {
	tb.Helper()
	s := &Server{token: token, changed: make(chan struct{}), users: map[string]User{}, groups: map[string][]string{}, faults: map[string][]string{},
		limited: map[string]int{}, ts: 1700000000, socket: make(chan []byte, 16)}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/{method}", s.handleAPI)
	mux.HandleFunc("POST /response/{id}", s.handleResponse)
	mux.HandleFunc("GET /socket", s.handleSocket)
	s.srv = httptest.NewServer(mux)
	tb.Cleanup(s.srv.Close)
	return s
}

// APIURL is the Web API base URL, with the trailing slash slack-go wants.
func (s *Server) APIURL() string { return s.srv.URL + "/api/" }

// ResponseURL returns a response_url the fake records posts to.
func (s *Server) ResponseURL(id string) string { return s.srv.URL + "/response/" + id }

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

// Fail makes the next calls of method answer {"ok":false,"error":code}, once per code.
func (s *Server) Fail(method string, codes ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[method] = append(s.faults[method], codes...)
}

// RateLimit makes the next n calls of method answer 429 with Retry-After: 1.
func (s *Server) RateLimit(method string, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.limited[method] += n
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
	s.record(Call{Method: method, Form: form, Body: body})

	s.mu.Lock()
	limited := s.limited[method] > 0
	if limited {
		s.limited[method]--
	}
	var fault string
	if f := s.faults[method]; len(f) > 0 {
		fault, s.faults[method] = f[0], f[1:]
	}
	s.mu.Unlock()
	if limited {
		w.Header().Set("Retry-After", "1")
		w.WriteHeader(http.StatusTooManyRequests)
		writeJSON(w, map[string]any{"ok": false, "error": "ratelimited"})
		return
	}
	if s.token != "" && token != s.token && method != "apps.connections.open" {
		writeJSON(w, map[string]any{"ok": false, "error": "invalid_auth"})
		return
	}
	if fault != "" {
		writeJSON(w, map[string]any{"ok": false, "error": fault})
		return
	}
	switch method {
	case "chat.postMessage":
		s.mu.Lock()
		s.ts++
		ts := strconv.Itoa(s.ts) + ".000100"
		s.mu.Unlock()
		writeJSON(w, map[string]any{"ok": true, "channel": form.Get("channel"), "ts": ts,
			"message": map[string]any{"text": form.Get("text"), "ts": ts, "thread_ts": form.Get("thread_ts")}})
	case "users.info":
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
	case "auth.test":
		writeJSON(w, map[string]any{"ok": true, "user_id": "UBOT", "bot_id": "BBOT", "team_id": "T1"})
	case "apps.connections.open":
		writeJSON(w, map[string]any{"ok": true, "url": "ws" + strings.TrimPrefix(s.srv.URL, "http") + "/socket"})
	default:
		writeJSON(w, map[string]any{"ok": false, "error": "unknown_method"})
	}
}

func (s *Server) handleResponse(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.record(Call{Method: "response_url", Body: body})
	w.WriteHeader(http.StatusOK)
}

// PostedJSON decodes a chat.postMessage call's blocks field.
func PostedJSON(c Call) (blocks []map[string]any, err error) {
	err = json.Unmarshal([]byte(c.Form.Get("blocks")), &blocks)
	return blocks, err
}

// Sign signs r the way Slack does: X-Slack-Request-Timestamp and the v0
// HMAC-SHA256 of "v0:timestamp:body" in X-Slack-Signature.
func Sign(r *http.Request, secret string, now time.Time) {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(strings.NewReader(string(body)))
	ts := strconv.FormatInt(now.Unix(), 10)
	m := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(m, "v0:%s:%s", ts, body)
	r.Header.Set("X-Slack-Request-Timestamp", ts)
	r.Header.Set("X-Slack-Signature", "v0="+hex.EncodeToString(m.Sum(nil)))
}

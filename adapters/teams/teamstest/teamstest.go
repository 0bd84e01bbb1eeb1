package teamstest

import (
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// Issuer and Scope are the Bot Framework's, as the real service uses them.
const (
	Issuer = "https://api.botframework.com"
	Scope  = "https://api.botframework.com/.default"
)

// Endorsements are the channels the fake's keys are endorsed for: like
// the Bot Framework's own keys, every channel an Azure Bot connects to,
// so that a token alone does not tell Teams from Web Chat.
var Endorsements = []string{"msteams", "skype", "webchat", "directline", "directlinespeech", "emulator", "slack",
	"facebook", "email", "telegram", "twilio-sms", "line", "omnichannel", "telephony"}

// Ids of the people and the bot in the activities the fake builds.
const (
	BotID       = "28:bot-app-id"
	BotName     = "onboard-check"
	TenantID    = "41027a4c-bdb6-55fe-8e2c-24a65f6f4d0a"
	RequesterID = "7f6c1f5e-1111-4d5e-9a0b-0c1d2e3f4a5b" // the asker's AAD object id
	TeamID      = "19:team@thread.tacv2"
	ChannelID   = "19:helpdesk@thread.tacv2"
)

// key is one signing key of the JWKS.
type key struct {
	id           string
	priv         *rsa.PrivateKey
	endorsements []string
}

// Server is a fake Bot Framework: OpenID metadata and JWKS, a token
// endpoint and a connector. It is safe for concurrent use.
type Server struct {
	tb   testing.TB
	mux  *http.ServeMux
	srv  *httptest.Server // nil for NewOffline
	base string

	// Key signs the tokens Mint issues; KeyID is its kid in the JWKS.
	Key   *rsa.PrivateKey
	KeyID string

	mu           sync.Mutex
	keys         []key
	stdBase64    bool // n and e in standard base64, padded
	metaStatus   int  // non-zero: the OpenID metadata answers this status
	tokenFaults  []int
	changed      chan struct{}
	replies      []Reply
	tokenCalls   int
	issued       []string
	lifetime     int // expires_in of issued tokens, seconds
	clientID     string
	secret       string
	jwksFetches  int
	members      map[string]map[string]any
	throttle     int
	retryAfter   string
	unauthorize  int
	failures     []int
	memberLookup int
}

// NewServer starts a fake Bot Framework on a local port for the test. Its
// URL is the serviceUrl of the activities it builds and of the tokens it
// mints.
func NewServer(tb testing.TB) *Server {
	tb.Helper()
	s := newServer(tb)
	s.srv = httptest.NewServer(s.mux)
	s.base = s.srv.URL
	tb.Cleanup(s.srv.Close)
	return s
}

// NewOffline returns a fake that listens nowhere: reach it with Client,
// whose transport calls its handlers in the calling goroutine. That keeps
// tests inside a testing/synctest bubble, where a real listener would stop
// the fake clock. Its URL is https://smba.botframework.test.
func NewOffline(tb testing.TB) *Server {
	tb.Helper()
	s := newServer(tb)
	s.base = "https://smba.botframework.test"
	return s
}

func newServer(tb testing.TB) *Server {
	priv := testKey(tb, signingKey)
	s := &Server{tb: tb, Key: priv, KeyID: "test-key-1", changed: make(chan struct{}), lifetime: 3599, retryAfter: "1",
		keys: []key{{id: "test-key-1", priv: priv, endorsements: Endorsements}}}
	s.mux = http.NewServeMux()
	s.mux.HandleFunc("GET /openid", s.handleOpenID)
	s.mux.HandleFunc("GET /keys", s.handleKeys)
	s.mux.HandleFunc("GET /tenant/v2.0/.well-known/openid-configuration", s.handleTenantOpenID)
	s.mux.HandleFunc("GET /tenant/discovery/v2.0/keys", s.handleTenantKeys)
	s.mux.HandleFunc("POST /token", s.handleToken)
	s.mux.HandleFunc("POST /v3/conversations/{conv}/activities", s.handleActivity)
	s.mux.HandleFunc("POST /v3/conversations/{conv}/activities/{id}", s.handleActivity)
	s.mux.HandleFunc("PUT /v3/conversations/{conv}/activities/{id}", s.handleActivity)
	s.mux.HandleFunc("GET /v3/conversations/{conv}/members/{user}", s.handleMember)
	return s
}

// URL is the fake's base; it is also the serviceUrl of its activities.
func (s *Server) URL() string { return s.base }

// OpenIDURL is the OpenID metadata address.
func (s *Server) OpenIDURL() string { return s.base + "/openid" }

// TokenURL is the client-credentials token endpoint.
func (s *Server) TokenURL() string { return s.base + "/token" }

// Client returns an HTTP client that reaches the fake in-process and
// refuses every other host, so a test also proves that nothing else was
// called.
func (s *Server) Client() *http.Client {
	u, _ := url.Parse(s.base)
	return &http.Client{Transport: inProcess{host: u.Host, h: s.mux}}
}

type inProcess struct {
	host string
	h    http.Handler
}

func (t inProcess) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Host != t.host {
		if r.Body != nil {
			r.Body.Close()
		}
		return nil, fmt.Errorf("teamstest: no route to %s", r.URL.Host)
	}
	if err := r.Context().Err(); err != nil {
		return nil, err
	}
	req := r.Clone(r.Context())
	if req.Body == nil {
		req.Body = http.NoBody
	}
	req.RequestURI = r.URL.RequestURI()
	req.RemoteAddr = "192.0.2.1:443"
	rec := httptest.NewRecorder()
	t.h.ServeHTTP(rec, req)
	resp := rec.Result()
	resp.Request = r
	return resp, nil
}

// Post sends an activity to a bot's messaging endpoint with the
// Authorization header and returns the status. It reports transport
// errors with t.Errorf and returns 0.
func Post(tb testing.TB, h http.Handler, authorization string, activity map[string]any) int {
	tb.Helper()
	b, err := json.Marshal(activity)
	if err != nil {
		tb.Errorf("encode activity: %v", err)
		return 0
	}
	req := httptest.NewRequest(http.MethodPost, "/api/messages", strings.NewReader(string(b)))
	req.Header.Set("Content-Type", "application/json")
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

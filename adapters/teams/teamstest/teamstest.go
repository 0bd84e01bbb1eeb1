package teamstest

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
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

// Reply is one activity the connector received.
type Reply struct {
	Method        string // POST (a new activity) or PUT (an update)
	Path          string // /v3/conversations/{id}/activities[/{replyTo}], as sent (escaped)
	Conversation  string // the conversation id, unescaped
	ReplyTo       string // the activity id in the path, if any: the one answered (POST) or updated (PUT)
	ID            string // the id the connector gave a new activity (reply-N)
	Authorization string // the Authorization header as sent
	Type          string // the activity type: message, typing
	Status        int    // what the connector answered
	Body          map[string]any
}

// String describes a reply for test messages.
func (r Reply) String() string {
	b, _ := json.Marshal(r.Body)
	return fmt.Sprintf("%s %s", r.Path, strings.TrimSpace(string(b)))
}

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

// keyPool holds RSA keys generated once per test binary: generating a
// 2048-bit key takes tens of milliseconds, and every test needs a few.
var keyPool struct {
	mu   sync.Mutex
	keys []*rsa.PrivateKey
}

// testKey returns the i-th key of the pool, generating it on first use.
// Index 0 is every fake's signing key; the others are rotations and
// foreign keys.
func testKey(tb testing.TB, i int) *rsa.PrivateKey {
	keyPool.mu.Lock()
	defer keyPool.mu.Unlock()
	for len(keyPool.keys) <= i {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			tb.Fatal(err)
		}
		keyPool.keys = append(keyPool.keys, k)
	}
	return keyPool.keys[i]
}

// Pool indexes of keys with a fixed role.
const (
	signingKey = 0
	foreignKey = 1 // never published by any fake
	tenantKey  = 2 // the Entra tenant's signing key
	rotatedKey = 3 // the first key RotateKey publishes; later ones follow
)

// TenantKeyID is the kid of the Entra tenant's signing key.
const TenantKeyID = "tenant-key-1"

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

func (s *Server) handleOpenID(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	status := s.metaStatus
	s.mu.Unlock()
	if status != 0 {
		writeJSON(w, status, map[string]any{"error": "fake"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"issuer": Issuer, "jwks_uri": s.base + "/keys",
		"id_token_signing_alg_values_supported": []string{"RS256"}, "token_endpoint_auth_methods_supported": []string{"private_key_jwt"}})
}

func (s *Server) handleKeys(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	s.jwksFetches++
	var keys []map[string]any
	enc := base64.RawURLEncoding
	if s.stdBase64 {
		enc = base64.StdEncoding
	}
	for _, k := range s.keys {
		jwk := map[string]any{"kty": "RSA", "use": "sig", "kid": k.id,
			"n": enc.EncodeToString(k.priv.N.Bytes()),
			"e": enc.EncodeToString(big.NewInt(int64(k.priv.E)).Bytes())}
		if k.endorsements != nil {
			jwk["endorsements"] = k.endorsements
		}
		keys = append(keys, jwk)
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"keys": keys})
}

// SetEndorsements replaces the endorsements of every published key; nil
// publishes keys without the field, as Entra's key sets are.
func (s *Server) SetEndorsements(e []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.keys {
		s.keys[i].endorsements = e
	}
}

// UseStandardBase64 publishes n and e in padded standard base64 rather
// than base64url, as some key sets do.
func (s *Server) UseStandardBase64() { s.mu.Lock(); s.stdBase64 = true; s.mu.Unlock() }

// FailMetadata makes the OpenID metadata answer status, so that no key
// can be fetched.
func (s *Server) FailMetadata(status int) { s.mu.Lock(); s.metaStatus = status; s.mu.Unlock() }

// TenantOpenIDURL is the OpenID metadata of the fake's Entra tenant, as
// https://login.microsoftonline.com/{tenant}/v2.0/.well-known/openid-configuration
// serves it.
func (s *Server) TenantOpenIDURL() string {
	return s.base + "/tenant/v2.0/.well-known/openid-configuration"
}

func (s *Server) handleTenantOpenID(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"token_endpoint":                        "https://login.microsoftonline.com/" + TenantID + "/oauth2/v2.0/token",
		"token_endpoint_auth_methods_supported": []string{"client_secret_post", "private_key_jwt", "client_secret_basic"},
		"jwks_uri":                              s.base + "/tenant/discovery/v2.0/keys",
		"response_modes_supported":              []string{"query", "fragment", "form_post"},
		"subject_types_supported":               []string{"pairwise"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"response_types_supported":              []string{"code", "id_token", "code id_token", "id_token token"},
		"scopes_supported":                      []string{"openid", "profile", "email", "offline_access"},
		"issuer":                                "https://login.microsoftonline.com/" + TenantID + "/v2.0",
		"request_uri_parameter_supported":       false,
		"userinfo_endpoint":                     "https://graph.microsoft.com/oidc/userinfo",
		"authorization_endpoint":                "https://login.microsoftonline.com/" + TenantID + "/oauth2/v2.0/authorize",
		"http_logout_supported":                 true,
		"frontchannel_logout_supported":         true,
		"end_session_endpoint":                  "https://login.microsoftonline.com/" + TenantID + "/oauth2/v2.0/logout",
		"claims_supported":                      []string{"sub", "iss", "cloud_instance_name", "cloud_instance_host_name", "cloud_graph_host_name", "msgraph_host", "aud", "exp", "iat", "auth_time", "acr", "nonce", "preferred_username", "name", "tid", "ver", "at_hash", "c_hash", "email"},
		"tenant_region_scope":                   "EU",
		"cloud_instance_name":                   "microsoftonline.com",
		"cloud_graph_host_name":                 "graph.windows.net",
		"msgraph_host":                          "graph.microsoft.com",
		"rbac_url":                              "https://pas.windows.net",
	})
}

// handleTenantKeys serves the tenant's key as Entra does: x5t, n, e and
// x5c, issuer, and no endorsements.
func (s *Server) handleTenantKeys(w http.ResponseWriter, _ *http.Request) {
	k := testKey(s.tb, tenantKey)
	writeJSON(w, http.StatusOK, map[string]any{"keys": []any{map[string]any{
		"kty": "RSA", "use": "sig", "kid": TenantKeyID, "x5t": TenantKeyID,
		"n": base64.RawURLEncoding.EncodeToString(k.N.Bytes()), "e": "AQAB",
		"issuer": "https://login.microsoftonline.com/" + TenantID + "/v2.0"}}})
}

// EntraClaims are the claims of an access token Entra issues in the
// fake's tenant for appID, v1 (https://sts.windows.net/{tid}/) or v2
// (https://login.microsoftonline.com/{tid}/v2.0), with the claims such a
// token carries (https://learn.microsoft.com/entra/identity-platform/access-token-claims-reference)
// and no serviceurl.
func (s *Server) EntraClaims(audience string, now time.Time, v2 bool) jwt.MapClaims {
	c := jwt.MapClaims{"aud": audience, "iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(time.Hour).Unix(),
		"aio": "k2JgYNi6tPPvsYW3Hy+WXa/EwfsyEwA=", "oid": "9fd99b86-fb5d-4a14-912c-847a9638c8ea",
		"rh": "1.AW8BnT5lVlgh7kaQ12dcOWQgOEIzLY0pz1lJlXcODq-9FrznAQBvAQ.", "sub": "9fd99b86-fb5d-4a14-912c-847a9638c8ea",
		"tid": TenantID, "uti": "w4ELbvVE1kW4zAe6ZN8sAA"}
	if v2 {
		c["iss"], c["ver"] = "https://login.microsoftonline.com/"+TenantID+"/v2.0", "2.0"
		c["azp"], c["azpacr"] = "5a807f24-c9de-44ee-a3a7-329e88a00ffc", "2"
	} else {
		c["iss"], c["ver"] = "https://sts.windows.net/"+TenantID+"/", "1.0"
		c["appid"], c["appidacr"], c["idp"] = "5a807f24-c9de-44ee-a3a7-329e88a00ffc", "1", "https://sts.windows.net/"+TenantID+"/"
	}
	return c
}

// MintEntra signs claims with the Entra tenant's key.
func (s *Server) MintEntra(claims jwt.MapClaims) string {
	return s.MintWith(jwt.SigningMethodRS256, testKey(s.tb, tenantKey), TenantKeyID, claims)
}

// JWKSFetches counts how often the keys were read.
func (s *Server) JWKSFetches() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.jwksFetches
}

// RotateKey publishes a new signing key, as the Bot Framework does every
// few weeks, and makes Mint use it. The old key stays published.
func (s *Server) RotateKey() string {
	s.mu.Lock()
	n := len(s.keys)
	s.mu.Unlock()
	priv := testKey(s.tb, rotatedKey+n-1)
	s.mu.Lock()
	defer s.mu.Unlock()
	id := "test-key-" + strconv.Itoa(len(s.keys)+1)
	s.keys = append(s.keys, key{id: id, priv: priv, endorsements: Endorsements})
	s.Key, s.KeyID = priv, id
	return id
}

// ExpectClient makes the token endpoint issue tokens only to this client
// id and secret; by default it issues to anyone.
func (s *Server) ExpectClient(id, secret string) {
	s.mu.Lock()
	s.clientID, s.secret = id, secret
	s.mu.Unlock()
}

// SetTokenLifetime sets expires_in of the tokens issued from now on.
func (s *Server) SetTokenLifetime(d time.Duration) {
	s.mu.Lock()
	s.lifetime = int(d / time.Second)
	s.mu.Unlock()
}

// FailTokens makes the next n token requests answer status, with an
// error body as Entra sends it.
func (s *Server) FailTokens(n, status int) {
	s.mu.Lock()
	s.tokenFaults = append(s.tokenFaults, slices.Repeat([]int{status}, n)...)
	s.mu.Unlock()
}

func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.tokenCalls++
	if len(s.tokenFaults) > 0 {
		status := s.tokenFaults[0]
		s.tokenFaults = s.tokenFaults[1:]
		s.mu.Unlock()
		writeJSON(w, status, map[string]any{"error": "temporarily_unavailable",
			"error_description": "AADSTS50020: fake failure.\r\nTrace ID: 0000\r\nCorrelation ID: 0000\r\nTimestamp: 2026-11-28 10:00:00Z",
			"error_codes":       []int{50020}, "timestamp": "2026-11-28 10:00:00Z", "trace_id": "0000", "correlation_id": "0000"})
		return
	}
	wantID, wantSecret, lifetime := s.clientID, s.secret, s.lifetime
	s.mu.Unlock()
	if r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
		s.tb.Errorf("token request with Content-Type %q", r.Header.Get("Content-Type"))
	}
	if err := r.ParseForm(); err != nil || r.PostForm.Get("grant_type") != "client_credentials" || r.PostForm.Get("scope") != Scope {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": "invalid_request"})
		return
	}
	if wantID != "" && (r.PostForm.Get("client_id") != wantID || r.PostForm.Get("client_secret") != wantSecret) {
		writeJSON(w, http.StatusUnauthorized, map[string]any{"error": "invalid_client", "error_description": "AADSTS7000215: Invalid client secret provided."})
		return
	}
	s.mu.Lock()
	tok := "bf-token-" + strconv.Itoa(len(s.issued)+1)
	s.issued = append(s.issued, tok)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"token_type": "Bearer", "expires_in": lifetime, "ext_expires_in": lifetime, "access_token": tok})
}

// TokenRequests counts the requests the token endpoint received.
func (s *Server) TokenRequests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tokenCalls
}

// Issued returns the tokens the token endpoint gave out, oldest first.
func (s *Server) Issued() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.issued)
}

// Throttle makes the next n activities answer 429 with the Retry-After
// header value retryAfter ("" for none).
func (s *Server) Throttle(n int, retryAfter string) {
	s.mu.Lock()
	s.throttle += n
	s.retryAfter = retryAfter
	s.mu.Unlock()
}

// Fail makes the next n activities answer status (after any throttling).
func (s *Server) Fail(n, status int) {
	s.mu.Lock()
	s.failures = append(s.failures, slices.Repeat([]int{status}, n)...)
	s.mu.Unlock()
}

// Unauthorize makes the next n activities answer 401, as the connector
// does for a token it no longer accepts.
func (s *Server) Unauthorize(n int) { s.mu.Lock(); s.unauthorize += n; s.mu.Unlock() }

func (s *Server) handleActivity(w http.ResponseWriter, r *http.Request) {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		s.tb.Errorf("connector: reading the body: %v", err)
	}
	var body map[string]any
	if err := json.Unmarshal(b, &body); err != nil {
		s.tb.Errorf("connector got a body that is not JSON: %v", err)
	}
	if r.Header.Get("Content-Type") != "application/json" {
		s.tb.Errorf("connector got Content-Type %q", r.Header.Get("Content-Type"))
	}
	typ, _ := body["type"].(string)
	s.mu.Lock()
	s.replies = append(s.replies, Reply{Method: r.Method, Path: r.URL.EscapedPath(), Conversation: r.PathValue("conv"), ReplyTo: r.PathValue("id"),
		Authorization: r.Header.Get("Authorization"), Type: typ, Body: body})
	n := len(s.replies)
	if r.Method == http.MethodPut && !s.postedLocked(r.PathValue("id")) {
		s.replies[n-1].Status = http.StatusNotFound
		close(s.changed)
		s.changed = make(chan struct{})
		s.mu.Unlock()
		writeJSON(w, http.StatusNotFound, map[string]any{"error": map[string]any{"code": "ActivityNotFoundInConversation", "message": "fake connector"}})
		return
	}
	issued := s.issuedLocked(r.Header.Get("Authorization"))
	status := http.StatusCreated
	switch {
	case s.throttle > 0:
		s.throttle--
		status = http.StatusTooManyRequests
		if s.retryAfter != "" {
			w.Header().Set("Retry-After", s.retryAfter)
		}
	case len(s.failures) > 0:
		status, s.failures = s.failures[0], s.failures[1:]
	case s.unauthorize > 0 || !issued:
		if s.unauthorize > 0 {
			s.unauthorize--
		}
		status = http.StatusUnauthorized
	}
	id := r.PathValue("id")
	if r.Method == http.MethodPost {
		id = "reply-" + strconv.Itoa(n)
	}
	if status == http.StatusCreated && r.Method == http.MethodPut {
		status = http.StatusOK
	}
	s.replies[n-1].Status = status
	if status/100 == 2 && r.Method == http.MethodPost {
		s.replies[n-1].ID = id
	}
	close(s.changed)
	s.changed = make(chan struct{})
	s.mu.Unlock()
	if status/100 != 2 {
		writeJSON(w, status, map[string]any{"error": map[string]any{"code": http.StatusText(status), "message": "fake connector"}})
		return
	}
	writeJSON(w, status, map[string]any{"id": id})
}

// postedLocked reports whether id is an activity the connector created.
func (s *Server) postedLocked(id string) bool {
	for _, r := range s.replies {
		if r.ID == id && id != "" {
			return true
		}
	}
	return false
}

// Updates returns the PUTs the connector accepted, oldest first.
func (s *Server) Updates() []Reply {
	var out []Reply
	for _, r := range s.Replies() {
		if r.Method == http.MethodPut && r.Status/100 == 2 {
			out = append(out, r)
		}
	}
	return out
}

// Shown returns the messages as people see them now: every message the
// connector accepted with its latest accepted update applied, oldest
// first. Path and ReplyTo stay those of the post.
func (s *Server) Shown() []Reply {
	replies := s.Replies()
	var out []Reply
	at := map[string]int{}
	for _, r := range replies {
		switch {
		case r.Status/100 != 2 || r.Type != "message":
		case r.Method == http.MethodPost:
			at[r.ID] = len(out)
			out = append(out, r)
		case r.Method == http.MethodPut:
			if i, ok := at[r.ReplyTo]; ok {
				out[i].Body, out[i].Authorization = r.Body, r.Authorization
			}
		}
	}
	return out
}

// Answers returns the shown messages that carry a card: the answers, not
// acknowledgements waiting to be replaced.
func (s *Server) Answers() []Reply {
	var out []Reply
	for _, r := range s.Shown() {
		if atts, _ := r.Body["attachments"].([]any); len(atts) > 0 {
			out = append(out, r)
		}
	}
	return out
}

// WaitAnswers blocks until n messages show a card (Answers), or ctx
// ends; it returns the answers shown then.
func (s *Server) WaitAnswers(ctx context.Context, n int) []Reply {
	for {
		s.mu.Lock()
		ch := s.changed
		s.mu.Unlock()
		if got := s.Answers(); len(got) >= n {
			return got
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return s.Answers()
		}
	}
}

// issuedLocked reports whether the header carries a token the token
// endpoint issued.
func (s *Server) issuedLocked(authorization string) bool {
	tok, ok := strings.CutPrefix(authorization, "Bearer ")
	return ok && slices.Contains(s.issued, tok)
}

// AddMember puts a person on the roster the connector serves.
func (s *Server) AddMember(teamsID, aadObjectID, upn string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.members == nil {
		s.members = map[string]map[string]any{}
	}
	s.members[teamsID] = map[string]any{"id": teamsID, "aadObjectId": aadObjectID, "objectId": aadObjectID,
		"userPrincipalName": upn, "name": upn, "tenantId": TenantID, "userRole": "user"}
}

// MemberLookups counts the roster requests.
func (s *Server) MemberLookups() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.memberLookup
}

func (s *Server) handleMember(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.memberLookup++
	issued := s.issuedLocked(r.Header.Get("Authorization"))
	m, ok := s.members[r.PathValue("user")]
	s.mu.Unlock()
	switch {
	case !issued:
		writeJSON(w, http.StatusUnauthorized, map[string]any{"error": map[string]any{"code": "Unauthorized"}})
	case !ok:
		writeJSON(w, http.StatusNotFound, map[string]any{"error": map[string]any{"code": "MemberNotFoundInConversation"}})
	default:
		writeJSON(w, http.StatusOK, m)
	}
}

// Replies returns every activity the connector received, oldest first.
func (s *Server) Replies() []Reply {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.replies)
}

// Messages returns the message activities the connector accepted as new
// posts (no updates, no typing indicators, no refused attempts).
func (s *Server) Messages() []Reply {
	var out []Reply
	for _, r := range s.Replies() {
		if r.Type == "message" && r.Method == http.MethodPost && r.Status == http.StatusCreated {
			out = append(out, r)
		}
	}
	return out
}

// Wait blocks until the connector received n activities, or ctx ends; it
// returns what arrived.
func (s *Server) Wait(ctx context.Context, n int) []Reply { return s.WaitFor(ctx, n, "") }

// WaitFor blocks until the connector received n activities of the type
// ("" for any), or ctx ends; it returns what arrived of that type.
func (s *Server) WaitFor(ctx context.Context, n int, typ string) []Reply {
	for {
		s.mu.Lock()
		ch := s.changed
		var got []Reply
		for _, r := range s.replies {
			if typ == "" || r.Type == typ {
				got = append(got, r)
			}
		}
		s.mu.Unlock()
		if len(got) >= n {
			return got
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return got
		}
	}
}

// Claims are the claims of a Bot Framework token for appID and the fake's
// serviceUrl, valid for an hour from now.
func (s *Server) Claims(appID string, now time.Time) jwt.MapClaims {
	return jwt.MapClaims{"iss": Issuer, "aud": appID, "serviceurl": s.URL(),
		"nbf": now.Add(-time.Minute).Unix(), "exp": now.Add(time.Hour).Unix(), "iat": now.Unix()}
}

// Mint signs claims with the fake's current key, as the Bot Framework does.
func (s *Server) Mint(claims jwt.MapClaims) string {
	s.mu.Lock()
	k, id := s.Key, s.KeyID
	s.mu.Unlock()
	return s.MintWith(jwt.SigningMethodRS256, k, id, claims)
}

// MintWith signs claims with any method and key under any kid, to forge.
func (s *Server) MintWith(method jwt.SigningMethod, key any, kid string, claims jwt.MapClaims) string {
	t := jwt.NewWithClaims(method, claims)
	if kid != "" {
		t.Header["kid"] = kid
	}
	signed, err := t.SignedString(key)
	if err != nil {
		s.tb.Fatalf("sign: %v", err)
	}
	return signed
}

// MintOtherKey signs claims with a key the JWKS does not hold, under kid
// (the fake's own kid forges a known key).
func (s *Server) MintOtherKey(claims jwt.MapClaims, kid string) string {
	return s.MintWith(jwt.SigningMethodRS256, ForeignKey(s.tb), kid, claims)
}

// ForeignKey is an RSA key that no fake publishes, shared by the tests of
// one binary.
func ForeignKey(tb testing.TB) *rsa.PrivateKey { return testKey(tb, foreignKey) }

// MintHS256WithPublicKey signs claims with HMAC-SHA256 keyed by the fake's
// public key, the classic algorithm-confusion forgery.
func (s *Server) MintHS256WithPublicKey(claims jwt.MapClaims) string {
	der, err := x509.MarshalPKIXPublicKey(&s.Key.PublicKey)
	if err != nil {
		s.tb.Fatal(err)
	}
	return s.MintWith(jwt.SigningMethodHS256, der, s.KeyID, claims)
}

// MintNone is an unsigned token: alg "none" and an empty signature.
func (s *Server) MintNone(claims jwt.MapClaims) string {
	h, _ := json.Marshal(map[string]string{"alg": "none", "typ": "JWT", "kid": s.KeyID})
	c, _ := json.Marshal(claims)
	return base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(c) + "."
}

// Forgery is an Authorization header the bot must refuse.
type Forgery struct {
	Name          string
	Authorization string
}

// Forgeries returns one header of every kind the bot must refuse with 401
// for an activity from the fake's serviceUrl: no header, wrong audience,
// wrong issuer, expired, not yet valid, no exp, alg none, HS256 signed
// with the public key, another key under a known kid, an unknown kid, a
// serviceurl claim for another service, and a few malformed ones.
func (s *Server) Forgeries(appID string, now time.Time) []Forgery {
	edit := func(f func(jwt.MapClaims)) jwt.MapClaims {
		c := s.Claims(appID, now)
		f(c)
		return c
	}
	bearer := func(tok string) string { return "Bearer " + tok }
	return []Forgery{
		{"no header", ""},
		{"wrong audience", bearer(s.Mint(edit(func(c jwt.MapClaims) { c["aud"] = "00000000-0000-0000-0000-000000000001" })))},
		{"wrong issuer", bearer(s.Mint(edit(func(c jwt.MapClaims) { c["iss"] = "https://sts.windows.net/" + TenantID + "/" })))},
		{"expired", bearer(s.Mint(edit(func(c jwt.MapClaims) {
			c["exp"], c["nbf"], c["iat"] = now.Add(-10*time.Minute).Unix(), now.Add(-2*time.Hour).Unix(), now.Add(-2*time.Hour).Unix()
		})))},
		{"not yet valid", bearer(s.Mint(edit(func(c jwt.MapClaims) { c["nbf"] = now.Add(10 * time.Minute).Unix() })))},
		{"no exp", bearer(s.Mint(edit(func(c jwt.MapClaims) { delete(c, "exp") })))},
		{"alg none", bearer(s.MintNone(s.Claims(appID, now)))},
		{"HS256 with the public key", bearer(s.MintHS256WithPublicKey(s.Claims(appID, now)))},
		{"other key, known kid", bearer(s.MintOtherKey(s.Claims(appID, now), s.KeyID))},
		{"unknown kid", bearer(s.MintOtherKey(s.Claims(appID, now), "kid-nobody-has"))},
		{"serviceurl mismatch", bearer(s.Mint(edit(func(c jwt.MapClaims) { c["serviceurl"] = "https://smba.evil.example/emea/" })))},
		{"no serviceurl", bearer(s.Mint(edit(func(c jwt.MapClaims) { delete(c, "serviceurl") })))},
		{"not a JWT", "Bearer not.a.jwt"},
		{"another scheme", "Basic " + base64.StdEncoding.EncodeToString([]byte("bot:password"))},
		{"token without scheme", s.Mint(s.Claims(appID, now))},
	}
}

// Activity builds a message activity in conversationID from the fake's
// serviceUrl, as Teams sends it in a channel; extra overrides fields.
func (s *Server) Activity(id, conversationID, text string, extra map[string]any) map[string]any {
	a := map[string]any{
		"type": "message", "id": id, "timestamp": "2026-11-28T10:00:00.000Z", "localTimestamp": "2026-11-28T11:00:00.000+01:00",
		"serviceUrl": s.URL(), "channelId": "msteams",
		"from":         map[string]any{"id": "29:1helpdesk", "name": "Jan de Vries", "aadObjectId": RequesterID},
		"conversation": map[string]any{"id": conversationID, "conversationType": "channel", "tenantId": TenantID, "isGroup": true},
		"recipient":    map[string]any{"id": BotID, "name": BotName},
		"text":         text, "textFormat": "plain", "locale": "en-US",
		"channelData": map[string]any{"tenant": map[string]any{"id": TenantID}, "teamsTeamId": TeamID, "teamsChannelId": ChannelID,
			"team": map[string]any{"id": TeamID}, "channel": map[string]any{"id": ChannelID}},
	}
	for k, v := range extra {
		a[k] = v
	}
	return a
}

// PersonalActivity builds a message activity in a one-to-one chat.
func (s *Server) PersonalActivity(id, text string, extra map[string]any) map[string]any {
	a := s.Activity(id, "a:1personal-chat-with-jan", text, nil)
	a["conversation"] = map[string]any{"id": "a:1personal-chat-with-jan", "conversationType": "personal", "tenantId": TenantID}
	a["channelData"] = map[string]any{"tenant": map[string]any{"id": TenantID}}
	for k, v := range extra {
		a[k] = v
	}
	return a
}

// GroupActivity builds a message activity in a group chat.
func (s *Server) GroupActivity(id, text string, extra map[string]any) map[string]any {
	a := s.Activity(id, "19:group-chat@thread.v2", text, nil)
	a["conversation"] = map[string]any{"id": "19:group-chat@thread.v2", "conversationType": "groupChat", "tenantId": TenantID, "isGroup": true}
	a["channelData"] = map[string]any{"tenant": map[string]any{"id": TenantID}}
	for k, v := range extra {
		a[k] = v
	}
	return a
}

// BotMention is the entity Teams adds when the bot is mentioned.
func BotMention() map[string]any {
	return map[string]any{"type": "mention", "text": "<at>" + BotName + "</at>",
		"mentioned": map[string]any{"id": BotID, "name": BotName}}
}

// Mention is the entity of a mentioned person; aadObjectID may be empty,
// as it is in some clients' activities.
func Mention(teamsID, name, aadObjectID string) map[string]any {
	m := map[string]any{"id": teamsID, "name": name}
	if aadObjectID != "" {
		m["aadObjectId"] = aadObjectID
	}
	return map[string]any{"type": "mention", "text": "<at>" + name + "</at>", "mentioned": m}
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

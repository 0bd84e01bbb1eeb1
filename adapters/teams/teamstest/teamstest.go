package teamstest

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Reply is one activity the connector received.
type Reply struct {
	Path          string // /v3/conversations/{id}/activities/{replyTo}, as sent (escaped)
	Authorization string
	Body          map[string]any
}

// Server is a fake Bot Framework.
type Server struct {
	tb    testing.TB
	srv   *httptest.Server
	Key   *rsa.PrivateKey
	KeyID string

	mu          sync.Mutex
	changed     chan struct{}
	replies     []Reply
	tokens      int
	jwksFetches int
	issued      []string
	members     map[string]map[string]any
	limit       int // replies to answer 429 before accepting
	unauthorize int // replies to answer 401
}

// NewServer starts a fake Bot Framework for the test.
func NewServer(tb testing.TB) *Server {
	tb.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		tb.Fatal(err)
	}
	s := &Server{tb: tb, Key: key, KeyID: "test-key-1", changed: make(chan struct{})}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /openid", s.handleOpenID)
	mux.HandleFunc("GET /keys", s.handleKeys)
	mux.HandleFunc("POST /token", s.handleToken)
	mux.HandleFunc("POST /v3/conversations/", s.handleReply)
	mux.HandleFunc("GET /v3/conversations/{conv}/members/{user}", s.handleMember)
	s.srv = httptest.NewServer(mux)
	tb.Cleanup(s.srv.Close)
	return s
}

// URL is the server's base; it is also the serviceUrl of minted activities.
func (s *Server) URL() string { return s.srv.URL }

// OpenIDURL is the OpenID metadata address.
func (s *Server) OpenIDURL() string { return s.srv.URL + "/openid" }

// TokenURL is the client-credentials token endpoint.
func (s *Server) TokenURL() string { return s.srv.URL + "/token" }

func (s *Server) handleOpenID(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, map[string]any{"issuer": "https://api.botframework.com", "jwks_uri": s.srv.URL + "/keys",
		"id_token_signing_alg_values_supported": []string{"RS256"}, "token_endpoint_auth_methods_supported": []string{"private_key_jwt"}})
}

func (s *Server) handleKeys(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	s.jwksFetches++
	s.mu.Unlock()
	pub := s.Key.PublicKey
	writeJSON(w, map[string]any{"keys": []map[string]any{{
		"kty": "RSA", "use": "sig", "kid": s.KeyID,
		"n":            base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
		"e":            base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
		"endorsements": []string{"msteams", "emulator"},
	}}})
}

// JWKSFetches counts how often the keys were read.
func (s *Server) JWKSFetches() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.jwksFetches
}

func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil || r.Form.Get("grant_type") != "client_credentials" || r.Form.Get("scope") != "https://api.botframework.com/.default" {
		w.WriteHeader(http.StatusBadRequest)
		writeJSON(w, map[string]any{"error": "invalid_request"})
		return
	}
	s.mu.Lock()
	s.tokens++
	tok := "bf-token-" + strconv.Itoa(s.tokens)
	s.issued = append(s.issued, tok)
	s.mu.Unlock()
	writeJSON(w, map[string]any{"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": tok})
}

// Issued returns the tokens the token endpoint gave out.
func (s *Server) Issued() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.issued...)
}

// Throttle makes the next n replies answer 429 with Retry-After: 1.
func (s *Server) Throttle(n int) { s.mu.Lock(); s.limit += n; s.mu.Unlock() }

// Unauthorize makes the next n replies answer 401.
func (s *Server) Unauthorize(n int) { s.mu.Lock(); s.unauthorize += n; s.mu.Unlock() }

func (s *Server) handleReply(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	var body map[string]any
	if err := json.Unmarshal(b, &body); err != nil {
		s.tb.Errorf("connector got a body that is not JSON: %v", err)
	}
	s.mu.Lock()
	rep := Reply{Path: r.URL.EscapedPath(), Authorization: r.Header.Get("Authorization"), Body: body}
	s.replies = append(s.replies, rep)
	status := http.StatusCreated
	switch {
	case s.limit > 0:
		s.limit--
		status = http.StatusTooManyRequests
		w.Header().Set("Retry-After", "1")
	case s.unauthorize > 0:
		s.unauthorize--
		status = http.StatusUnauthorized
	}
	close(s.changed)
	s.changed = make(chan struct{})
	s.mu.Unlock()
	w.WriteHeader(status)
	if status == http.StatusCreated {
		writeJSON(w, map[string]any{"id": "reply-" + strconv.Itoa(len(s.replies))})
	}
}

// AddMember puts a person on the roster the connector serves.
func (s *Server) AddMember(teamsID, aadObjectID, upn string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.members == nil {
		s.members = map[string]map[string]any{}
	}
	s.members[teamsID] = map[string]any{"id": teamsID, "aadObjectId": aadObjectID, "userPrincipalName": upn, "name": upn}
}

func (s *Server) handleMember(w http.ResponseWriter, r *http.Request) {
	if !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer bf-token-") {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	s.mu.Lock()
	m, ok := s.members[r.PathValue("user")]
	s.mu.Unlock()
	if !ok {
		w.WriteHeader(http.StatusNotFound)
		writeJSON(w, map[string]any{"error": map[string]any{"code": "MemberNotFoundInConversation"}})
		return
	}
	writeJSON(w, m)
}

// Replies returns what the connector received.
func (s *Server) Replies() []Reply {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Reply(nil), s.replies...)
}

// Wait blocks until n replies arrived or ctx ends.
func (s *Server) Wait(ctx context.Context, n int) []Reply {
	for {
		s.mu.Lock()
		ch, got := s.changed, len(s.replies)
		s.mu.Unlock()
		if got >= n {
			return s.Replies()
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return s.Replies()
		}
	}
}

// Claims are the usual claims of a Bot Framework token for appID and the
// fake's serviceUrl, valid for an hour from now.
func (s *Server) Claims(appID string, now time.Time) jwt.MapClaims {
	return jwt.MapClaims{"iss": "https://api.botframework.com", "aud": appID, "serviceurl": s.URL(),
		"nbf": now.Add(-time.Minute).Unix(), "exp": now.Add(time.Hour).Unix(), "iat": now.Unix()}
}

// Mint signs claims with the fake's key, as the Bot Framework does.
func (s *Server) Mint(claims jwt.MapClaims) string {
	return s.MintWith(jwt.SigningMethodRS256, s.Key, s.KeyID, claims)
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

// Unsigned is a token with alg "none".
func Unsigned(claims jwt.MapClaims, kid string) string {
	h, _ := json.Marshal(map[string]string{"alg": "none", "typ": "JWT", "kid": kid})
	c, _ := json.Marshal(claims)
	return base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(c) + "."
}

// Activity builds a message activity from the fake's serviceUrl.
func (s *Server) Activity(id, conversationID, text string, extra map[string]any) map[string]any {
	a := map[string]any{
		"type": "message", "id": id, "timestamp": time.Now().UTC().Format(time.RFC3339), "serviceUrl": s.URL(), "channelId": "msteams",
		"from":         map[string]any{"id": "29:1helpdesk", "name": "Jan de Vries", "aadObjectId": "7f6c1f5e-1111-4d5e-9a0b-0c1d2e3f4a5b"},
		"conversation": map[string]any{"id": conversationID, "conversationType": "channel", "tenantId": "41027a4c-bdb6-55fe-8e2c-24a65f6f4d0a", "isGroup": true},
		"recipient":    map[string]any{"id": "28:bot-app-id", "name": "onboard-check"},
		"text":         text, "textFormat": "plain", "locale": "en-US",
		"channelData": map[string]any{"tenant": map[string]any{"id": "41027a4c-bdb6-55fe-8e2c-24a65f6f4d0a"},
			"team": map[string]any{"id": "19:team@thread.tacv2"}, "channel": map[string]any{"id": "19:helpdesk@thread.tacv2"}},
	}
	for k, v := range extra {
		a[k] = v
	}
	return a
}

// BotMention is the entity Teams adds when the bot is mentioned.
func BotMention() map[string]any {
	return map[string]any{"type": "mention", "text": "<at>onboard-check</at>",
		"mentioned": map[string]any{"id": "28:bot-app-id", "name": "onboard-check"}}
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// String describes a reply for test messages.
func (r Reply) String() string {
	b, _ := json.Marshal(r.Body)
	return fmt.Sprintf("%s %s", r.Path, strings.TrimSpace(string(b)))
}

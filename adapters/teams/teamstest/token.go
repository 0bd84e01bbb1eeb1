package teamstest

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

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

// issuedLocked reports whether the header carries a token the token
// endpoint issued.
func (s *Server) issuedLocked(authorization string) bool {
	tok, ok := strings.CutPrefix(authorization, "Bearer ")
	return ok && slices.Contains(s.issued, tok)
}

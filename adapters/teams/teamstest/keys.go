package teamstest

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"math/big"
	"net/http"
	"strconv"
	"sync"
	"testing"
)

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

// ForeignKey is an RSA key that no fake publishes, shared by the tests of
// one binary.
func ForeignKey(tb testing.TB) *rsa.PrivateKey { return testKey(tb, foreignKey) }

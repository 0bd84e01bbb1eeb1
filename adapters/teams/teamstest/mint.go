package teamstest

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

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

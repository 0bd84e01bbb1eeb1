package teams

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/sync/singleflight"

	"github.com/onboard-check/onboard-check/internal/secret"
)

// skew is the clock difference tolerated on exp, nbf and iat.
const skew = 5 * time.Minute

// refetchEvery bounds how often an unknown kid makes the validator fetch
// the keys again; a fetch that failed is retried sooner.
const (
	refetchEvery  = time.Minute
	retryFailed   = 5 * time.Second
	keysMaxAge    = 24 * time.Hour
	fetchTimeout  = 10 * time.Second
	maxMetadata   = 1 << 20
	maxTokenBytes = 16 << 10
)

// ErrUnauthorized is every validation failure; the reason is in the wrapped
// error, for the log only.
var ErrUnauthorized = errors.New("teams: unauthorized")

// Validator checks the bearer token of an incoming Bot Framework request
// (https://learn.microsoft.com/azure/bot-service/rest-api/bot-framework-rest-connector-authentication,
// "Authenticate requests from the Bot Connector service to your bot"), as
// botbuilder's JwtTokenExtractor and ChannelValidation do: RS256 only,
// signed by a key from the JWKS that the issuer's OpenID metadata names;
// issuer https://api.botframework.com, or for a SingleTenant bot also the
// Entra issuers of its own tenant (WithTenant); audience the bot's app id,
// api://{appId} or api://botid-{appId}; exp required, exp, nbf and iat
// within five minutes; the serviceurl claim equal to the activity's
// serviceUrl; and, when the key lists endorsements, the activity's channel
// among them (a key that lists none is not endorsed for nothing: botbuilder
// checks endorsements only where the JWKS gives them).
//
// Keys are cached per issuer. An unknown kid fetches them again at most
// once a minute, and keys older than a day are refreshed on use (kept if
// the refresh fails), so a rotated key is picked up and a withdrawn one
// dropped. Concurrent fetches are one request. It is safe for concurrent
// use once built.
type Validator struct {
	appID   string
	sources map[string]*keySource // by issuer
	client  *http.Client
	now     func() time.Time
}

// keySource is the key cache of one OpenID metadata document.
type keySource struct {
	url    string
	entra  bool // an Entra tenant: its tokens need not carry serviceurl
	client *http.Client
	now    func() time.Time
	group  singleflight.Group

	mu        sync.Mutex
	keys      map[string]jwk
	loadedAt  time.Time // last successful fetch
	fetchedAt time.Time // last attempt
	failed    bool      // the last attempt failed
}

type jwk struct {
	key          *rsa.PublicKey
	endorsements []string // empty: the JWKS lists none for this key
}

// NewValidator returns a validator for the app id that trusts the Bot
// Framework issuer with the keys of openIDURL. client and now may be nil
// (a 10-second client, time.Now). It makes no network call until the
// first token.
func NewValidator(appID, openIDURL string, client *http.Client, now func() time.Time) *Validator {
	if client == nil {
		client = &http.Client{Timeout: fetchTimeout}
	}
	if now == nil {
		now = time.Now
	}
	v := &Validator{appID: appID, sources: map[string]*keySource{}, client: client, now: now}
	v.sources[Issuer] = &keySource{url: openIDURL, client: client, now: now}
	return v
}

// WithTenant makes v also accept the tokens Entra issues in the bot's own
// tenant (v1 https://sts.windows.net/{tenantID}/ and v2
// https://login.microsoftonline.com/{tenantID}/v2.0), signed with the keys
// of that tenant's OpenID metadata at openIDURL. It returns v; call it
// before the first Validate.
func (v *Validator) WithTenant(tenantID, openIDURL string) *Validator {
	src := &keySource{url: openIDURL, entra: true, client: v.client, now: v.now}
	v.sources["https://sts.windows.net/"+tenantID+"/"] = src
	v.sources["https://login.microsoftonline.com/"+tenantID+"/v2.0"] = src
	return v
}

// Claims are the claims the bot reads from a valid token.
type Claims struct {
	ServiceURL string `json:"serviceurl"`
	jwt.RegisteredClaims
}

// audiences are the audiences a token for the app may name.
func (v *Validator) audiences() []string {
	return []string{v.appID, "api://" + v.appID, "api://botid-" + v.appID}
}

// Validate checks the Authorization header of an activity from serviceURL
// on channelID. Any failure wraps ErrUnauthorized. issuer is the token's
// claimed issuer, for the log, whenever the token could be decoded (also
// when it was refused); the token itself must never be logged.
func (v *Validator) Validate(ctx context.Context, authorization, serviceURL, channelID string) (issuer string, err error) {
	if v.appID == "" {
		return "", fmt.Errorf("%w: no app id to check the audience against", ErrUnauthorized)
	}
	scheme, raw, _ := strings.Cut(authorization, " ")
	raw = strings.TrimSpace(raw)
	if !strings.EqualFold(scheme, "Bearer") || raw == "" {
		return "", fmt.Errorf("%w: no bearer token", ErrUnauthorized)
	}
	if len(raw) > maxTokenBytes {
		return "", fmt.Errorf("%w: token of %d bytes", ErrUnauthorized, len(raw))
	}
	// The issuer picks the keys, as botbuilder's hasAllowedIssuer does;
	// the signature is then checked with that issuer's keys only.
	var unverified Claims
	if _, _, err := jwt.NewParser().ParseUnverified(raw, &unverified); err != nil {
		return "", fmt.Errorf("%w: %w", ErrUnauthorized, err)
	}
	issuer = unverified.Issuer
	src, ok := v.sources[issuer]
	if !ok {
		return issuer, fmt.Errorf("%w: issuer %q is not trusted", ErrUnauthorized, issuer)
	}
	var claims Claims
	var endorsements []string
	tok, err := jwt.ParseWithClaims(raw, &claims, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		k, err := src.key(ctx, kid)
		if err != nil {
			return nil, err
		}
		endorsements = k.endorsements
		return k.key, nil
	}, jwt.WithValidMethods([]string{jwt.SigningMethodRS256.Alg()}), jwt.WithIssuer(issuer), jwt.WithAudience(v.audiences()...),
		jwt.WithExpirationRequired(), jwt.WithIssuedAt(), jwt.WithLeeway(skew), jwt.WithTimeFunc(v.now))
	if err != nil || !tok.Valid {
		return issuer, fmt.Errorf("%w: %w", ErrUnauthorized, err)
	}
	switch {
	case claims.ServiceURL != "":
		if !sameServiceURL(claims.ServiceURL, serviceURL) {
			return issuer, fmt.Errorf("%w: the serviceurl claim does not match the activity's serviceUrl", ErrUnauthorized)
		}
	case !src.entra:
		return issuer, fmt.Errorf("%w: no serviceurl claim", ErrUnauthorized)
	case !connectorHost(serviceURL):
		// An Entra token binds no serviceUrl; the bot's own token then
		// goes only to Microsoft's connector.
		return issuer, fmt.Errorf("%w: an Entra token for an activity from a serviceUrl outside the Bot Framework", ErrUnauthorized)
	}
	// An activity without channelId asserts no channel, as the Bot
	// Framework SDKs read it; Teams always names msteams.
	if len(endorsements) > 0 && channelID != "" && !slices.Contains(endorsements, channelID) {
		return issuer, fmt.Errorf("%w: the signing key is not endorsed for channel %q", ErrUnauthorized, channelID)
	}
	return issuer, nil
}

// connectorHosts are the hosts of the Bot Connector service in the public
// and government clouds
// (https://learn.microsoft.com/microsoftteams/platform/bots/how-to/conversations/send-proactive-messages#create-the-conversation).
var connectorHosts = []string{"smba.trafficmanager.net", "smba.infra.gcc.teams.microsoft.com",
	"smba.infra.gov.teams.microsoft.us", "smba.infra.dod.teams.microsoft.us"}

// connectorHost reports whether an https serviceUrl is the Bot Connector's.
func connectorHost(serviceURL string) bool {
	u, err := url.Parse(serviceURL)
	if err != nil || u.Scheme != "https" || u.User != nil || u.Port() != "" {
		return false
	}
	h := strings.ToLower(u.Hostname())
	return slices.Contains(connectorHosts, h) || strings.HasSuffix(h, ".botframework.com")
}

// sameServiceURL compares a token's serviceurl claim with an activity's
// serviceUrl: the same URL, give or take a trailing slash and the case of
// the scheme and host.
func sameServiceURL(claim, activity string) bool {
	norm := func(s string) string {
		s = strings.TrimSuffix(s, "/")
		scheme, rest, ok := strings.Cut(s, "://")
		if !ok {
			return s
		}
		host, path, _ := strings.Cut(rest, "/")
		return strings.ToLower(scheme) + "://" + strings.ToLower(host) + "/" + path
	}
	return activity != "" && norm(claim) == norm(activity)
}

// key returns the key with the kid, fetching the keys when the kid is
// unknown (at most once a minute) or the keys are a day old.
func (v *keySource) key(ctx context.Context, kid string) (jwk, error) {
	if kid == "" {
		return jwk{}, errors.New("token has no kid")
	}
	v.mu.Lock()
	k, ok := v.keys[kid]
	fresh := v.now().Sub(v.loadedAt) < keysMaxAge
	v.mu.Unlock()
	if ok && fresh {
		return k, nil
	}
	err := v.refresh(ctx)
	v.mu.Lock()
	k, ok = v.keys[kid]
	v.mu.Unlock()
	switch {
	case ok:
		return k, nil
	case err != nil:
		return jwk{}, err
	}
	return jwk{}, fmt.Errorf("unknown kid %q", kid)
}

// refresh fetches the keys unless that was tried too recently; concurrent
// callers share one fetch, which outlives none of their contexts' values
// but is not cancelled with the first caller's request.
func (v *keySource) refresh(ctx context.Context) error {
	_, err, _ := v.group.Do("keys", func() (any, error) {
		v.mu.Lock()
		wait := refetchEvery
		if v.failed {
			wait = retryFailed
		}
		if !v.fetchedAt.IsZero() && v.now().Sub(v.fetchedAt) < wait {
			v.mu.Unlock()
			return nil, nil
		}
		v.fetchedAt = v.now()
		v.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), fetchTimeout)
		defer cancel()
		keys, err := v.fetch(ctx)
		v.mu.Lock()
		defer v.mu.Unlock()
		v.failed = err != nil
		if err != nil {
			return nil, err
		}
		v.keys, v.loadedAt = keys, v.now()
		return nil, nil
	})
	return err
}

// jwkSet is the JSON Web Key Set of the Bot Framework, with its
// endorsements: the channels a key may sign for.
type jwkSet struct {
	Keys []struct {
		Kty          string   `json:"kty"`
		Use          string   `json:"use"`
		Kid          string   `json:"kid"`
		N            string   `json:"n"`
		E            string   `json:"e"`
		X5C          []string `json:"x5c"`
		Endorsements []string `json:"endorsements"`
	} `json:"keys"`
}

// fetch reads the OpenID metadata and the JWKS it names.
func (v *keySource) fetch(ctx context.Context) (map[string]jwk, error) {
	var meta struct {
		JWKSURI string `json:"jwks_uri"`
	}
	if err := v.getJSON(ctx, v.url, &meta); err != nil {
		return nil, fmt.Errorf("openid metadata: %w", err)
	}
	var set jwkSet
	if err := v.getJSON(ctx, meta.JWKSURI, &set); err != nil {
		return nil, fmt.Errorf("jwks: %w", err)
	}
	keys := map[string]jwk{}
	for _, k := range set.Keys {
		if k.Kty != "RSA" || k.Kid == "" || (k.Use != "" && k.Use != "sig") {
			continue
		}
		pub := rsaKey(k.N, k.E, k.X5C)
		if pub == nil || pub.N.BitLen() < 2048 {
			continue // not an RSA key of 2048 bits or more
		}
		keys[k.Kid] = jwk{key: pub, endorsements: k.Endorsements}
	}
	if len(keys) == 0 {
		return nil, errors.New("jwks: no RSA signing keys")
	}
	return keys, nil
}

// rsaKey reads a JWK's RSA public key from its modulus and exponent, else
// from the first certificate of its x5c chain.
func rsaKey(n64, e64 string, x5c []string) *rsa.PublicKey {
	if n64 != "" && e64 != "" {
		n, err1 := decodeBase64(n64)
		e, err2 := decodeBase64(e64)
		if err1 != nil || err2 != nil || len(e) == 0 || len(e) > 4 {
			return nil
		}
		k := &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
		if k.E < 3 || k.N.Sign() <= 0 {
			return nil // no usable RSA key
		}
		return k
	}
	if len(x5c) == 0 {
		return nil
	}
	der, err := base64.StdEncoding.DecodeString(x5c[0])
	if err != nil {
		return nil
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil
	}
	pub, _ := cert.PublicKey.(*rsa.PublicKey)
	return pub
}

func (v *keySource) getJSON(ctx context.Context, url string, out any) error {
	if url == "" {
		return errors.New("no URL")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := v.client.Do(req)
	if err != nil {
		return secret.RedactError(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxMetadata))
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	return json.NewDecoder(io.LimitReader(resp.Body, maxMetadata)).Decode(out)
}

// decodeBase64 reads a JWK number in base64url, as RFC 7517 asks, or in
// the standard alphabet some key sets use, padded or not.
func decodeBase64(s string) ([]byte, error) {
	s = strings.TrimRight(s, "=")
	s = strings.NewReplacer("+", "-", "/", "_").Replace(s)
	return base64.RawURLEncoding.DecodeString(s)
}

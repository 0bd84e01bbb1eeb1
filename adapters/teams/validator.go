package teams

import (
	"context"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/sync/singleflight"
)

// skew is the clock difference tolerated on exp and nbf.
const skew = 5 * time.Minute

// refetchEvery bounds how often an unknown kid makes the validator fetch
// the keys again.
const refetchEvery = time.Minute

// ErrUnauthorized is every validation failure; the reason is in the wrapped
// error, for the log only.
var ErrUnauthorized = errors.New("teams: unauthorized")

// Validator checks the bearer token of an incoming Bot Framework request
// (https://learn.microsoft.com/azure/bot-service/rest-api/bot-framework-rest-connector-authentication):
// RS256 only, signed by a key from the JWKS the OpenID metadata names,
// issuer https://api.botframework.com, audience the bot's app id, exp
// required, exp and nbf within five minutes, the serviceurl claim equal to
// the activity's serviceUrl, and the key endorsed for the activity's channel.
// Keys are cached and fetched again on an unknown kid, at most once a minute.
type Validator struct {
	appID  string
	url    string
	client *http.Client
	now    func() time.Time
	group  singleflight.Group

	mu        sync.Mutex
	keys      map[string]jwk
	fetchedAt time.Time
}

type jwk struct {
	key          *rsa.PublicKey
	endorsements []string
}

// NewValidator returns a validator for the app id and OpenID metadata URL.
// It makes no network call until the first token.
func NewValidator(appID, openIDURL string, client *http.Client, now func() time.Time) *Validator {
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	if now == nil {
		now = time.Now
	}
	return &Validator{appID: appID, url: openIDURL, client: client, now: now}
}

// Claims are the claims the bot reads from a valid token.
type Claims struct {
	ServiceURL string `json:"serviceurl"`
	jwt.RegisteredClaims
}

// Validate checks the Authorization header for an activity from
// serviceURL on channelID. Any failure wraps ErrUnauthorized; issuer is the
// token's claimed issuer (for the log), when it could be read.
func (v *Validator) Validate(ctx context.Context, authorization, serviceURL, channelID string) (issuer string, err error) {
	raw, ok := strings.CutPrefix(authorization, "Bearer ")
	if !ok || raw == "" {
		return "", fmt.Errorf("%w: no bearer token", ErrUnauthorized)
	}
	var claims Claims
	var endorsements []string
	tok, err := jwt.ParseWithClaims(raw, &claims, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		k, err := v.key(ctx, kid)
		if err != nil {
			return nil, err
		}
		endorsements = k.endorsements
		return k.key, nil
	}, jwt.WithValidMethods([]string{"RS256"}), jwt.WithIssuer(Issuer), jwt.WithAudience(v.appID),
		jwt.WithExpirationRequired(), jwt.WithLeeway(skew), jwt.WithTimeFunc(v.now))
	issuer = claims.Issuer
	if err != nil || !tok.Valid {
		return issuer, fmt.Errorf("%w: %w", ErrUnauthorized, err)
	}
	if claims.ServiceURL == "" || !strings.EqualFold(strings.TrimSuffix(claims.ServiceURL, "/"), strings.TrimSuffix(serviceURL, "/")) {
		return issuer, fmt.Errorf("%w: serviceurl claim does not match the activity", ErrUnauthorized)
	}
	if len(endorsements) > 0 && !slices.Contains(endorsements, channelID) {
		return issuer, fmt.Errorf("%w: key not endorsed for channel %q", ErrUnauthorized, channelID)
	}
	return issuer, nil
}

// key returns the key with the kid, fetching the keys when it is unknown.
func (v *Validator) key(ctx context.Context, kid string) (jwk, error) {
	if kid == "" {
		return jwk{}, errors.New("token has no kid")
	}
	v.mu.Lock()
	k, ok := v.keys[kid]
	stale := v.keys == nil || v.now().Sub(v.fetchedAt) >= refetchEvery
	v.mu.Unlock()
	if ok {
		return k, nil
	}
	if !stale {
		return jwk{}, fmt.Errorf("unknown kid %q", kid)
	}
	_, err, _ := v.group.Do("keys", func() (any, error) { return nil, v.fetch(ctx) })
	if err != nil {
		return jwk{}, err
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if k, ok := v.keys[kid]; ok {
		return k, nil
	}
	return jwk{}, fmt.Errorf("unknown kid %q", kid)
}

// fetch reads the OpenID metadata and its JWKS.
func (v *Validator) fetch(ctx context.Context) error {
	v.mu.Lock()
	v.fetchedAt = v.now() // a failed fetch also waits a minute
	v.mu.Unlock()
	var meta struct {
		JWKSURI string `json:"jwks_uri"`
	}
	if err := v.getJSON(ctx, v.url, &meta); err != nil {
		return fmt.Errorf("openid metadata: %w", err)
	}
	var set struct {
		Keys []struct {
			Kty          string   `json:"kty"`
			Kid          string   `json:"kid"`
			N            string   `json:"n"`
			E            string   `json:"e"`
			Endorsements []string `json:"endorsements"`
		} `json:"keys"`
	}
	if err := v.getJSON(ctx, meta.JWKSURI, &set); err != nil {
		return fmt.Errorf("jwks: %w", err)
	}
	keys := map[string]jwk{}
	for _, k := range set.Keys {
		if k.Kty != "RSA" || k.Kid == "" {
			continue
		}
		n, err1 := base64.RawURLEncoding.DecodeString(k.N)
		e, err2 := base64.RawURLEncoding.DecodeString(k.E)
		if err1 != nil || err2 != nil || len(e) == 0 || len(e) > 4 {
			continue
		}
		keys[k.Kid] = jwk{key: &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}, endorsements: k.Endorsements}
	}
	v.mu.Lock()
	v.keys = keys
	v.mu.Unlock()
	return nil
}

func (v *Validator) getJSON(ctx context.Context, url string, out any) error {
	if url == "" {
		return errors.New("no URL")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := v.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	return json.NewDecoder(http.MaxBytesReader(nil, resp.Body, 1<<20)).Decode(out)
}

package teams

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"golang.org/x/sync/singleflight"
)

// renewBefore is how long before expiry a cached token is renewed.
const renewBefore = 5 * time.Minute

// Tokens gets and caches the bot's outgoing token for the Bot Connector:
// client credentials for https://api.botframework.com/.default from the
// configured token endpoint, or a user-assigned managed identity. It is
// safe for concurrent use; concurrent renewals make one request.
type Tokens struct {
	cfg    Config
	client *http.Client
	msi    azcore.TokenCredential
	now    func() time.Time
	group  singleflight.Group

	mu      sync.Mutex
	token   string
	expires time.Time
}

// NewTokens returns the token source; it makes no network call.
func NewTokens(cfg Config, client *http.Client, now func() time.Time) (*Tokens, error) {
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	if now == nil {
		now = time.Now
	}
	t := &Tokens{cfg: cfg, client: client, now: now}
	if cfg.appType() == TypeUserAssignedMSI {
		cred, err := azidentity.NewManagedIdentityCredential(&azidentity.ManagedIdentityCredentialOptions{ID: azidentity.ClientID(cfg.AppID)})
		if err != nil {
			return nil, fmt.Errorf("MICROSOFT_APP_ID: managed identity: %w", err)
		}
		t.msi = cred
	}
	return t, nil
}

// Token returns a valid token, from the cache while it lasts.
func (t *Tokens) Token(ctx context.Context) (string, error) {
	t.mu.Lock()
	tok, exp := t.token, t.expires
	t.mu.Unlock()
	if tok != "" && t.now().Before(exp.Add(-renewBefore)) {
		return tok, nil
	}
	v, err, _ := t.group.Do("token", func() (any, error) { return t.fetch(ctx) })
	if err != nil {
		return "", err
	}
	return v.(string), nil
}

// Invalidate drops the cached token (the connector answered 401).
func (t *Tokens) Invalidate() {
	t.mu.Lock()
	t.token = ""
	t.mu.Unlock()
}

func (t *Tokens) fetch(ctx context.Context) (string, error) {
	if t.msi != nil {
		at, err := t.msi.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{Scope}})
		if err != nil {
			return "", fmt.Errorf("bot token: %w", err)
		}
		t.store(at.Token, at.ExpiresOn)
		return at.Token, nil
	}
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {t.cfg.AppID},
		"client_secret": {t.cfg.Password}, "scope": {Scope}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.cfg.tokenURL(), strings.NewReader(form.Encode()))
	if err != nil {
		return "", fmt.Errorf("bot token: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := t.client.Do(req)
	if err != nil {
		return "", fmt.Errorf("bot token: %w", err)
	}
	defer resp.Body.Close()
	var body struct {
		AccessToken string      `json:"access_token"`
		ExpiresIn   json.Number `json:"expires_in"` // a number, or a string from older endpoints
		Error       string      `json:"error"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(nil, resp.Body, 1<<20)).Decode(&body); err != nil || resp.StatusCode != http.StatusOK || body.AccessToken == "" {
		return "", fmt.Errorf("bot token: status %d %s", resp.StatusCode, body.Error)
	}
	secs, err := body.ExpiresIn.Int64()
	if err != nil || secs <= 0 {
		return "", errors.New("bot token: no expires_in")
	}
	t.store(body.AccessToken, t.now().Add(time.Duration(secs)*time.Second))
	return body.AccessToken, nil
}

func (t *Tokens) store(tok string, exp time.Time) {
	t.mu.Lock()
	t.token, t.expires = tok, exp
	t.mu.Unlock()
}

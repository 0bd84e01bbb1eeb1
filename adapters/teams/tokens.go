package teams

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"golang.org/x/sync/singleflight"

	"github.com/onboard-check/onboard-check/internal/secret"
)

// renewBefore is how long before expiry a cached token is renewed (half
// its lifetime for tokens shorter than twice that).
const renewBefore = 5 * time.Minute

// assumedLifetime is the life of a token whose response gives none.
const assumedLifetime = 10 * time.Minute

// tokenTimeout bounds one token request.
const tokenTimeout = 30 * time.Second

// Tokens gets and caches the bot's outgoing token for the Bot Connector
// (https://learn.microsoft.com/azure/bot-service/rest-api/bot-framework-rest-connector-authentication,
// "Authenticate requests from your bot to the Bot Connector service"):
// client credentials for https://api.botframework.com/.default from the
// configured token endpoint, or a user-assigned managed identity. A token
// is reused until shortly before it expires. It is safe for concurrent
// use; concurrent renewals make one request.
type Tokens struct {
	cfg    Config
	client *http.Client
	msi    azcore.TokenCredential
	now    func() time.Time
	group  singleflight.Group

	mu      sync.Mutex
	token   secret.Secret
	renewAt time.Time
}

// NewTokens returns the token source. client and now may be nil (a
// 10-second client, time.Now). It makes no network call.
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

// Token returns a valid token, from the cache while it lasts. The request
// for a new one is not cancelled with ctx once it started, so that the
// callers waiting on it are not failed by one caller leaving.
func (t *Tokens) Token(ctx context.Context) (secret.Secret, error) {
	if tok := t.cached(); tok.IsSet() {
		return tok, nil
	}
	ch := t.group.DoChan("token", func() (any, error) {
		if tok := t.cached(); tok.IsSet() {
			return tok, nil // renewed while this caller waited for the lock
		}
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), tokenTimeout)
		defer cancel()
		return t.fetch(ctx)
	})
	select {
	case res := <-ch:
		if res.Err != nil {
			return "", res.Err
		}
		return res.Val.(secret.Secret), nil
	case <-ctx.Done():
		return "", context.Cause(ctx)
	}
}

func (t *Tokens) cached() secret.Secret {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.token.IsSet() && t.now().Before(t.renewAt) {
		return t.token
	}
	return ""
}

// Invalidate drops tok from the cache: the connector answered 401 to it.
// A token renewed in the meantime is kept.
func (t *Tokens) Invalidate(tok secret.Secret) {
	t.mu.Lock()
	if t.token == tok {
		t.token = ""
	}
	t.mu.Unlock()
}

func (t *Tokens) fetch(ctx context.Context) (secret.Secret, error) {
	if t.msi != nil {
		at, err := t.msi.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{Scope}})
		if err != nil {
			return "", fmt.Errorf("bot token from managed identity: %w", err)
		}
		t.store(secret.Secret(at.Token), at.ExpiresOn)
		return secret.Secret(at.Token), nil
	}
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {t.cfg.AppID},
		"client_secret": {t.cfg.Password.Reveal()}, "scope": {Scope}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.cfg.tokenURL(), strings.NewReader(form.Encode()))
	if err != nil {
		return "", fmt.Errorf("bot token: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := t.client.Do(req)
	if err != nil {
		return "", fmt.Errorf("bot token: %w", secret.RedactError(err))
	}
	defer resp.Body.Close()
	var body struct {
		AccessToken string      `json:"access_token"`
		ExpiresIn   json.Number `json:"expires_in"` // a number, or a string from older endpoints
		Error       string      `json:"error"`
		Description string      `json:"error_description"`
	}
	derr := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&body)
	if resp.StatusCode != http.StatusOK || derr != nil || body.AccessToken == "" {
		// error_description starts with the AADSTS code, which says what
		// is wrong with the app registration; it holds no secret.
		desc, _, _ := strings.Cut(body.Description, "\n")
		return "", fmt.Errorf("bot token: status %d %s %s", resp.StatusCode, body.Error, cutRunes(desc, 200))
	}
	secs, err := body.ExpiresIn.Int64()
	if err != nil || secs <= 0 {
		secs = int64(assumedLifetime / time.Second) // Entra always sends it; others may not
	}
	tok := secret.Secret(body.AccessToken)
	t.store(tok, t.now().Add(time.Duration(secs)*time.Second))
	return tok, nil
}

func (t *Tokens) store(tok secret.Secret, exp time.Time) {
	lead := min(renewBefore, exp.Sub(t.now())/2)
	t.mu.Lock()
	t.token, t.renewAt = tok, exp.Add(-lead)
	t.mu.Unlock()
}

func cutRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}

package teams_test

import (
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"math/big"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/onboard-check/onboard-check/adapters/teams"
	"github.com/onboard-check/onboard-check/adapters/teams/teamstest"
)

// clock is a settable time for the validator and the token cache.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *clock) advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func newClock() *clock { return &clock{t: time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)} }

func TestValidatorAcceptsAndRefuses(t *testing.T) {
	t.Parallel()
	bf := teamstest.NewOffline(t)
	clk := newClock()
	v := teams.NewValidator(appID, bf.OpenIDURL(), bf.Client(), clk.now)
	auth := "Bearer " + bf.Mint(bf.Claims(appID, clk.now()))
	if iss, err := v.Validate(t.Context(), auth, bf.URL()+"/", "msteams"); err != nil || iss != teamstest.Issuer {
		t.Fatalf("Validate(valid token) = %q, %v", iss, err)
	}
	for _, f := range bf.Forgeries(appID, clk.now()) {
		if _, err := v.Validate(t.Context(), f.Authorization, bf.URL(), "msteams"); !errors.Is(err, teams.ErrUnauthorized) {
			t.Errorf("%s: Validate = %v, want ErrUnauthorized", f.Name, err)
		}
	}
	// Skew: four minutes past exp still passes, six do not.
	clk.advance(time.Hour + 4*time.Minute)
	if _, err := v.Validate(t.Context(), auth, bf.URL(), "msteams"); err != nil {
		t.Errorf("four minutes after exp: %v", err)
	}
	clk.advance(2 * time.Minute)
	if _, err := v.Validate(t.Context(), auth, bf.URL(), "msteams"); !errors.Is(err, teams.ErrUnauthorized) {
		t.Errorf("six minutes after exp: %v", err)
	}
	if _, err := teams.NewValidator("", bf.OpenIDURL(), bf.Client(), clk.now).Validate(t.Context(), auth, bf.URL(), "msteams"); err == nil {
		t.Error("a validator without app id accepted a token")
	}
}

// TestUnknownKidRefetchIsRateLimited: unknown kids fetch the keys at most
// once a minute, and a rotated key is picked up once that minute passed.
func TestUnknownKidRefetchIsRateLimited(t *testing.T) {
	t.Parallel()
	bf := teamstest.NewOffline(t)
	clk := newClock()
	v := teams.NewValidator(appID, bf.OpenIDURL(), bf.Client(), clk.now)
	validate := func(tok string) error {
		_, err := v.Validate(t.Context(), "Bearer "+tok, bf.URL(), "msteams")
		return err
	}
	if err := validate(bf.Mint(bf.Claims(appID, clk.now()))); err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		clk.advance(5 * time.Second)
		if err := validate(bf.MintOtherKey(bf.Claims(appID, clk.now()), "rotated-"+string(rune('a'+i)))); err == nil {
			t.Fatal("a token of an unknown key was accepted")
		}
	}
	if n := bf.JWKSFetches(); n != 1 {
		t.Errorf("JWKS fetched %d times for five unknown kids within a minute; want 1", n)
	}
	bf.RotateKey()
	rotated := bf.Mint(bf.Claims(appID, clk.now()))
	if err := validate(rotated); err == nil {
		t.Error("a new key was fetched within the minute")
	}
	clk.advance(time.Minute)
	if err := validate(rotated); err != nil {
		t.Errorf("the rotated key was not picked up after a minute: %v", err)
	}
	if n := bf.JWKSFetches(); n != 2 {
		t.Errorf("JWKS fetched %d times, want 2", n)
	}
}

// TestValidatorConcurrentFetch: many first requests at once fetch the keys
// once.
func TestValidatorConcurrentFetch(t *testing.T) {
	t.Parallel()
	bf := teamstest.NewServer(t)
	v := teams.NewValidator(appID, bf.OpenIDURL(), nil, nil)
	auth := "Bearer " + bf.Mint(bf.Claims(appID, time.Now()))
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if _, err := v.Validate(t.Context(), auth, bf.URL(), "msteams"); err != nil {
				t.Errorf("Validate: %v", err)
			}
		})
	}
	wg.Wait()
	if n := bf.JWKSFetches(); n != 1 {
		t.Errorf("%d JWKS fetches for 20 concurrent first requests", n)
	}
}

// TestTokenCache: one token request serves until shortly before expiry;
// concurrent callers share one request; a token refused by the connector
// is dropped, a newer one kept.
func TestTokenCache(t *testing.T) {
	t.Parallel()
	bf := teamstest.NewOffline(t)
	bf.ExpectClient(appID, password)
	clk := newClock()
	tk, err := teams.NewTokens(teams.Config{AppID: appID, Password: password, TenantID: "t", TokenURL: bf.TokenURL()}, bf.Client(), clk.now)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() {
			if tok, err := tk.Token(t.Context()); err != nil || tok != "bf-token-1" {
				t.Errorf("Token = %q, %v", tok, err)
			}
		})
	}
	wg.Wait()
	clk.advance(50 * time.Minute)
	if tok, _ := tk.Token(t.Context()); tok != "bf-token-1" {
		t.Errorf("after 50 minutes Token = %q, want the cached one", tok)
	}
	clk.advance(5 * time.Minute) // less than five minutes left of 3599 s
	if tok, _ := tk.Token(t.Context()); tok != "bf-token-2" {
		t.Errorf("near expiry Token = %q, want a new one", tok)
	}
	tk.Invalidate("bf-token-1") // an old token's 401 keeps the new one
	if tok, _ := tk.Token(t.Context()); tok != "bf-token-2" {
		t.Errorf("Token = %q after an old token was refused", tok)
	}
	tk.Invalidate("bf-token-2")
	if tok, _ := tk.Token(t.Context()); tok != "bf-token-3" {
		t.Errorf("Token = %q after the current token was refused, want a new one", tok)
	}
	if n := bf.TokenRequests(); n != 3 {
		t.Errorf("%d token requests, want 3", n)
	}
}

func TestTokenErrors(t *testing.T) {
	t.Parallel()
	bf := teamstest.NewOffline(t)
	bf.ExpectClient(appID, "the-right-secret")
	tk, _ := teams.NewTokens(teams.Config{AppID: appID, Password: "a-wrong-secret", TenantID: "t", TokenURL: bf.TokenURL()}, bf.Client(), nil)
	_, err := tk.Token(t.Context())
	if err == nil || !containsAll(err.Error(), "401", "invalid_client", "AADSTS7000215") {
		t.Errorf("Token with a wrong secret = %v; want the status and the AADSTS code", err)
	}
	if err != nil && containsAll(err.Error(), "a-wrong-secret") {
		t.Errorf("the error holds the secret: %v", err)
	}
}

func TestTokensAcceptStringExpiry(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"token_type":"Bearer","expires_in":"3599","access_token":"tok-1"}`))
	}))
	defer srv.Close()
	tk, err := teams.NewTokens(teams.Config{AppID: appID, Password: "pw", TenantID: "t", TokenURL: srv.URL}, srv.Client(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if tok, err := tk.Token(t.Context()); err != nil || tok != "tok-1" {
		t.Errorf("Token = %q, %v", tok, err)
	}
}

// TestConnectorRetries: a reply answered 429 waits out Retry-After, a 401
// renews the token once, and the reply arrives.
func TestConnectorRetries(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		e := setup(t, options{offline: true})
		e.bf.Throttle(2, "3")
		e.bf.Unauthorize(1)
		start := time.Now()
		e.post(t, mentionActivity(e, "r1", channelThread, "explain 53003"))
		e.drain(t)
		waited := time.Since(start)
		replies := e.bf.Replies()
		if len(replies) != 4 {
			t.Fatalf("%d posts, want 429, 429, 401, then delivered: %v", len(replies), replies)
		}
		issued := e.bf.Issued()
		if len(issued) != 2 || replies[3].Authorization != "Bearer "+issued[1] {
			t.Errorf("after a 401 the token was not renewed: issued %v, last %q", issued, replies[3].Authorization)
		}
		if waited < 6*time.Second {
			t.Errorf("retried after %v; Retry-After asked for 3 s twice", waited)
		}
	})
}

// TestConnectorGivesUpOnRepeated401: a second 401 is not answered with
// more token requests.
func TestConnectorGivesUpOnRepeated401(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		e := setup(t, options{offline: true})
		e.bf.Unauthorize(5)
		e.post(t, mentionActivity(e, "r2", channelThread, "explain 53003"))
		e.drain(t)
		if n, m := len(e.bf.Replies()), e.bf.TokenRequests(); n != 2 || m != 2 {
			t.Errorf("%d posts and %d token requests after repeated 401s; want 2 and 2", n, m)
		}
	})
}

// TestSendRate: a burst of replies into one conversation is paced at
// about seven a second.
func TestSendRate(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		e := setup(t, options{offline: true})
		start := time.Now()
		for i := range 21 {
			e.post(t, mentionActivity(e, "b"+string(rune('a'+i)), channelThread, "help"))
		}
		e.drain(t)
		if n := len(e.bf.Answers()); n != 21 {
			t.Fatalf("%d replies, want 21", n)
		}
		if took := time.Since(start); took < 2*time.Second {
			t.Errorf("21 replies sent in %v; want about 7 a second", took)
		}
	})
}

// TestValidatorKeyFromCertificate: a JWKS key given only as an x5c
// certificate chain is read from the certificate.
func TestValidatorKeyFromCertificate(t *testing.T) {
	t.Parallel()
	bf := teamstest.NewOffline(t)
	key := teamstest.ForeignKey(t)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "api.botframework.com"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /openid", func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"jwks_uri":"http://` + r.Host + `/keys"}`))
	})
	mux.HandleFunc("GET /keys", func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"keys":[{"kty":"RSA","use":"sig","kid":"cert-1","x5c":["` + base64.StdEncoding.EncodeToString(der) + `"],"endorsements":["msteams"]}]}`))
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	v := teams.NewValidator(appID, srv.URL+"/openid", srv.Client(), nil)
	tok := bf.MintWith(jwt.SigningMethodRS256, key, "cert-1", bf.Claims(appID, time.Now()))
	if _, err := v.Validate(t.Context(), "Bearer "+tok, bf.URL(), "msteams"); err != nil {
		t.Errorf("token of an x5c key: %v", err)
	}
	// An activity that names no channel asserts none (as the SDKs read
	// endorsements); one that names another channel is refused.
	if _, err := v.Validate(t.Context(), "Bearer "+tok, bf.URL(), ""); err != nil {
		t.Errorf("activity without channelId: %v", err)
	}
	if _, err := v.Validate(t.Context(), "Bearer "+tok, bf.URL(), "webchat"); err == nil {
		t.Error("a key endorsed for msteams was accepted for webchat")
	}
}

// TestTokensWithoutExpiry: a token response without expires_in is used,
// for a short while.
func TestTokensWithoutExpiry(t *testing.T) {
	t.Parallel()
	var calls int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		_, _ = w.Write([]byte(`{"token_type":"Bearer","access_token":"tok-` + strconv.Itoa(calls) + `"}`))
	}))
	defer srv.Close()
	clk := newClock()
	tk, _ := teams.NewTokens(teams.Config{AppID: appID, Password: "pw", TenantID: "t", TokenURL: srv.URL}, srv.Client(), clk.now)
	if tok, err := tk.Token(t.Context()); err != nil || tok != "tok-1" {
		t.Fatalf("Token = %q, %v", tok, err)
	}
	clk.advance(time.Hour)
	if tok, _ := tk.Token(t.Context()); tok != "tok-2" {
		t.Errorf("an hour later Token = %q, want a new one", tok)
	}
}

// TestConnectorServerErrors: a 503 is retried; a 500 is not, since the
// message may have been posted.
func TestConnectorServerErrors(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		e := setup(t, options{offline: true})
		e.bf.Fail(1, http.StatusServiceUnavailable)
		e.post(t, mentionActivity(e, "e1", channelThread, "explain 53003"))
		e.drain(t)
		if n, m := len(e.bf.Replies()), len(e.bf.Answers()); n != 2 || m != 1 {
			t.Errorf("after a 503: %d posts, %d recorded as accepted; want a retry that arrived", n, m)
		}
	})
	synctest.Test(t, func(t *testing.T) {
		e := setup(t, options{offline: true})
		e.bf.Fail(1, http.StatusInternalServerError)
		e.post(t, mentionActivity(e, "e2", channelThread, "explain 53003"))
		e.drain(t)
		// The reply is not posted again (it may have arrived); the
		// requester is told that something went wrong, with the incident
		// under which the error is logged.
		replies := e.bf.Replies()
		if len(replies) != 2 || contains(replies[1], "53003") || !contains(replies[1], "incident") {
			t.Fatalf("after a 500: %v; want the reply once, then a failure notice", replies)
		}
		incident := regexp.MustCompile(`incident ([0-9a-f]{8})`).FindStringSubmatch(replies[1].String())
		if incident == nil || !strings.Contains(e.logs.String(), `"incident":"`+incident[1]+`"`) || !strings.Contains(e.logs.String(), "connector status 500") {
			t.Errorf("the lost reply is not logged under the incident the requester saw:\n%s", e.logs.String())
		}
	})
}

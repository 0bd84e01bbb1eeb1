package teams_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"flag"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/onboard-check/onboard-check/adapters/teams"
	"github.com/onboard-check/onboard-check/adapters/teams/teamstest"
	"github.com/onboard-check/onboard-check/diagnosis"
	"github.com/onboard-check/onboard-check/diagnosis/demo"
	"github.com/onboard-check/onboard-check/handlers"
	"github.com/onboard-check/onboard-check/internal/golden"
	"github.com/onboard-check/onboard-check/store"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

const appID = "5e9b3c2a-7d41-4f0e-9c6b-2a1d8e4f7b90"

const channelThread = "19:helpdesk@thread.tacv2;messageid=1700000000001"

type countingSource struct {
	tenant *demo.Tenant
	calls  atomic.Int32
}

func (c *countingSource) Snapshot(ctx context.Context, q diagnosis.Query) (diagnosis.Snapshot, error) {
	c.calls.Add(1)
	return c.tenant.Snapshot(ctx, q)
}

type env struct {
	bf     *teamstest.Server
	src    *countingSource
	store  *store.Memory
	srv    *httptest.Server
	runner *handlers.Runner
}

func setup(t *testing.T, access handlers.Access) *env {
	t.Helper()
	tenant, err := demo.Default(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	src := &countingSource{tenant: tenant}
	eng, err := diagnosis.NewEngine(nil)
	if err != nil {
		t.Fatal(err)
	}
	st := store.NewMemory(nil)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc, err := handlers.NewService(handlers.Config{Access: access}, eng, src, st, log)
	if err != nil {
		t.Fatal(err)
	}
	bf := teamstest.NewServer(t)
	runner := handlers.NewRunner(4)
	s, err := teams.New(teams.Config{AppID: appID, Password: "app-password-value", TenantID: "41027a4c-bdb6-55fe-8e2c-24a65f6f4d0a",
		OpenIDURL: bf.OpenIDURL(), TokenURL: bf.TokenURL()}, svc, runner, log)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(func() { srv.Close(); _ = runner.Shutdown(context.Background()) })
	return &env{bf: bf, src: src, store: st, srv: srv, runner: runner}
}

func (e *env) send(t *testing.T, token string, activity map[string]any) int {
	t.Helper()
	b, _ := json.Marshal(activity)
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/api/messages", bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func (e *env) valid() string { return e.bf.Mint(e.bf.Claims(appID, time.Now())) }

func waitCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func mentionActivity(e *env, id, text string) map[string]any {
	return e.bf.Activity(id, channelThread, "<at>onboard-check</at> "+text, map[string]any{"entities": []any{teamstest.BotMention()}})
}

func TestForgedTokensRunNothing(t *testing.T) {
	t.Parallel()
	e := setup(t, handlers.Access{})
	now := time.Now()
	other, _ := rsa.GenerateKey(rand.Reader, 2048)
	pubDER, _ := x509.MarshalPKIXPublicKey(&e.bf.Key.PublicKey)
	claims := func(edit func(jwt.MapClaims)) jwt.MapClaims {
		c := e.bf.Claims(appID, now)
		edit(c)
		return c
	}
	forged := map[string]string{
		"no header":            "",
		"wrong audience":       e.bf.Mint(claims(func(c jwt.MapClaims) { c["aud"] = "another-app" })),
		"wrong issuer":         e.bf.Mint(claims(func(c jwt.MapClaims) { c["iss"] = "https://sts.windows.net/41027a4c-bdb6-55fe-8e2c-24a65f6f4d0a/" })),
		"expired":              e.bf.Mint(claims(func(c jwt.MapClaims) { c["exp"] = now.Add(-10 * time.Minute).Unix() })),
		"not yet valid":        e.bf.Mint(claims(func(c jwt.MapClaims) { c["nbf"] = now.Add(10 * time.Minute).Unix() })),
		"no exp":               e.bf.Mint(claims(func(c jwt.MapClaims) { delete(c, "exp") })),
		"alg none":             teamstest.Unsigned(e.bf.Claims(appID, now), e.bf.KeyID),
		"HS256 with pub key":   e.bf.MintWith(jwt.SigningMethodHS256, pubDER, e.bf.KeyID, e.bf.Claims(appID, now)),
		"other key, known kid": e.bf.MintWith(jwt.SigningMethodRS256, other, e.bf.KeyID, e.bf.Claims(appID, now)),
		"unknown kid":          e.bf.MintWith(jwt.SigningMethodRS256, other, "kid-nobody-has", e.bf.Claims(appID, now)),
		"serviceUrl mismatch":  e.bf.Mint(claims(func(c jwt.MapClaims) { c["serviceurl"] = "https://smba.evil.example/emea/" })),
		"garbage":              "not.a.jwt",
	}
	for name, tok := range forged {
		if code := e.send(t, tok, mentionActivity(e, "act-"+strings.ReplaceAll(name, " ", "-"), "adele@contoso.com")); code != http.StatusUnauthorized {
			t.Errorf("%s: status %d, want 401", name, code)
		}
	}
	// A channel the key is not endorsed for.
	act := mentionActivity(e, "act-channel", "adele@contoso.com")
	act["channelId"] = "skype"
	if code := e.send(t, e.valid(), act); code != http.StatusUnauthorized {
		t.Errorf("unendorsed channel: status %d, want 401", code)
	}
	if err := e.runner.Shutdown(t.Context()); err != nil {
		t.Fatal(err)
	}
	if r := e.bf.Replies(); len(r) != 0 {
		t.Errorf("forged tokens got replies: %v", r)
	}
	if n := len(e.bf.Issued()); n != 0 {
		t.Errorf("forged tokens made the bot fetch %d tokens", n)
	}
	if n := e.src.calls.Load(); n != 0 {
		t.Errorf("forged tokens read the tenant %d times", n)
	}
	if got, _ := e.store.Recent(t.Context(), 5); len(got) != 0 {
		t.Errorf("forged tokens were audited: %v", got)
	}
}

func TestChannelMentionAnsweredInThread(t *testing.T) {
	t.Parallel()
	e := setup(t, handlers.Access{})
	if code := e.send(t, e.valid(), mentionActivity(e, "1700000000001", "onboard-check adele@contoso.com")); code != http.StatusOK {
		t.Fatalf("status %d", code)
	}
	replies := e.bf.Wait(waitCtx(t), 1)
	if len(replies) != 1 {
		t.Fatalf("replies = %v", replies)
	}
	r := replies[0]
	wantPath := "/v3/conversations/19:helpdesk@thread.tacv2%3Bmessageid=1700000000001/activities/1700000000001"
	if r.Path != wantPath {
		t.Errorf("path = %s, want %s", r.Path, wantPath)
	}
	if issued := e.bf.Issued(); len(issued) != 1 || r.Authorization != "Bearer "+issued[0] {
		t.Errorf("authorization %q, issued %v", r.Authorization, issued)
	}
	if r.Body["replyToId"] != "1700000000001" {
		t.Errorf("replyToId = %v", r.Body["replyToId"])
	}
	b, _ := json.Marshal(r.Body)
	if !strings.Contains(string(b), "CA015 Block admin portals outside HQ network") || !strings.Contains(string(b), teams.CardContentType) ||
		!strings.Contains(string(b), `"version":"1.5"`) {
		t.Errorf("reply lacks the card naming CA015: %s", b)
	}

	// The card's Details button, then a redelivery of the same submit.
	var id string
	for _, a := range r.Body["attachments"].([]any)[0].(map[string]any)["content"].(map[string]any)["actions"].([]any) {
		if d, ok := a.(map[string]any)["data"].(map[string]any); ok && d["action"] == "details" {
			id = d["id"].(string)
		}
	}
	submit := e.bf.Activity("1700000000099", channelThread, "", map[string]any{"value": map[string]any{"action": "details", "id": id}})
	e.send(t, e.valid(), submit)
	e.send(t, e.valid(), submit)
	replies = e.bf.Wait(waitCtx(t), 2)
	if err := e.runner.Shutdown(t.Context()); err != nil {
		t.Fatal(err)
	}
	replies = e.bf.Replies()
	if len(replies) != 2 || !strings.Contains(replies[1].Path, "messageid=1700000000001/activities/1700000000099") {
		t.Errorf("details not answered once in the thread: %v", replies)
	}
	if n := len(e.bf.Issued()); n != 1 {
		t.Errorf("%d tokens fetched for two replies; want one, cached", n)
	}
}

func TestPersonMentionAndDutch(t *testing.T) {
	t.Parallel()
	e := setup(t, handlers.Access{})
	megan := map[string]any{"type": "mention", "text": "<at>Megan Bowen</at>",
		"mentioned": map[string]any{"id": "29:megan", "name": "Megan Bowen", "aadObjectId": "aadbf6d9-e584-5914-b677-617ece9fb069"}}
	act := e.bf.Activity("p1", "a:1personalchat", "onboard-check <at>Megan Bowen</at>", map[string]any{"entities": []any{megan}, "locale": "nl-NL"})
	e.send(t, e.valid(), act)
	replies := e.bf.Wait(waitCtx(t), 1)
	b, _ := json.Marshal(replies)
	if len(replies) != 1 || !strings.Contains(string(b), "megan@contoso.com") || !strings.Contains(string(b), "Risico") {
		t.Errorf("mention of Megan in Dutch: %s", b)
	}
}

func TestPersonMentionThroughRoster(t *testing.T) {
	t.Parallel()
	e := setup(t, handlers.Access{})
	e.bf.AddMember("29:megan", "aadbf6d9-e584-5914-b677-617ece9fb069", "megan@contoso.com")
	megan := map[string]any{"type": "mention", "text": "<at>Megan Bowen</at>", "mentioned": map[string]any{"id": "29:megan", "name": "Megan Bowen"}}
	e.send(t, e.valid(), e.bf.Activity("p2", "a:1personalchat", "onboard-check <at>Megan Bowen</at>", map[string]any{"entities": []any{megan}}))
	replies := e.bf.Wait(waitCtx(t), 1)
	if len(replies) != 1 || !strings.Contains(replies[0].String(), "megan@contoso.com") {
		t.Errorf("mention without aadObjectId: %v", replies)
	}
}

func TestTenantBinding(t *testing.T) {
	t.Parallel()
	e := setup(t, handlers.Access{TeamsTenant: "another-tenant"})
	e.send(t, e.valid(), mentionActivity(e, "t1", "adele@contoso.com"))
	replies := e.bf.Wait(waitCtx(t), 1)
	if len(replies) != 1 || !strings.Contains(replies[0].String(), "not on the list") {
		t.Errorf("refusal = %v", replies)
	}
	if n := e.src.calls.Load(); n != 0 {
		t.Errorf("a refused tenant read the directory %d times", n)
	}
}

func TestConnectorRetries(t *testing.T) {
	t.Parallel()
	e := setup(t, handlers.Access{})
	e.bf.Throttle(1)
	e.bf.Unauthorize(1)
	e.send(t, e.valid(), mentionActivity(e, "r1", "explain 53003"))
	replies := e.bf.Wait(waitCtx(t), 3)
	if len(replies) != 3 {
		t.Fatalf("replies = %d, want 429, 401, then delivered", len(replies))
	}
	if issued := e.bf.Issued(); len(issued) != 2 || replies[2].Authorization != "Bearer "+issued[1] {
		t.Errorf("after a 401 the token was not renewed: issued %v, last %q", issued, replies[2].Authorization)
	}
}

func TestUnknownKidRefetchIsRateLimited(t *testing.T) {
	t.Parallel()
	e := setup(t, handlers.Access{})
	other, _ := rsa.GenerateKey(rand.Reader, 2048)
	for i := range 5 {
		tok := e.bf.MintWith(jwt.SigningMethodRS256, other, "rotated-"+string(rune('a'+i)), e.bf.Claims(appID, time.Now()))
		e.send(t, tok, mentionActivity(e, "k", "help"))
	}
	if n := e.bf.JWKSFetches(); n != 1 {
		t.Errorf("JWKS fetched %d times for five unknown kids within a minute; want 1", n)
	}
}

func TestCardGolden(t *testing.T) {
	t.Parallel()
	tenant, _ := demo.Default(time.Now())
	eng, _ := diagnosis.NewEngine(nil)
	msgs, _ := handlers.Messages()
	for _, tt := range []struct{ name, user, lang string }{{"adele_en", "adele@contoso.com", "en"}, {"megan_nl", "megan@contoso.com", "nl"}} {
		d, _, err := eng.Run(t.Context(), tenant, diagnosis.Query{User: tt.user}, tt.lang)
		if err != nil {
			t.Fatal(err)
		}
		b, err := teams.CardJSON(handlers.Reply{Kind: handlers.ReplyDiagnosis, Lang: tt.lang, Diagnosis: &d, DiagnosisID: "0123456789abcdef0123456789abcdef"}, msgs)
		if err != nil {
			t.Fatal(err)
		}
		if len(b) > 80<<10 {
			t.Errorf("card of %d bytes; Teams takes about 80 KB", len(b))
		}
		golden.Check(t, filepath.Join("testdata", t.Name(), tt.name+".golden.json"), b, *update)
	}
}

func TestConfig(t *testing.T) {
	t.Parallel()
	for _, c := range []teams.Config{{AppID: appID}, {Password: "x"}, {AppID: appID, Password: "x", Type: "Weird"},
		{AppID: appID, Password: "x", TenantID: "t", OpenIDURL: "ftp://x"}} {
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "MICROSOFT_") && !strings.Contains(err.Error(), "ONBOARD_") {
			t.Errorf("Validate(%+v) = %v; want an error naming the variable", c, err)
		}
	}
	if err := (teams.Config{AppID: appID, Type: teams.TypeUserAssignedMSI}).Validate(); err != nil {
		t.Errorf("managed identity: %v", err)
	}
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("config", "teams", teams.Config{AppID: appID, Password: "s3cret-app-password", TenantID: "t"})
	if strings.Contains(logs.String(), "s3cret-app-password") {
		t.Errorf("the log holds the password: %s", logs.String())
	}
}

// TestCardsValidate parses the golden cards with Microsoft's adaptivecards
// package, as Teams clients do (testdata/cardcheck; .ci/run installs it).
func TestCardsValidate(t *testing.T) {
	t.Parallel()
	dir := filepath.Join("testdata", "cardcheck")
	_, nodeErr := exec.LookPath("node")
	_, modErr := os.Stat(filepath.Join(dir, "node_modules", "adaptivecards"))
	if nodeErr != nil || modErr != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("node or the adaptivecards package is missing (run npm install in %s)", dir)
		}
		t.Skipf("node or %s/node_modules missing", dir)
	}
	cards, _ := filepath.Glob(filepath.Join("testdata", "TestCardGolden", "*.json"))
	if len(cards) == 0 {
		t.Fatal("no golden cards")
	}
	var abs []string
	for _, c := range cards {
		a, _ := filepath.Abs(c)
		abs = append(abs, a)
	}
	cmd := exec.Command("node", append([]string{"check.js"}, abs...)...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Errorf("adaptivecards finds problems: %v\n%s", err, out)
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

func TestWelcomeWhenAdded(t *testing.T) {
	t.Parallel()
	e := setup(t, handlers.Access{})
	act := e.bf.Activity("u1", "19:helpdesk@thread.tacv2", "", map[string]any{"type": "conversationUpdate",
		"membersAdded": []any{map[string]any{"id": "28:bot-app-id"}}})
	if code := e.send(t, e.valid(), act); code != http.StatusOK {
		t.Fatalf("status %d", code)
	}
	replies := e.bf.Wait(waitCtx(t), 1)
	if len(replies) != 1 || !strings.Contains(replies[0].String(), "Check an account") {
		t.Errorf("welcome = %v", replies)
	}
}

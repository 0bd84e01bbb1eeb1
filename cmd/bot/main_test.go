package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/onboard-check/onboard-check/adapters/slack/slacktest"
	"github.com/onboard-check/onboard-check/adapters/teams/teamstest"
	"github.com/onboard-check/onboard-check/diagnosis"
	"github.com/onboard-check/onboard-check/graph/graphtest"
	"github.com/onboard-check/onboard-check/internal/golden"
	"github.com/onboard-check/onboard-check/store"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

// environ is a getenv over a map.
func environ(kv map[string]string) func(string) string {
	return func(k string) string { return kv[k] }
}

// runBot calls run and returns the exit status, stdout and stderr.
func runBot(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(t.Context(), args, environ(env), strings.NewReader(""), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func checkGolden(t *testing.T, ext string, got []byte) {
	t.Helper()
	golden.Check(t, filepath.Join("testdata", t.Name()+".golden"+ext), got, *update)
}

func TestCheckDemo(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		args []string
	}{
		{"adele_json", []string{"check", "--demo", "--output", "json", "adele@contoso.com"}},
		{"adele_text_nl", []string{"check", "--demo", "--lang", "nl", "adele@contoso.com"}},
		{"alex_text", []string{"check", "adele@contoso.com", "--demo", "--output=text"}},
		{"not_found_json", []string{"check", "--demo", "--output", "json", "adel@contoso.com"}},
		{"megan_app_json", []string{"check", "--demo", "--app", "azure-portal", "--since", "3d", "--output", "json", "MEGAN@contoso.com"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runBot(t, nil, tt.args...)
			if code != exitOK || stderr != "" {
				t.Fatalf("exit %d, stderr %q", code, stderr)
			}
			if strings.Contains(stdout, "\x1b[") {
				t.Error("colour escapes in output that is not a terminal")
			}
			ext := ".txt"
			if strings.HasSuffix(tt.name, "json") {
				ext = ".json"
			}
			checkGolden(t, ext, []byte(stdout))
		})
	}
}

func TestCheckJSONIsOneDocument(t *testing.T) {
	t.Parallel()
	_, stdout, _ := runBot(t, nil, "check", "--demo", "--output", "json", "lee@contoso.com")
	dec := json.NewDecoder(strings.NewReader(stdout))
	var d diagnosis.Diagnosis
	if err := dec.Decode(&d); err != nil {
		t.Fatal(err)
	}
	if dec.More() {
		t.Error("more than one JSON document on stdout")
	}
	if d.SchemaVersion != 1 || d.Verdict != diagnosis.VerdictAtRisk {
		t.Errorf("schemaVersion %d verdict %s", d.SchemaVersion, d.Verdict)
	}
}

func TestCheckUsageErrors(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"check"},
		{"check", "--demo"},
		{"check", "--demo", "adele"},
		{"check", "--demo", "adele@contoso.com", "megan@contoso.com"},
		{"check", "--demo", "<@U024BE7LH>"},
		{"check", "--demo", "--bogus", "adele@contoso.com"},
		{"check", "--demo", "--since", "45d", "adele@contoso.com"},
		{"check", "--demo", "--since", "soon", "adele@contoso.com"},
		{"check", "--demo", "--output", "xml", "adele@contoso.com"},
		{"check", "--demo", "--lang", "de", "adele@contoso.com"},
		{"check", "--demo", "--app", "flight-simulator", "adele@contoso.com"},
		{"check", "--demo", "adele@contoso.com' or 1 eq 1"},
		{"frobnicate"},
		{},
	} {
		code, stdout, stderr := runBot(t, nil, args...)
		if code != exitUsage {
			t.Errorf("%q: exit %d, want %d (stderr %q)", args, code, exitUsage, stderr)
		}
		if stdout != "" || stderr == "" {
			t.Errorf("%q: stdout %q stderr %q; want only stderr", args, stdout, stderr)
		}
	}
}

func TestCheckWithoutGraph(t *testing.T) {
	t.Parallel()
	code, stdout, stderr := runBot(t, nil, "check", "adele@contoso.com")
	if code != exitFail || stdout != "" {
		t.Errorf("exit %d stdout %q", code, stdout)
	}
	if !strings.Contains(stderr, "--demo") || !strings.Contains(stderr, "AZURE_CLIENT_ID") || strings.Count(stderr, "\n") != 1 {
		t.Errorf("stderr %q; want one line on how to configure Graph that mentions --demo", stderr)
	}
}

func TestCheckSpeaksDutch(t *testing.T) {
	t.Parallel()
	code, _, stderr := runBot(t, map[string]string{"ONBOARD_LANG": "nl"}, "check", "--demo", "adele")
	if code != exitUsage || !strings.Contains(stderr, "is geen user principal name") {
		t.Errorf("exit %d stderr %q; want a Dutch usage line", code, stderr)
	}
	code, _, stderr = runBot(t, nil, "check", "--lang", "nl", "adele@contoso.com")
	if code != exitFail || !strings.Contains(stderr, "geen Microsoft Graph-configuratie") {
		t.Errorf("exit %d stderr %q; want the Dutch configuration hint", code, stderr)
	}
}

func TestCheckGraphConfigErrors(t *testing.T) {
	t.Parallel()
	code, _, stderr := runBot(t, map[string]string{"ONBOARD_GRAPH_URL": "ftp://graph.example"}, "check", "adele@contoso.com")
	if code != exitFail || !strings.Contains(stderr, "ONBOARD_GRAPH_URL") {
		t.Errorf("exit %d stderr %q; want a line naming ONBOARD_GRAPH_URL", code, stderr)
	}
}

func TestVersion(t *testing.T) {
	t.Parallel()
	if code, stdout, _ := runBot(t, nil, "version"); code != exitOK || !strings.HasPrefix(stdout, "onboard-check ") {
		t.Errorf("version: exit %d %q", code, stdout)
	}
}

func loadScenario(t *testing.T, name string) *graphtest.Tenant {
	t.Helper()
	return graphtest.LoadTenant(t, filepath.Join("..", "..", "diagnosis", "testdata", "scenarios", name))
}

// TestCheckGraph runs `bot check --output json` against a fake Graph for
// every example tenant, as an operator would against a real one.
func TestCheckGraph(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(filepath.Join("..", "..", "diagnosis", "testdata", "scenarios", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no scenarios: %v", err)
	}
	for _, file := range files {
		name := filepath.Base(file)
		t.Run(strings.TrimSuffix(name, ".json"), func(t *testing.T) {
			t.Parallel()
			tenant := loadScenario(t, name)
			g := graphtest.NewServer(t, tenant, graphtest.WithToken("test-token"))
			x := tenant.Expect
			args := append([]string{"check", "--output", "json"}, x.Args...)
			args = append(args, x.User)
			code, stdout, stderr := runBot(t, map[string]string{"ONBOARD_GRAPH_URL": g.URL(), "ONBOARD_GRAPH_TOKEN": "test-token"}, args...)
			if code != exitOK {
				t.Fatalf("exit %d, stderr %q", code, stderr)
			}
			var d diagnosis.Diagnosis
			if err := json.Unmarshal([]byte(stdout), &d); err != nil {
				t.Fatalf("output is not a diagnosis: %v\n%s", err, stdout)
			}
			for _, p := range x.Problems(d) {
				t.Error(p)
			}
		})
	}
}

func TestCheckGraphCredentialsRejected(t *testing.T) {
	t.Parallel()
	g := graphtest.NewServer(t, loadScenario(t, "p01-untrusted-network.json"), graphtest.WithToken("the-right-token"))
	code, stdout, stderr := runBot(t, map[string]string{"ONBOARD_GRAPH_URL": g.URL(), "ONBOARD_GRAPH_TOKEN": "a-wrong-token"},
		"check", "--output", "json", "adele@contoso.com")
	if code != exitFail || stdout != "" {
		t.Errorf("exit %d stdout %q; want 1 and nothing", code, stdout)
	}
	if strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, "rejected the credentials") || strings.Contains(stderr, "a-wrong-token") {
		t.Errorf("stderr %q; want one plain line without the token", stderr)
	}
}

func TestCheckGraphUnreachable(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	code, _, stderr := runBot(t, map[string]string{"ONBOARD_GRAPH_URL": "http://" + addr, "ONBOARD_GRAPH_TOKEN": "t"},
		"check", "adele@contoso.com")
	if code != exitFail || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, "could not be reached") {
		t.Errorf("exit %d stderr %q", code, stderr)
	}
}

func TestServe(t *testing.T) {
	t.Parallel()
	srv := startServe(t, map[string]string{"ONBOARD_LANG": "nl"}, nil)
	for path, want := range map[string]int{"/healthz": 200, "/readyz": 200, "/metrics": 404, "/nope": 404,
		"/privacy": 200, "/terms": 200, "/demo/check?user=adele@contoso.com": 200, "/demo/check?user=adele": 400} {
		if code, _, _ := get(t, srv.public+path); code != want {
			t.Errorf("GET %s = %d, want %d", path, code, want)
		}
	}
	_, _, body := get(t, srv.metrics+"/metrics")
	if !strings.Contains(body, `onboard_commands_total{surface="demo",verdict="blocked"} 1`) {
		t.Errorf("metrics lack the demo check:\n%s", grepLines(body, "onboard_commands_total"))
	}
	if !strings.Contains(srv.logs.String(), "serving the built-in sample tenant") {
		t.Errorf("no start-up warning about the sample tenant in %s", srv.logs.String())
	}
}

func TestServeConfigErrors(t *testing.T) {
	t.Parallel()
	code, _, stderr := runBot(t, map[string]string{"ONBOARD_LANG": "de", "ONBOARD_LISTEN": "nowhere", "ONBOARD_REDIS_URL": "http://x",
		"ONBOARD_METRICS_LISTEN": "metrics", "ONBOARD_ALLOW_EVERYONE": "maybe"}, "serve")
	if code != exitUsage {
		t.Errorf("exit %d", code)
	}
	for _, v := range []string{"ONBOARD_LANG", "ONBOARD_LISTEN", "ONBOARD_REDIS_URL", "ONBOARD_METRICS_LISTEN", "ONBOARD_ALLOW_EVERYONE"} {
		if !strings.Contains(stderr, v) {
			t.Errorf("stderr does not name %s: %q", v, stderr)
		}
	}
}

func TestConfigNeverLogsSecrets(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	cfg, err := loadServeConfig(env{getenv: environ(map[string]string{"ONBOARD_REDIS_URL": "redis://:s3cr3t-pw@redis:6379/0"})})
	if err != nil {
		t.Fatal(err)
	}
	slogTo(&logs).Info("config", "config", cfg)
	if strings.Contains(logs.String(), "s3cr3t-pw") {
		t.Errorf("log holds the Redis password: %s", logs.String())
	}
}

// TestCheckSharesCacheThroughRedis runs check twice against the fake Graph
// with ONBOARD_REDIS_URL: the second run reads policies from the cache.
func TestCheckSharesCacheThroughRedis(t *testing.T) {
	url := os.Getenv("ONBOARD_TEST_REDIS_URL")
	if url == "" {
		url = "redis://127.0.0.1:6379/15"
	}
	g := graphtest.NewServer(t, loadScenario(t, "p01-untrusted-network.json"), graphtest.WithToken("tok"))
	env := map[string]string{"ONBOARD_REDIS_URL": url, "ONBOARD_GRAPH_URL": g.URL(), "ONBOARD_GRAPH_TOKEN": "tok"}
	if !redisAnswers(t, url) {
		if os.Getenv("CI") == "true" {
			t.Fatalf("no Redis at %s", url)
		}
		t.Skipf("no Redis at %s", url)
	}
	if code, _, stderr := runBot(t, env, "check", "--output", "json", "adele@contoso.com"); code != exitOK {
		t.Fatalf("first run: exit %d %s", code, stderr)
	}
	if !slices.ContainsFunc(g.Requests(), func(r graphtest.Request) bool { return strings.Contains(r.Path, "conditionalAccess/policies") }) {
		t.Fatal("the first run did not read the policies from Graph")
	}
	g.Reset()
	if code, _, stderr := runBot(t, env, "check", "--output", "json", "adele@contoso.com"); code != exitOK {
		t.Fatalf("second run: exit %d %s", code, stderr)
	}
	for _, r := range g.Requests() {
		if strings.Contains(r.Path, "conditionalAccess") {
			t.Errorf("second run read %s from Graph; want it from the shared cache", r.Path)
		}
	}
}

func redisAnswers(t *testing.T, url string) bool {
	t.Helper()
	c, err := store.OpenRedis(url)
	if err != nil {
		t.Fatalf("OpenRedis: %v", err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
	defer cancel()
	return c.Ping(ctx).Err() == nil
}

// TestServeSlack drives serve as Slack does: a forged command is refused,
// a signed one is acknowledged and its diagnosis posted in the channel.
func TestServeSlack(t *testing.T) {
	t.Parallel()
	const secret, token = "serve-test-signing-secret", "xoxb-1-2-servetest"
	fake := slacktest.NewServer(t, token)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s, err := buildServer(t.Context(), environ(map[string]string{"SLACK_BOT_TOKEN": token, "SLACK_SIGNING_SECRET": secret,
		"SLACK_API_URL": fake.APIURL()}), slogTo(io.Discard))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	go func() { _ = s.serve(ctx, ln) }()
	form := url.Values{"command": {"/onboard-check"}, "text": {"adele@contoso.com"}, "user_id": {"U1"}, "channel_id": {"C1"},
		"team_id": {"T1"}, "response_url": {fake.ResponseURL("1")}, "trigger_id": {"t1"}}.Encode()
	send := func(sign bool) int {
		req, _ := http.NewRequest(http.MethodPost, "http://"+ln.Addr().String()+"/slack/commands", strings.NewReader(form))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if sign {
			slacktest.Sign(req, secret, time.Now())
		} else {
			slacktest.Sign(req, "forged", time.Now())
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := send(false); code != http.StatusUnauthorized {
		t.Errorf("forged command: %d", code)
	}
	if code := send(true); code != http.StatusOK {
		t.Fatalf("signed command: %d", code)
	}
	wctx, wcancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer wcancel()
	posts := fake.Wait(wctx, "chat.postMessage", 1)
	if len(posts) != 1 || !strings.Contains(posts[0].Form.Get("blocks"), "CA015") {
		t.Errorf("posts = %+v", posts)
	}
}

// TestServeTeams drives serve as the Bot Framework does: a forged token is
// refused, a valid channel mention answered in its thread with a card.
func TestServeTeams(t *testing.T) {
	t.Parallel()
	const appID = "5e9b3c2a-7d41-4f0e-9c6b-2a1d8e4f7b90"
	bf := teamstest.NewServer(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s, err := buildServer(t.Context(), environ(map[string]string{"MICROSOFT_APP_ID": appID, "MICROSOFT_APP_PASSWORD": "pw",
		"MICROSOFT_APP_TENANT_ID":         "41027a4c-bdb6-55fe-8e2c-24a65f6f4d0a",
		"ONBOARD_BOTFRAMEWORK_OPENID_URL": bf.OpenIDURL(), "ONBOARD_BOTFRAMEWORK_TOKEN_URL": bf.TokenURL()}), slogTo(io.Discard))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	go func() { _ = s.serve(ctx, ln) }()
	conv := "19:helpdesk@thread.tacv2;messageid=1700000000001"
	act := bf.Activity("1700000000001", conv, "<at>onboard-check</at> onboard-check adele@contoso.com",
		map[string]any{"entities": []any{teamstest.BotMention()}})
	send := func(token string) int {
		b, _ := json.Marshal(act)
		req, _ := http.NewRequest(http.MethodPost, "http://"+ln.Addr().String()+"/api/messages", bytes.NewReader(b))
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	claims := bf.Claims(appID, time.Now())
	claims["aud"] = "someone-else"
	if code := send(bf.Mint(claims)); code != http.StatusUnauthorized {
		t.Errorf("forged token: %d", code)
	}
	if code := send(bf.Mint(bf.Claims(appID, time.Now()))); code != http.StatusOK {
		t.Fatalf("valid token: %d", code)
	}
	wctx, wcancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer wcancel()
	replies := bf.Wait(wctx, 1)
	if len(replies) != 1 || !strings.Contains(replies[0].String(), "CA015") || !strings.Contains(replies[0].Path, "messageid=1700000000001/activities/1700000000001") {
		t.Errorf("replies = %v", replies)
	}
}

// TestServeRedisDown: with the store unreachable serve still answers, and
// /readyz says it is not ready (SPEC §9: degrade, never crash).
func TestServeRedisDown(t *testing.T) {
	t.Parallel()
	dead, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := dead.Addr().String()
	dead.Close()
	srv := startServe(t, map[string]string{"ONBOARD_REDIS_URL": "redis://" + addr + "/0"}, nil)
	for path, want := range map[string]int{"/healthz": 200, "/readyz": 503, "/demo/check?user=adele@contoso.com": 200} {
		if code, _, _ := get(t, srv.public+path); code != want {
			t.Errorf("GET %s with Redis down = %d, want %d", path, code, want)
		}
	}
	_, _, body := get(t, srv.metrics+"/metrics")
	if !strings.Contains(body, `onboard_store_errors_total{op="ping"} 1`) {
		t.Errorf("store errors not counted:\n%s", grepLines(body, "onboard_store_errors_total"))
	}
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/onboard-check/onboard-check/adapters/slack/slacktest"
	"github.com/onboard-check/onboard-check/graph"
	"github.com/onboard-check/onboard-check/graph/graphtest"
	"github.com/onboard-check/onboard-check/handlers"
	"github.com/onboard-check/onboard-check/internal/logbuf"
)

// started is a running serve: its public and metrics base URLs.
type started struct {
	s               *server
	public, metrics string
	logs            *logbuf.Buffer
}

// startServe builds serve from env, lets adjust change it, and serves it
// on two loopback ports until the test ends.
func startServe(t *testing.T, env map[string]string, adjust func(*server)) started {
	t.Helper()
	var logs logbuf.Buffer
	s, err := buildServer(t.Context(), environ(env), slogTo(&logs))
	if err != nil {
		t.Fatalf("buildServer: %v", err)
	}
	if adjust != nil {
		adjust(s)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.metricsLn, err = net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve returned %v", err)
		}
	})
	return started{s: s, public: "http://" + ln.Addr().String(), metrics: "http://" + s.metricsLn.Addr().String(), logs: &logs}
}

// get returns the status, a header and the body of a GET.
func get(t *testing.T, url string, header ...string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, string(b)
}

// TestMetricsOnTheirOwnListener: the public port does not serve /metrics;
// the metrics listener serves every series from start-up, at zero.
func TestMetricsOnTheirOwnListener(t *testing.T) {
	t.Parallel()
	srv := startServe(t, nil, nil)
	if code, _, _ := get(t, srv.public+"/metrics"); code != http.StatusNotFound {
		t.Errorf("GET /metrics on the public port = %d, want 404", code)
	}
	code, _, body := get(t, srv.metrics+"/metrics")
	if code != http.StatusOK {
		t.Fatalf("GET /metrics on the metrics port = %d", code)
	}
	for _, series := range []string{
		`onboard_commands_total{surface="demo",verdict="blocked"} 0`,
		`onboard_commands_total{surface="slack",verdict="healthy"} 0`,
		`onboard_commands_total{surface="teams",verdict="at_risk"} 0`,
		`onboard_diagnosis_seconds_count{surface="slack"} 0`,
		`onboard_graph_requests_total{status="429"} 0`,
		`onboard_graph_failures_total{kind="throttled"} 0`,
		`onboard_graph_failures_total{kind="unreachable"} 0`,
		`onboard_graph_failures_total{kind="denied"} 0`,
		`onboard_graph_failures_total{kind="rejected"} 0`,
		`onboard_graph_failures_total{kind="incomplete"} 0`,
		`onboard_store_errors_total{op="audit"} 0`,
		`onboard_jobs_queued 0`,
		`onboard_job_wait_seconds_count 0`,
		`onboard_jobs_total{result="answered"} 0`,
		`onboard_jobs_total{result="undelivered"} 0`,
		`onboard_jobs_total{result="requeued"} 0`,
		`go_goroutines `,
		`process_cpu_seconds_total `,
	} {
		if !strings.Contains(body, series) {
			t.Errorf("metrics lack %s", series)
		}
	}
	if code, _, _ := get(t, srv.metrics+"/demo/check?user=adele@contoso.com"); code != http.StatusNotFound {
		t.Errorf("the metrics port serves the demo: %d", code)
	}
}

// TestMetricsObserver: the handlers' observer methods move the series.
func TestMetricsObserver(t *testing.T) {
	t.Parallel()
	m := newMetrics()
	m.JobQueued(3)
	m.JobStarted(1500 * time.Millisecond)
	m.JobDone("answered")
	m.GraphFailure("throttled")
	serveObserver{m}.CommandDone("cli", "blocked", time.Second)
	var out bytes.Buffer
	mfs, err := m.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		fmt.Fprintln(&out, mf.String())
	}
	for _, want := range []string{`name:"onboard_jobs_queued"`, `gauge:{value:3}`, `sample_sum:1.5`, `value:"throttled"`, `value:"demo"`} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("gathered metrics lack %s", want)
		}
	}
}

// TestServeCutsTricklingBody sends a Slack command one byte at a time:
// the server closes the connection once its read timeout has passed,
// long before the body is complete.
func TestServeCutsTricklingBody(t *testing.T) {
	t.Parallel()
	if defaultLimits.read <= 0 || defaultLimits.read > 30*time.Second || defaultLimits.readHeader <= 0 ||
		defaultLimits.write <= 0 || defaultLimits.idle <= 0 || defaultLimits.maxHeaderBytes <= 0 {
		t.Fatalf("default limits %+v: every one must be set, reads cut within 30 s", defaultLimits)
	}
	fake := slacktest.NewServer(t, "xoxb-1-2-trickle")
	const readTimeout = 700 * time.Millisecond
	srv := startServe(t, map[string]string{"SLACK_BOT_TOKEN": "xoxb-1-2-trickle", "SLACK_SIGNING_SECRET": "trickle-secret",
		"SLACK_API_URL": fake.APIURL()}, func(s *server) { s.limits.read = readTimeout })
	// The server's read deadline starts when it accepts: after start.
	start := time.Now()
	conn, err := net.Dial("tcp", strings.TrimPrefix(srv.public, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	const bodyLen = 200
	if _, err := fmt.Fprintf(conn, "POST /slack/commands HTTP/1.1\r\nHost: bot\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n", bodyLen); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		tick := time.NewTicker(100 * time.Millisecond) // the whole body would take 20 s
		defer tick.Stop()
		for range bodyLen {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			if _, err := conn.Write([]byte("a")); err != nil {
				return
			}
		}
	}()
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, err = io.ReadAll(conn) // whatever the server answers, then the close
	elapsed := time.Since(start)
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatalf("the connection was still open after %v", elapsed)
	}
	if elapsed < readTimeout || elapsed > 5*time.Second {
		t.Errorf("connection closed after %v, want soon after the %v read timeout", elapsed, readTimeout)
	}
	if calls := fake.Calls("chat.postMessage"); len(calls) != 0 {
		t.Errorf("a cut-off request did work: %v", calls)
	}
}

// TestServeRefusesWithoutAccessDecision: a real Graph behind a chat
// surface needs an allow-list or ONBOARD_ALLOW_EVERYONE=true; the sample
// tenant and Graph without chat start as they are.
func TestServeRefusesWithoutAccessDecision(t *testing.T) {
	t.Parallel()
	graph := map[string]string{"ONBOARD_GRAPH_URL": "http://127.0.0.1:1", "ONBOARD_GRAPH_TOKEN": "tok"}
	slack := map[string]string{"SLACK_BOT_TOKEN": "xoxb-1-2-access", "SLACK_SIGNING_SECRET": "s"}
	teams := map[string]string{"MICROSOFT_APP_ID": "5e9b3c2a-7d41-4f0e-9c6b-2a1d8e4f7b90", "MICROSOFT_APP_PASSWORD": "pw",
		"MICROSOFT_APP_TENANT_ID": "41027a4c-bdb6-55fe-8e2c-24a65f6f4d0a"}
	merge := func(ms ...map[string]string) map[string]string {
		out := map[string]string{}
		for _, m := range ms {
			for k, v := range m {
				out[k] = v
			}
		}
		return out
	}
	for _, tt := range []struct {
		name   string
		env    map[string]string
		refuse bool
	}{
		{"graph and slack, no decision", merge(graph, slack), true},
		{"graph and teams, no decision", merge(graph, teams), true},
		{"explicitly false", merge(graph, slack, map[string]string{"ONBOARD_ALLOW_EVERYONE": "false"}), true},
		{"everyone", merge(graph, slack, map[string]string{"ONBOARD_ALLOW_EVERYONE": "true"}), false},
		{"a channel list", merge(graph, slack, map[string]string{"ONBOARD_ALLOW_SLACK_CHANNELS": "C1"}), false},
		{"a Teams user list", merge(graph, teams, map[string]string{"ONBOARD_ALLOW_TEAMS_USERS": "u1"}), false},
		{"the sample tenant", merge(slack, teams), false},
		{"graph without chat", graph, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := buildServer(t.Context(), environ(tt.env), slog.New(slog.DiscardHandler))
			if !tt.refuse {
				if err != nil {
					t.Errorf("buildServer: %v, want it to start", err)
				}
				return
			}
			code, _, stderr := runBot(t, tt.env, "serve")
			if code != exitUsage || strings.Count(stderr, "\n") != 1 {
				t.Fatalf("exit %d, stderr %q; want 2 and one line", code, stderr)
			}
			for _, v := range []string{"ONBOARD_ALLOW_SLACK_USERS", "ONBOARD_ALLOW_TEAMS_CHANNELS", "ONBOARD_ALLOW_EVERYONE=true"} {
				if !strings.Contains(stderr, v) {
					t.Errorf("stderr %q does not name %s", stderr, v)
				}
			}
		})
	}
}

func TestServeMultiTenantNeedsTenant(t *testing.T) {
	t.Parallel()
	env := map[string]string{"MICROSOFT_APP_ID": "5e9b3c2a-7d41-4f0e-9c6b-2a1d8e4f7b90", "MICROSOFT_APP_PASSWORD": "pw",
		"MICROSOFT_APP_TYPE": "MultiTenant"}
	code, _, stderr := runBot(t, env, "serve")
	if code != exitUsage || !strings.Contains(stderr, "MICROSOFT_APP_TENANT_ID") || !strings.Contains(stderr, "ONBOARD_TEAMS_TENANTS") {
		t.Errorf("exit %d stderr %q; want 2 naming MICROSOFT_APP_TENANT_ID and ONBOARD_TEAMS_TENANTS", code, stderr)
	}
	env["ONBOARD_TEAMS_TENANTS"] = "41027a4c-bdb6-55fe-8e2c-24a65f6f4d0a"
	if _, err := buildServer(t.Context(), environ(env), slog.New(slog.DiscardHandler)); err != nil {
		t.Errorf("with ONBOARD_TEAMS_TENANTS: %v", err)
	}
	env["ONBOARD_TEAMS_ALLOW_EMULATOR"] = "perhaps"
	if code, _, stderr := runBot(t, env, "serve"); code != exitUsage || !strings.Contains(stderr, "ONBOARD_TEAMS_ALLOW_EMULATOR") {
		t.Errorf("exit %d stderr %q; want 2 naming ONBOARD_TEAMS_ALLOW_EMULATOR", code, stderr)
	}
}

// TestConfigFileTypos: an unknown key in the ONBOARD_CONFIG file stops
// start-up naming it; known keys are read.
func TestConfigFileTypos(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, tt := range []struct {
		name, yaml, want string
	}{
		{"access typo", "access:\n  slack_chanels: [C1]\n", `"slack_chanels"`},
		{"setting typo", "ONBOARD_LSTEN: \":9000\"\n", `"ONBOARD_LSTEN"`},
		{"lower-case setting", "onboard_lang: nl\n", `"onboard_lang"`},
		{"not YAML", "access: [\n", "not valid YAML"},
		{"list outside access", "slack_channels: [C1]\n", `"slack_channels"`},
		{"list for a value", "ONBOARD_LANG: [en, nl]\n", "ONBOARD_LANG must be one value"},
		{"both typos", "access:\n  slack_chanels: [C1]\nONBOARD_LSTEN: \":9000\"\n", `"ONBOARD_LSTEN"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, _, stderr := runBot(t, map[string]string{"ONBOARD_CONFIG": write(strings.ReplaceAll(tt.name, " ", "_")+".yaml", tt.yaml)}, "serve")
			if code != exitUsage || !strings.Contains(stderr, tt.want) || !strings.Contains(stderr, "ONBOARD_CONFIG") {
				t.Errorf("exit %d stderr %q; want 2 and a line naming %s", code, stderr, tt.want)
			}
			if tt.name == "both typos" && !strings.Contains(stderr, `"slack_chanels"`) {
				t.Errorf("stderr %q names one typo of two", stderr)
			}
		})
	}
	good := write("good.yaml", "ONBOARD_LANG: nl\nONBOARD_GRAPH_URL: http://127.0.0.1:1\nONBOARD_GRAPH_TOKEN: tok\n"+
		"SLACK_BOT_TOKEN: xoxb-1-2-file\nSLACK_SIGNING_SECRET: s\naccess:\n  slack_channels: [C1, C2]\n")
	s, err := buildServer(t.Context(), environ(map[string]string{"ONBOARD_CONFIG": good}), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("a valid file: %v", err)
	}
	if s.cfg.Lang != "nl" || len(s.cfg.Access.SlackChannels) != 2 {
		t.Errorf("config from file = %+v", s.cfg)
	}
}

// TestLogDurations: serve's log writes durations people and log tools
// read, never bare nanoseconds.
func TestLogDurations(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	newJSONLogger(&b, slog.LevelInfo).Info("done", slog.Duration("elapsed", 1500*time.Millisecond))
	var line map[string]any
	if err := json.Unmarshal(b.Bytes(), &line); err != nil {
		t.Fatal(err)
	}
	if line["elapsed"] != "1.5s" {
		t.Errorf("elapsed logged as %v, want \"1.5s\"", line["elapsed"])
	}
}

// TestServeAccessWithGraph drives serve with a real (fake) Graph behind
// Slack: ONBOARD_ALLOW_EVERYONE=true answers anyone the workspace
// authenticates; an allow-list refuses everyone else, reads nothing from
// Graph and audits the refusal.
func TestServeAccessWithGraph(t *testing.T) {
	t.Parallel()
	const secret, token = "access-test-signing-secret", "xoxb-1-2-accesstest"
	for _, tt := range []struct {
		name   string
		extra  map[string]string
		answer bool
	}{
		{"everyone", map[string]string{"ONBOARD_ALLOW_EVERYONE": "true"}, true},
		{"on the list", map[string]string{"ONBOARD_ALLOW_SLACK_USERS": "U1"}, true},
		{"not on the list", map[string]string{"ONBOARD_ALLOW_SLACK_USERS": "U9"}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			g := graphtest.NewServer(t, loadScenario(t, "p01-untrusted-network.json"), graphtest.WithToken("tok"))
			fake := slacktest.NewServer(t, token)
			env := map[string]string{"ONBOARD_GRAPH_URL": g.URL(), "ONBOARD_GRAPH_TOKEN": "tok",
				"SLACK_BOT_TOKEN": token, "SLACK_SIGNING_SECRET": secret, "SLACK_API_URL": fake.APIURL()}
			for k, v := range tt.extra {
				env[k] = v
			}
			srv := startServe(t, env, nil)
			form := url.Values{"command": {"/onboard-check"}, "text": {"adele@contoso.com"}, "user_id": {"U1"}, "channel_id": {"C1"},
				"team_id": {"T1"}, "response_url": {fake.ResponseURL("1")}, "trigger_id": {"trig-" + tt.name}}
			if code := sendSlash(t, srv.public, secret, form); code != http.StatusOK {
				t.Fatalf("signed command: %d", code)
			}
			if tt.answer {
				wctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
				defer cancel()
				posts := fake.Wait(wctx, "chat.postMessage", 1)
				if len(g.Requests()) == 0 {
					t.Error("the answer read nothing from Graph")
				}
				if len(posts) != 1 || posts[0].Form.Get("blocks") == "" {
					t.Errorf("no diagnosis posted: %+v", posts)
				}
				return
			}
			entries, err := srv.s.store.Recent(t.Context(), 10)
			if err != nil {
				t.Fatal(err)
			}
			if len(entries) != 1 || entries[0].Requester != "U1" || entries[0].Refusal == "" {
				t.Errorf("audit = %+v; want one refusal of U1", entries)
			}
			if reqs := g.Requests(); len(reqs) != 0 {
				t.Errorf("a refused request read Graph: %v", reqs)
			}
			if posts := fake.Calls("chat.postMessage"); len(posts) != 0 {
				t.Errorf("a refused request posted: %+v", posts)
			}
		})
	}
}

// TestRunServe runs `bot serve` as main does, on two ports picked by the
// system, and stops it as SIGTERM would.
func TestRunServe(t *testing.T) {
	t.Parallel()
	logs, logw := io.Pipe()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"serve"}, environ(map[string]string{"ONBOARD_LISTEN": "127.0.0.1:0", "ONBOARD_METRICS_LISTEN": "127.0.0.1:0"}),
			strings.NewReader(""), logw, io.Discard)
		logw.Close()
	}()
	// The two "listening" lines name the ports.
	var addrs []string
	dec := json.NewDecoder(logs)
	for len(addrs) < 2 {
		var line map[string]any
		if err := dec.Decode(&line); err != nil {
			t.Fatalf("serve log ended before it listened: %v", err)
		}
		if line["msg"] == "listening" {
			addrs = append(addrs, line["addr"].(string))
		}
	}
	go func() { _, _ = io.Copy(io.Discard, logs) }()
	var healthy, metrics int
	for _, a := range addrs {
		if code, _, _ := get(t, "http://"+a+"/healthz"); code == http.StatusOK {
			healthy++
		}
		if code, _, body := get(t, "http://"+a+"/metrics"); code == http.StatusOK && strings.Contains(body, "onboard_jobs_queued 0") {
			metrics++
		}
	}
	if healthy != 1 || metrics != 1 {
		t.Errorf("of %v, %d serve /healthz and %d /metrics; want one each", addrs, healthy, metrics)
	}
	cancel()
	select {
	case code := <-done:
		if code != exitOK {
			t.Errorf("serve exited %d after its context ended, want 0", code)
		}
	case <-time.After(shutdownGrace):
		t.Fatal("serve did not stop")
	}
}

// TestServeCountsGraphFailures: a Graph that rejects the credentials is
// counted by kind on /metrics.
func TestServeCountsGraphFailures(t *testing.T) {
	t.Parallel()
	const secret, token = "failure-test-signing-secret", "xoxb-1-2-failuretest"
	g := graphtest.NewServer(t, loadScenario(t, "p01-untrusted-network.json"), graphtest.WithToken("the-right-token"))
	fake := slacktest.NewServer(t, token)
	srv := startServe(t, map[string]string{"ONBOARD_GRAPH_URL": g.URL(), "ONBOARD_GRAPH_TOKEN": "a-wrong-token", "ONBOARD_ALLOW_EVERYONE": "true",
		"SLACK_BOT_TOKEN": token, "SLACK_SIGNING_SECRET": secret, "SLACK_API_URL": fake.APIURL()}, nil)
	form := url.Values{"command": {"/onboard-check"}, "text": {"adele@contoso.com"}, "user_id": {"U1"}, "channel_id": {"C1"},
		"team_id": {"T1"}, "response_url": {fake.ResponseURL("1")}, "trigger_id": {"trig-failure"}}
	if code := sendSlash(t, srv.public, secret, form); code != http.StatusOK {
		t.Fatalf("signed command: %d", code)
	}
	// The job runs after the acknowledgement: wait for the series.
	const want = `onboard_graph_failures_total{kind="rejected"} 1`
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(20 * time.Second)
	for {
		_, _, body := get(t, srv.metrics+"/metrics")
		if strings.Contains(body, want) {
			if !strings.Contains(body, `onboard_graph_requests_total{status="401"}`) {
				t.Errorf("the 401 is not counted by status:\n%s", grepLines(body, "onboard_graph"))
			}
			return
		}
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatalf("no %s:\n%s\n%s", want, grepLines(body, "onboard_graph"), srv.logs.String())
		}
	}
}

// TestClassifyGraphFailures: each way Graph can fail the whole check has
// its own words for the requester, in both languages.
func TestClassifyGraphFailures(t *testing.T) {
	t.Parallel()
	msgs, err := handlers.Messages()
	if err != nil {
		t.Fatal(err)
	}
	for sentinel, want := range map[error]string{
		graph.ErrCredentials: "failure.credentials",
		graph.ErrUnreachable: "failure.unreachable",
		graph.ErrThrottled:   "failure.throttled",
		graph.ErrDenied:      "failure.denied",
	} {
		got := classify(fmt.Errorf("read user: %w", sentinel))
		if got != want {
			t.Errorf("classify(%v) = %q, want %q", sentinel, got, want)
		}
		for _, lang := range []string{"en", "nl"} {
			if !msgs.Has(lang, want) {
				t.Errorf("catalog %s lacks %q", lang, want)
			}
		}
	}
	if got := classify(errors.New("something else")); got != "" {
		t.Errorf("classify(unexpected) = %q, want it left to the incident path", got)
	}
}

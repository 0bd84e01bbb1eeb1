package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/onboard-check/onboard-check/adapters/slack/slacktest"
	"github.com/onboard-check/onboard-check/graph/graphtest"
	"github.com/onboard-check/onboard-check/internal/logbuf"
	"github.com/onboard-check/onboard-check/store"
)

// The queue tests run serve as real processes on one Redis (the queue's
// stream and consumer group, onboard:v1:jobs), against a fake Graph and a
// fake Slack, and stop them with SIGTERM as Kubernetes does. They use the
// unprefixed keys of the ONBOARD_TEST_REDIS_URL database, which they
// empty first, so they do not run in parallel.

const (
	queueSecret = "queue-test-signing-secret"
	queueToken  = "xoxb-1-2-queuetest"
	// serveWorkers is how many jobs one serve runs at once (the service's
	// default).
	serveWorkers = 16
)

// queueRedis returns a client for the test database, emptied of serve's
// keys; without a Redis the test is skipped, or fails when CI=true.
func queueRedis(t *testing.T) (redis.UniversalClient, string) {
	t.Helper()
	u := os.Getenv("ONBOARD_TEST_REDIS_URL")
	if u == "" {
		u = "redis://127.0.0.1:6379/15"
	}
	if !redisAnswers(t, u) {
		if os.Getenv("CI") == "true" {
			t.Fatalf("no Redis at %s", u)
		}
		t.Skipf("no Redis at %s", u)
	}
	c, err := store.OpenRedis(u)
	if err != nil {
		t.Fatal(err)
	}
	clean := func() {
		keys, err := c.Keys(context.Background(), "onboard:v1:*").Result()
		if err != nil {
			t.Errorf("list serve's keys: %v", err)
			return
		}
		if len(keys) > 0 {
			c.Del(context.Background(), keys...)
		}
	}
	clean()
	t.Cleanup(func() { clean(); c.Close() })
	return c, u
}

// buildBot builds the bot binary once per test, as go build does for a
// release.
func buildBot(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "bot")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// serveProc is one running `bot serve`.
type serveProc struct {
	name string
	cmd  *exec.Cmd
	addr string
	logs *logbuf.Buffer
	done chan error
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startServeProc starts bot serve with only the given environment and waits
// until it answers /healthz.
func startServeProc(t *testing.T, name, bin string, env map[string]string) *serveProc {
	t.Helper()
	p := &serveProc{name: name, addr: freeAddr(t), logs: &logbuf.Buffer{}, done: make(chan error, 1)}
	p.cmd = exec.Command(bin, "serve")
	p.cmd.Env = []string{"ONBOARD_LISTEN=" + p.addr, "ONBOARD_METRICS_LISTEN=" + freeAddr(t)}
	for k, v := range env {
		p.cmd.Env = append(p.cmd.Env, k+"="+v)
	}
	p.cmd.Stdout, p.cmd.Stderr = p.logs, p.logs
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- p.cmd.Wait() }()
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			_ = p.cmd.Process.Kill()
			<-p.done
		}
		if t.Failed() {
			t.Logf("%s log:\n%s", p.name, p.logs.String())
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get("http://" + p.addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p
			}
		}
		select {
		case err := <-p.done:
			t.Fatalf("%s exited at start: %v\n%s", name, err, p.logs.String())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not answer /healthz:\n%s", name, p.logs.String())
		}
	}
}

// stop sends SIGTERM and waits for a clean exit.
func (p *serveProc) stop(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-p.done:
		if err != nil {
			t.Errorf("%s exited with %v after SIGTERM", p.name, err)
		}
	case <-time.After(2 * shutdownGrace):
		t.Fatalf("%s did not exit within %v of SIGTERM", p.name, 2*shutdownGrace)
	}
}

// finished counts the diagnoses the process ran, from its log.
func (p *serveProc) finished(t *testing.T) int {
	t.Helper()
	n := 0
	sc := bufio.NewScanner(strings.NewReader(p.logs.String()))
	for sc.Scan() {
		var line struct{ Msg string }
		if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "diagnosis finished" {
			n++
		}
	}
	return n
}

// check is one slash command a test sends, and where its answer goes.
type check struct {
	channel, user string
}

func checks(n int) []check {
	users := []string{"adele@contoso.com", "megan@contoso.com", "lee@contoso.com", "breakglass@contoso.com"}
	out := make([]check, n)
	for i := range out {
		out[i] = check{channel: fmt.Sprintf("C%03d", i), user: users[i%len(users)]}
	}
	return out
}

// slash sends a signed slash command to a serve, as Slack does, and
// returns once it was acknowledged.
func slash(t *testing.T, addr string, fake *slacktest.Server, i int, c check) {
	t.Helper()
	form := url.Values{"command": {"/onboard-check"}, "text": {c.user}, "user_id": {fmt.Sprintf("U%03d", i)},
		"channel_id": {c.channel}, "team_id": {"T1"}, "response_url": {fake.ResponseURL(c.channel)},
		"trigger_id": {fmt.Sprintf("trigger-%03d", i)}}
	if code := sendSlash(t, "http://"+addr, queueSecret, form); code != http.StatusOK {
		t.Fatalf("slash command %d: HTTP %d", i, code)
	}
}

// sendSlash posts form to base's /slack/commands signed with secret, as
// Slack does, and returns the HTTP status of the acknowledgement.
func sendSlash(t *testing.T, base, secret string, form url.Values) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, base+"/slack/commands", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	slacktest.Sign(req, secret, time.Now())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// answers returns the diagnoses posted in each channel.
func answers(fake *slacktest.Server) map[string][]string {
	out := map[string][]string{}
	for _, c := range fake.Calls("chat.postMessage") {
		out[c.Form.Get("channel")] = append(out[c.Form.Get("channel")], c.Form.Get("blocks"))
	}
	return out
}

// checkAnswered holds every check to exactly one post in its channel, a
// diagnosis of the account asked about.
func checkAnswered(t *testing.T, fake *slacktest.Server, cs []check) {
	t.Helper()
	got := answers(fake)
	for _, c := range cs {
		posts := got[c.channel]
		if len(posts) != 1 {
			t.Errorf("check of %s in %s answered %d times, want once", c.user, c.channel, len(posts))
			continue
		}
		if !strings.Contains(posts[0], c.user) || !strings.Contains(posts[0], `"type":"header"`) {
			t.Errorf("check of %s in %s answered with %s; want its diagnosis", c.user, c.channel, posts[0])
		}
	}
	if len(got) != len(cs) {
		t.Errorf("posts in %d channels, want %d", len(got), len(cs))
	}
}

func queueEnv(fake *slacktest.Server, g *graphtest.Server, redisURL string) map[string]string {
	return map[string]string{
		"ONBOARD_REDIS_URL": redisURL, "ONBOARD_GRAPH_URL": g.URL(), "ONBOARD_GRAPH_TOKEN": "tok",
		"SLACK_BOT_TOKEN": queueToken, "SLACK_SIGNING_SECRET": queueSecret, "SLACK_API_URL": fake.APIURL(),
		"ONBOARD_ALLOW_EVERYONE": "true",
	}
}

// jobs reads the queue as Redis holds it: every job, and those a worker
// has taken and not yet acknowledged.
func jobs(t *testing.T, c redis.UniversalClient) (held, taken int64) {
	t.Helper()
	held, err := c.XLen(t.Context(), "onboard:v1:jobs").Result()
	if err != nil {
		t.Fatal(err)
	}
	p, err := c.XPending(t.Context(), "onboard:v1:jobs", "workers").Result()
	if err != nil && !strings.HasPrefix(err.Error(), "NOGROUP") {
		t.Fatal(err)
	}
	if p != nil {
		taken = p.Count
	}
	return held, taken
}

// TestSIGTERMLeavesQueuedChecksForTheNextProcess: serve receives SIGTERM
// with its workers busy and 10 checks queued behind them. It finishes the
// running ones within its grace period and answers nothing else; a new
// process on the same Redis answers the 10, each exactly once.
func TestSIGTERMLeavesQueuedChecksForTheNextProcess(t *testing.T) {
	rc, redisURL := queueRedis(t)
	bin := buildBot(t)
	fake := slacktest.NewServer(t, queueToken)
	g := graphtest.NewServer(t, loadScenario(t, "p01-untrusted-network.json"), graphtest.WithToken("tok"),
		graphtest.WithLatency(time.Second))
	env := queueEnv(fake, g, redisURL)

	first := startServeProc(t, "first serve", bin, env)
	const queued = 10
	cs := checks(serveWorkers + queued)
	for i, c := range cs {
		slash(t, first.addr, fake, i, c)
	}
	// Every check is acknowledged and queued; the workers hold what they run.
	deadline := time.Now().Add(10 * time.Second)
	for {
		held, taken := jobs(t, rc)
		if held == int64(len(cs)) && taken == serveWorkers {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("queue holds %d jobs, %d taken; want %d, %d taken by the first serve's workers", held, taken, len(cs), serveWorkers)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if n := len(fake.Calls("chat.postMessage")); n != 0 {
		t.Fatalf("%d answers before SIGTERM; Graph's latency should keep every worker busy", n)
	}
	first.stop(t)

	if got := first.finished(t); got != serveWorkers {
		t.Errorf("the first serve finished %d diagnoses, want the %d it was running", got, serveWorkers)
	}
	if held, taken := jobs(t, rc); held != queued || taken != 0 {
		t.Errorf("after the first serve stopped the queue holds %d jobs, %d taken; want the %d never started, untouched", held, taken, queued)
	}
	if n := len(fake.Calls("chat.postMessage")); n != serveWorkers {
		t.Errorf("the first serve posted %d answers, want %d", n, serveWorkers)
	}

	next := startServeProc(t, "next serve", bin, env)
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	fake.Wait(ctx, "chat.postMessage", len(cs))
	// Anything delivered twice would arrive about now.
	time.Sleep(2 * time.Second)
	next.stop(t)
	checkAnswered(t, fake, cs)
	if got := next.finished(t); got != queued {
		t.Errorf("the next serve finished %d diagnoses, want the %d left queued", got, queued)
	}
	if held, _ := jobs(t, rc); held != 0 {
		t.Errorf("%d jobs left in the queue", held)
	}
	// Each process left the consumer group as it stopped.
	if cs, err := rc.XInfoConsumers(t.Context(), "onboard:v1:jobs", "workers").Result(); err != nil || len(cs) != 0 {
		t.Errorf("consumers left in the group: %+v, %v", cs, err)
	}
}

// TestTwoServesShareTheQueue: checks acknowledged by one serve are taken by
// the workers of both, and Graph's sign-in throttle, shared through Redis,
// is never exceeded.
func TestTwoServesShareTheQueue(t *testing.T) {
	_, redisURL := queueRedis(t)
	bin := buildBot(t)
	fake := slacktest.NewServer(t, queueToken)
	g := graphtest.NewServer(t, loadScenario(t, "p01-untrusted-network.json"), graphtest.WithToken("tok"),
		graphtest.WithLatency(time.Second), graphtest.WithSignInLimit(5, 10*time.Second))
	env := queueEnv(fake, g, redisURL)

	a := startServeProc(t, "serve a", bin, env)
	b := startServeProc(t, "serve b", bin, env)
	cs := checks(serveWorkers + 8)
	for i, c := range cs {
		slash(t, a.addr, fake, i, c) // every check acknowledged by a
	}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	fake.Wait(ctx, "chat.postMessage", len(cs))
	time.Sleep(time.Second)
	a.stop(t)
	b.stop(t)
	checkAnswered(t, fake, cs)
	ranA, ranB := a.finished(t), b.finished(t)
	if ranA == 0 || ranB == 0 || ranA+ranB != len(cs) {
		t.Errorf("serve a ran %d diagnoses and serve b %d; want both to take from the %d queued", ranA, ranB, len(cs))
	}
	if n := g.Throttled(); n != 0 {
		t.Errorf("Graph answered %d sign-in reads with 429; the replicas' shared budget should keep under its limit", n)
	}
	t.Logf("serve a ran %d, serve b %d; Graph round trips %d", ranA, ranB, g.RoundTrips())
}

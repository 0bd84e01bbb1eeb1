package teams_test

import (
	"context"
	"flag"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/onboard-check/onboard-check/adapters/teams"
	"github.com/onboard-check/onboard-check/adapters/teams/teamstest"
	"github.com/onboard-check/onboard-check/diagnosis"
	"github.com/onboard-check/onboard-check/diagnosis/demo"
	"github.com/onboard-check/onboard-check/handlers"
	"github.com/onboard-check/onboard-check/internal/logbuf"
	"github.com/onboard-check/onboard-check/store"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

const (
	appID    = "5e9b3c2a-7d41-4f0e-9c6b-2a1d8e4f7b90"
	password = "app-password-value-3f1d"
	// channelThread is a channel thread whose root is 1700000000001.
	channelThread = teamstest.ChannelID + ";messageid=1700000000001"
	adeleID       = "e58e4a28-9b62-5977-bc3e-46ca63ae1f4e"
	meganID       = "aadbf6d9-e584-5914-b677-617ece9fb069"
)

// countingSource is the demo tenant, counting reads; with a gate it holds
// every read until the gate is closed.
type countingSource struct {
	tenant   *demo.Tenant
	calls    atomic.Int32
	gate     chan struct{}
	delay    time.Duration
	progress *diagnosis.Progress
	entered  chan struct{} // receives once per read that waits at the gate
}

func (c *countingSource) Snapshot(ctx context.Context, q diagnosis.Query) (diagnosis.Snapshot, error) {
	c.calls.Add(1)
	if c.progress != nil {
		// As a source waiting for Graph's budget reports it.
		diagnosis.ReportProgress(ctx, *c.progress)
	}
	if c.gate != nil {
		select {
		case c.entered <- struct{}{}:
		default:
		}
		select {
		case <-c.gate:
		case <-ctx.Done():
			return diagnosis.Snapshot{}, ctx.Err()
		}
	}
	if c.delay > 0 {
		t := time.NewTimer(c.delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			return diagnosis.Snapshot{}, ctx.Err()
		}
	}
	return c.tenant.Snapshot(ctx, q)
}

// countingStore is the memory store, counting writes.
type countingStore struct {
	*store.Memory
	writes atomic.Int32
}

func (c *countingStore) Claim(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	c.writes.Add(1)
	return c.Memory.Claim(ctx, key, ttl)
}

func (c *countingStore) Save(ctx context.Context, r store.Record, ttl time.Duration) error {
	c.writes.Add(1)
	return c.Memory.Save(ctx, r, ttl)
}

func (c *countingStore) LinkThread(ctx context.Context, t store.Thread, id string, ttl time.Duration) error {
	c.writes.Add(1)
	return c.Memory.LinkThread(ctx, t, id, ttl)
}

func (c *countingStore) Allow(ctx context.Context, key string, limit int, window time.Duration) (bool, error) {
	c.writes.Add(1)
	return c.Memory.Allow(ctx, key, limit, window)
}

func (c *countingStore) Append(ctx context.Context, e store.AuditEntry) error {
	c.writes.Add(1)
	return c.Memory.Append(ctx, e)
}

func (c *countingStore) SetBytes(ctx context.Context, key string, b []byte, ttl time.Duration) error {
	c.writes.Add(1)
	return c.Memory.SetBytes(ctx, key, b, ttl)
}

type options struct {
	access   handlers.Access
	tenant   string              // MICROSOFT_APP_TENANT_ID; "" means the fake's tenant
	tenants  []string            // ONBOARD_TEAMS_TENANTS
	emulator bool                // ONBOARD_TEAMS_ALLOW_EMULATOR
	offline  bool                // reach the fake in-process (for synctest bubbles)
	gate     chan struct{}       // hold diagnoses until closed
	delay    time.Duration       // make diagnoses take this long
	progress *diagnosis.Progress // a wait the source reports before it reads
	bf       *teamstest.Server   // share another env's fake (a second replica)
	workers  int                 // handlers.Config.Workers; 0 for its default
	queue    int                 // the store's queue capacity; 0 for its default
}

// env is a bot wired to a fake Bot Framework and the demo tenant, with
// the service's workers running.
type env struct {
	srv   *teams.Server
	bf    *teamstest.Server
	src   *countingSource
	store *countingStore
	h     http.Handler
	jobs  *jobCounter
	logs  *logbuf.Buffer
}

// jobCounter is the service's Observer: it counts queued and finished
// jobs, so that a test can wait for every job to be answered.
// jobCounter follows the service's queue through its Observer: the depth
// it last reported, the jobs started and finished, and their results.
type jobCounter struct {
	mu                   sync.Mutex
	depth, started, done int
	results              []string
	finished             chan struct{} // closed and renewed on every change
}

func (j *jobCounter) change(f func()) {
	j.mu.Lock()
	f()
	close(j.finished)
	j.finished = make(chan struct{})
	j.mu.Unlock()
}

func (j *jobCounter) CommandDone(handlers.Surface, diagnosis.Verdict, time.Duration) {}
func (j *jobCounter) JobStarted(time.Duration)                                       { j.change(func() { j.started++ }) }
func (j *jobCounter) JobQueued(depth int)                                            { j.change(func() { j.depth = depth }) }
func (j *jobCounter) JobDone(result string) {
	j.change(func() { j.done++; j.results = append(j.results, result) })
}

func setup(t testing.TB, o options) *env {
	t.Helper()
	tenant, err := demo.Default(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	src := &countingSource{tenant: tenant, gate: o.gate, delay: o.delay, progress: o.progress, entered: make(chan struct{}, 16)}
	eng, err := diagnosis.NewEngine(nil)
	if err != nil {
		t.Fatal(err)
	}
	var caps []store.Option
	if o.queue > 0 {
		caps = append(caps, store.WithQueueCap(o.queue))
	}
	st := &countingStore{Memory: store.NewMemory(nil, caps...)}
	logs := &logbuf.Buffer{}
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	jobs := &jobCounter{finished: make(chan struct{})}
	if o.access.Open() {
		o.access.Everyone = true // the tests' default; refusals set a list
	}
	svc, err := handlers.NewService(handlers.Config{Access: o.access, Observer: jobs, Grace: time.Minute, Workers: o.workers}, eng, src, st, log)
	if err != nil {
		t.Fatal(err)
	}
	bf := o.bf
	switch {
	case bf != nil:
	case o.offline:
		bf = teamstest.NewOffline(t)
	default:
		bf = teamstest.NewServer(t)
	}
	bf.ExpectClient(appID, password)
	if o.tenant == "" {
		o.tenant = teamstest.TenantID
	}
	s, err := teams.New(teams.Config{AppID: appID, Password: password, TenantID: o.tenant, Tenants: o.tenants, AllowEmulator: o.emulator,
		OpenIDURL: bf.OpenIDURL(), TokenURL: bf.TokenURL(), TenantOpenIDURL: bf.TenantOpenIDURL()}, svc, log)
	if err != nil {
		t.Fatal(err)
	}
	if o.offline {
		teams.SetHTTPClient(s, bf.Client())
	}
	ctx, stop := context.WithCancel(context.Background())
	worked := make(chan struct{})
	go func() { _ = svc.Work(ctx); close(worked) }()
	t.Cleanup(func() {
		if o.gate != nil {
			select {
			case <-o.gate:
			default:
				close(o.gate)
			}
		}
		stop()
		<-worked
	})
	return &env{srv: s, bf: bf, src: src, store: st, h: s.Handler(), jobs: jobs, logs: logs}
}

// post sends an activity with a valid token, as the Bot Framework does.
func (e *env) post(t testing.TB, activity map[string]any) int {
	t.Helper()
	return teamstest.Post(t, e.h, "Bearer "+e.valid(), activity)
}

func (e *env) valid() string { return e.bf.Mint(e.bf.Claims(appID, time.Now())) }

// drain waits until every queued job was answered. Immediate answers are
// posted before post returns.
func (e *env) drain(t testing.TB) {
	t.Helper()
	timeout := time.NewTimer(30 * time.Second)
	defer timeout.Stop()
	for {
		e.jobs.mu.Lock()
		depth, started, done, ch := e.jobs.depth, e.jobs.started, e.jobs.done, e.jobs.finished
		e.jobs.mu.Unlock()
		if depth == 0 && done >= started {
			return
		}
		select {
		case <-ch:
		case <-timeout.C:
			t.Fatalf("%d of %d started jobs answered after 30 s, %d queued", done, started, depth)
		}
	}
}

func waitCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func mentionActivity(e *env, id, conversation, text string) map[string]any {
	return e.bf.Activity(id, conversation, "<at>onboard-check</at> "+text, map[string]any{"entities": []any{teamstest.BotMention()}})
}

// content is the Adaptive Card of a reply.
func content(t testing.TB, r teamstest.Reply) map[string]any {
	t.Helper()
	atts, _ := r.Body["attachments"].([]any)
	if len(atts) != 1 {
		t.Fatalf("reply has %d attachments, want 1: %v", len(atts), r)
	}
	att, _ := atts[0].(map[string]any)
	if att["contentType"] != teams.CardContentType {
		t.Fatalf("attachment type %v, want %s", att["contentType"], teams.CardContentType)
	}
	c, _ := att["content"].(map[string]any)
	return c
}

// buttonData finds the data of the card's Action.Submit for an action.
func buttonData(t testing.TB, r teamstest.Reply, action string) map[string]any {
	t.Helper()
	acts, _ := content(t, r)["actions"].([]any)
	for _, a := range acts {
		m, _ := a.(map[string]any)
		if d, ok := m["data"].(map[string]any); ok && m["type"] == "Action.Submit" && d["action"] == action {
			return d
		}
	}
	t.Fatalf("no %s button in %v", action, r)
	return nil
}

func contains(r teamstest.Reply, s string) bool { return strings.Contains(r.String(), s) }

func containsAll(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}

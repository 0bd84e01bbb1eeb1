package handlers_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/onboard-check/onboard-check/diagnosis"
	"github.com/onboard-check/onboard-check/diagnosis/demo"
	"github.com/onboard-check/onboard-check/handlers"
	"github.com/onboard-check/onboard-check/store"
)

// delivery is one call a recordingDeliverer received.
type delivery struct {
	method string // "deliver" or "progress"
	route  string
	reply  handlers.Reply
}

// recordingDeliverer records what the workers hand a surface.
type recordingDeliverer struct {
	mu       sync.Mutex
	calls    []delivery
	got      chan delivery // every Deliver
	shown    chan struct{} // every Progress
	resolved map[string]string
}

func newDeliverer() *recordingDeliverer {
	return &recordingDeliverer{got: make(chan delivery, 64), shown: make(chan struct{}, 64), resolved: map[string]string{"U024BE7LH": "adele@contoso.com"}}
}

func (d *recordingDeliverer) record(method string, route []byte, r handlers.Reply) delivery {
	c := delivery{method: method, route: string(route), reply: r}
	d.mu.Lock()
	d.calls = append(d.calls, c)
	d.mu.Unlock()
	return c
}

func (d *recordingDeliverer) Deliver(_ context.Context, route []byte, r handlers.Reply) error {
	d.got <- d.record("deliver", route, r)
	return nil
}

func (d *recordingDeliverer) Progress(_ context.Context, route []byte, r handlers.Reply) error {
	d.record("progress", route, r)
	d.shown <- struct{}{}
	return nil
}

func (d *recordingDeliverer) Resolve(_ context.Context, route []byte, t handlers.Target) (string, error) {
	if string(route) != `{"channel":"C1"}` {
		return "", errors.New("resolve without the job's route")
	}
	if v, ok := d.resolved[t.Value]; ok {
		return v, nil
	}
	return "", errors.New("no such user")
}

func (d *recordingDeliverer) wait(t *testing.T, n int) []delivery {
	t.Helper()
	var out []delivery
	timeout := time.After(20 * time.Second)
	for len(out) < n {
		select {
		case c := <-d.got:
			out = append(out, c)
		case <-timeout:
			t.Fatalf("%d of %d replies delivered", len(out), n)
		}
	}
	return out
}

// work runs the service's workers until the test ends and returns the
// function that stops them and waits for Work to return.
func work(t *testing.T, svc *handlers.Service) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- svc.Work(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("Work = %v", err)
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

func prepare(t *testing.T, svc *handlers.Service, req handlers.Request) handlers.Job {
	t.Helper()
	job, _, err := svc.Prepare(t.Context(), req)
	if err != nil || job.Empty() {
		t.Fatalf("Prepare(%q) = %+v, %v; want a job", req.Text, job, err)
	}
	return job
}

const route = `{"channel":"C1"}`

func TestEnqueueDelivers(t *testing.T) {
	t.Parallel()
	f := newFixture(t, handlers.Config{}, nil)
	d := newDeliverer()
	f.svc.Register(handlers.SurfaceSlack, d)
	work(t, f.svc)
	for _, text := range []string{"adele@contoso.com", "<@U024BE7LH>"} {
		if err := f.svc.Enqueue(t.Context(), prepare(t, f.svc, slackReq(text, "", "")), []byte(route)); err != nil {
			t.Fatalf("Enqueue(%q): %v", text, err)
		}
		got := d.wait(t, 1)[0]
		if got.route != route || got.reply.Kind != handlers.ReplyDiagnosis || got.reply.Diagnosis.User == nil ||
			got.reply.Diagnosis.User.UserPrincipalName != "adele@contoso.com" {
			t.Errorf("%q: delivered %+v to %s; want adele's diagnosis to %s", text, got.reply, got.route, route)
		}
	}
}

// waitingSource waits in Graph's line before it answers, as graph does
// when the tenant's budget is spent; its wait ends once the requester was
// shown it.
type waitingSource struct {
	tenant diagnosis.Source
	waits  []diagnosis.Progress
	shown  <-chan struct{}
}

func (s waitingSource) Snapshot(ctx context.Context, q diagnosis.Query) (diagnosis.Snapshot, error) {
	for _, p := range s.waits {
		diagnosis.ReportProgress(ctx, p)
	}
	select {
	case <-s.shown:
	case <-ctx.Done():
		return diagnosis.Snapshot{}, ctx.Err()
	}
	return s.tenant.Snapshot(ctx, q)
}

func TestEnqueueReportsProgress(t *testing.T) {
	t.Parallel()
	tenant, err := demo.Default(now)
	if err != nil {
		t.Fatal(err)
	}
	d := newDeliverer()
	src := waitingSource{tenant: tenant, shown: d.shown, waits: []diagnosis.Progress{
		{Ahead: 0, Wait: time.Second}, // too short to mention
		{Ahead: 12, Wait: 24500 * time.Millisecond},
	}}
	f := newFixture(t, handlers.Config{}, src)
	f.svc.Register(handlers.SurfaceSlack, d)
	work(t, f.svc)
	for _, tt := range []struct{ lang, want string }{
		{"en", "12 checks ahead of yours, about 25 s."},
		{"nl", "12 controles vóór de uwe, ongeveer 25 s."},
	} {
		req := slackReq("adele@contoso.com", "", "")
		req.Lang = tt.lang
		if err := f.svc.Enqueue(t.Context(), prepare(t, f.svc, req), []byte(route)); err != nil {
			t.Fatal(err)
		}
		d.wait(t, 1)
		d.mu.Lock()
		calls := d.calls
		d.calls = nil
		d.mu.Unlock()
		if len(calls) != 2 || calls[0].method != "progress" || calls[1].method != "deliver" {
			t.Fatalf("%s: calls = %+v; want one progress update, then the reply", tt.lang, calls)
		}
		p := calls[0].reply
		if p.Kind != handlers.ReplyProgress || p.Text != tt.want || p.Progress == nil || p.Progress.Ahead != 12 || calls[0].route != route {
			t.Errorf("%s: progress = %+v to %s; want %q", tt.lang, p, calls[0].route, tt.want)
		}
	}
}

func TestEnqueueRefusesWhenFullOrStopping(t *testing.T) {
	t.Parallel()
	f := newFixture(t, handlers.Config{}, nil, store.WithQueueCap(1))
	job := prepare(t, f.svc, slackReq("adele@contoso.com", "", ""))
	if err := f.svc.Enqueue(t.Context(), job, []byte(route)); err == nil {
		t.Error("Enqueue with no Deliverer for the surface succeeded")
	}
	d := newDeliverer()
	f.svc.Register(handlers.SurfaceSlack, d)
	if err := f.svc.Enqueue(t.Context(), job, []byte(route)); err != nil {
		t.Fatal(err)
	}
	err := f.svc.Enqueue(t.Context(), job, []byte(route))
	if !errors.Is(err, handlers.ErrQueueFull) {
		t.Fatalf("Enqueue beyond QueueSize = %v, want ErrQueueFull", err)
	}
	if r := f.svc.Failure(t.Context(), "nl", err); r.Kind != handlers.ReplyFailure || !strings.Contains(r.Text, "te veel controles") {
		t.Errorf("Failure(ErrQueueFull) = %+v", r)
	}
	work(t, f.svc)() // starts and stops at once
	if got := d.wait(t, 1); got[0].reply.Kind == "" {
		t.Errorf("queued job delivered %+v", got[0].reply)
	}
	err = f.svc.Enqueue(t.Context(), job, []byte(route))
	if !errors.Is(err, handlers.ErrShuttingDown) {
		t.Fatalf("Enqueue after Work stopped = %v, want ErrShuttingDown", err)
	}
	if r := f.svc.Failure(t.Context(), "en", err); !strings.Contains(r.Text, "restarting") {
		t.Errorf("Failure(ErrShuttingDown) = %+v", r)
	}
}

// stuckSource blocks every diagnosis until its context ends.
type stuckSource struct{ entered chan struct{} }

func (s stuckSource) Snapshot(ctx context.Context, _ diagnosis.Query) (diagnosis.Snapshot, error) {
	s.entered <- struct{}{}
	<-ctx.Done()
	return diagnosis.Snapshot{}, ctx.Err()
}

// TestShutdownTellsEveryone: without a durable queue, a job cut off at the
// end of the grace period and the jobs that never started all hear that
// the bot restarted, once each.
func TestShutdownTellsEveryone(t *testing.T) {
	t.Parallel()
	src := stuckSource{entered: make(chan struct{}, 8)}
	f := newFixture(t, handlers.Config{Workers: 1, Grace: 50 * time.Millisecond}, src)
	d := newDeliverer()
	f.svc.Register(handlers.SurfaceSlack, d)
	stop := work(t, f.svc)
	for i := range 3 {
		req := slackReq("adele@contoso.com", "", "")
		req.Requester.ID = "U" + string(rune('A'+i))
		if err := f.svc.Enqueue(t.Context(), prepare(t, f.svc, req), []byte(route)); err != nil {
			t.Fatal(err)
		}
	}
	<-src.entered // one job runs; two wait
	stop()
	got := d.wait(t, 3)
	for _, c := range got {
		if c.reply.Kind != handlers.ReplyFailure || !strings.Contains(c.reply.Text, "restarted") {
			t.Errorf("at shutdown delivered %+v; want the restart notice", c.reply)
		}
	}
	select {
	case c := <-d.got:
		t.Errorf("a fourth delivery: %+v", c)
	default:
	}
}

func TestJobSurvivesJSON(t *testing.T) {
	t.Parallel()
	f := newFixture(t, handlers.Config{}, nil)
	job := prepare(t, f.svc, slackReq("adele@contoso.com --app azure-portal --since 72h", "Ev1", "1700000000.000100"))
	b, err := json.Marshal(job)
	if err != nil {
		t.Fatal(err)
	}
	var back handlers.Job
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	again, err := json.Marshal(back)
	if err != nil || string(again) != string(b) {
		t.Errorf("job JSON does not round-trip:\n%s\n%s", b, again)
	}
	r, err := f.svc.Run(t.Context(), back)
	if err != nil || r.Diagnosis == nil || r.Diagnosis.Query.App != "azure-portal" || r.Diagnosis.Verdict != diagnosis.VerdictBlocked {
		t.Errorf("Run(decoded job) = %+v, %v", r, err)
	}
}

func TestFailureAndRefuse(t *testing.T) {
	t.Parallel()
	f := newFixture(t, handlers.Config{}, nil)
	r := f.svc.Failure(t.Context(), "en", errors.New("post: token xoxb-secret"))
	if r.Kind != handlers.ReplyFailure || r.Incident == "" || !strings.Contains(r.Text, r.Incident) || strings.Contains(r.Text, "xoxb") {
		t.Errorf("Failure(unexpected) = %+v", r)
	}
	r = f.svc.Failure(t.Context(), "nl", &handlers.Failure{Key: "failure.unreachable"})
	if r.Incident != "" || !strings.Contains(r.Text, "niet bereikbaar") {
		t.Errorf("Failure(*Failure) = %+v", r)
	}
	req := slackReq("adele@contoso.com", "", "")
	req.Lang = "nl"
	r = f.svc.Refuse(t.Context(), req, "foreign_team")
	if r.Kind != handlers.ReplyRefusal || !strings.Contains(r.Text, "Slack-werkruimte") {
		t.Errorf("Refuse(foreign_team) = %+v", r)
	}
	if r = f.svc.Refuse(t.Context(), req, "made_up"); !strings.Contains(r.Text, "niet op de lijst") {
		t.Errorf("Refuse(made_up) = %+v; want the general refusal", r)
	}
	got, err := f.store.Recent(t.Context(), 5)
	if err != nil || len(got) != 2 || got[1].Refusal != "foreign_team" || got[0].Refusal != "made_up" || got[1].Target != "adele@contoso.com" {
		t.Errorf("audit after two refusals = %+v, %v", got, err)
	}
}

// TestAccessFailsClosed: no allow-list and no Everyone refuses every chat
// request; Everyone opens it; a list closes it again to outsiders.
func TestAccessFailsClosed(t *testing.T) {
	t.Parallel()
	slack := slackReq("adele@contoso.com", "", "")
	teams := handlers.Request{Surface: handlers.SurfaceTeams, Requester: handlers.Principal{ID: "aad-1", TenantID: "t-other"}}
	cli := handlers.Request{Surface: handlers.SurfaceCLI}
	for _, tt := range []struct {
		name   string
		access handlers.Access
		req    handlers.Request
		want   bool
	}{
		{"no list", handlers.Access{}, slack, false},
		{"no list teams", handlers.Access{}, teams, false},
		{"no list cli", handlers.Access{}, cli, true},
		{"everyone", handlers.Access{Everyone: true}, slack, true},
		{"everyone, other tenant", handlers.Access{Everyone: true, TeamsTenant: "t-home"}, teams, false},
		{"list without requester", handlers.Access{Everyone: true, SlackUsers: []string{"U9"}}, slack, false},
		{"list with requester", handlers.Access{SlackUsers: []string{"U1"}}, slack, true},
		{"helpdesk channel is no allow-list", handlers.Access{HelpdeskChannels: []string{"C1"}}, slack, false},
	} {
		if got := tt.access.Allowed(tt.req); got != tt.want {
			t.Errorf("%s: Allowed = %v, want %v", tt.name, got, tt.want)
		}
	}
}

package handlers_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/onboard-check/onboard-check/diagnosis"
	"github.com/onboard-check/onboard-check/diagnosis/demo"
	"github.com/onboard-check/onboard-check/handlers"
	"github.com/onboard-check/onboard-check/store"
)

// redisStores opens n Redis stores on ONBOARD_TEST_REDIS_URL under one
// prefix new for each run: n processes' views of the same keys. Without a
// server the test is skipped, or fails when CI=true. Its keys stay behind
// in the test database: jobs are acknowledged and deleted, the rest
// expires, and the audit log is capped small.
func redisStores(t *testing.T, n int) []*store.Redis {
	t.Helper()
	url := os.Getenv("ONBOARD_TEST_REDIS_URL")
	if url == "" {
		url = "redis://127.0.0.1:6379/15"
	}
	prefix := fmt.Sprintf("test:handlers:%s:%d:", t.Name(), time.Now().UnixNano())
	var out []*store.Redis
	for range n {
		c, err := store.OpenRedis(url)
		if err != nil {
			t.Fatal(err)
		}
		s := store.NewRedis(c, store.WithKeyPrefix(prefix), store.WithAuditCap(16))
		t.Cleanup(func() { _ = s.Close() })
		ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
		err = s.Ping(ctx)
		cancel()
		if err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("no Redis at %s: %v", url, err)
			}
			t.Skipf("no Redis at %s: %v", url, err)
		}
		out = append(out, s)
	}
	return out
}

// results records how the service's jobs ended.
type results struct{ done chan string }

func (r *results) CommandDone(handlers.Surface, diagnosis.Verdict, time.Duration) {}
func (r *results) JobQueued(int)                                                  {}
func (r *results) JobStarted(time.Duration)                                       {}
func (r *results) JobDone(result string)                                          { r.done <- result }

func serviceOn(t *testing.T, st store.Store, src diagnosis.Source, cfg handlers.Config) *handlers.Service {
	t.Helper()
	eng, err := diagnosis.NewEngine(func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	cfg.Access.Everyone = true
	svc, err := handlers.NewService(cfg, eng, src, st, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

// TestDurableQueueOutlivesProcess: a process stopped with work queued
// answers nothing it could not finish; the next process on the same Redis
// answers every job, once.
func TestDurableQueueOutlivesProcess(t *testing.T) {
	t.Parallel()
	tenant, err := demo.Default(now)
	if err != nil {
		t.Fatal(err)
	}
	stuck := stuckSource{entered: make(chan struct{}, 8)}
	stores := redisStores(t, 2)
	first := serviceOn(t, stores[0], stuck, handlers.Config{Workers: 1, Grace: 50 * time.Millisecond})
	gone := newDeliverer()
	first.Register(handlers.SurfaceSlack, gone)
	stop := work(t, first)
	users := []string{"adele@contoso.com", "megan@contoso.com", "alex@contoso.com"}
	for _, u := range users {
		if err := first.Enqueue(t.Context(), prepare(t, first, slackReq(u, "", "")), []byte(route)); err != nil {
			t.Fatal(err)
		}
	}
	<-stuck.entered // one job runs and will be cut off; two wait
	stop()
	if len(gone.calls) != 0 {
		t.Fatalf("the stopped process delivered %+v; a durable queue keeps its jobs instead", gone.calls)
	}

	next := serviceOn(t, stores[1], tenant, handlers.Config{})
	d := newDeliverer()
	next.Register(handlers.SurfaceSlack, d)
	work(t, next)
	got := map[string]int{}
	for _, c := range d.wait(t, len(users)) {
		if c.reply.Kind != handlers.ReplyDiagnosis || c.reply.Diagnosis == nil || c.route != route {
			t.Errorf("next process delivered %+v to %s; want a diagnosis", c.reply, c.route)
			continue
		}
		got[c.reply.Diagnosis.Query.User]++
	}
	for _, u := range users {
		if got[u] != 1 {
			t.Errorf("%s answered %d times, want once (answers: %v)", u, got[u], got)
		}
	}
	select {
	case c := <-d.got:
		t.Errorf("an extra delivery: %+v", c.reply)
	case <-time.After(1500 * time.Millisecond):
	}
}

// TestDeliveredJobNotAnsweredAgain: a process that delivered a reply and
// died before acknowledging it leaves the job pending; the replica that
// claims it sees the delivered marker and only acknowledges it.
func TestDeliveredJobNotAnsweredAgain(t *testing.T) {
	t.Parallel()
	tenant, err := demo.Default(now)
	if err != nil {
		t.Fatal(err)
	}
	stores := redisStores(t, 1)
	st := stores[0]
	results := &results{done: make(chan string, 8)}
	alive := serviceOn(t, st, tenant, handlers.Config{ClaimAfter: 200 * time.Millisecond, Observer: results})
	d := newDeliverer()
	alive.Register(handlers.SurfaceSlack, d)

	// The dead process: it took the job and delivered the reply.
	job := prepare(t, alive, slackReq("adele@contoso.com", "", ""))
	payload, err := json.Marshal(map[string]any{"job": job, "route": []byte(route), "enqueued": time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Push(t.Context(), payload); err != nil {
		t.Fatal(err)
	}
	j, ok, err := st.Take(t.Context(), "dead-process", time.Hour, 0)
	if err != nil || !ok {
		t.Fatalf("Take = %v, %v", ok, err)
	}
	if first, err := st.Claim(t.Context(), "job:"+j.ID, time.Hour); err != nil || !first {
		t.Fatalf("marker claim = %v, %v", first, err)
	}
	// A second job, never taken, shows the live worker is running.
	if err := alive.Enqueue(t.Context(), prepare(t, alive, slackReq("megan@contoso.com", "", "")), []byte(route)); err != nil {
		t.Fatal(err)
	}
	work(t, alive)
	got := d.wait(t, 1)[0]
	if got.reply.Diagnosis == nil || !strings.EqualFold(got.reply.Diagnosis.Query.User, "megan@contoso.com") {
		t.Errorf("delivered %+v; want megan's diagnosis only", got.reply)
	}
	// The dead process's job is claimed, found answered, and acknowledged.
	var seen []string
	timeout := time.After(20 * time.Second)
	for !slices.Contains(seen, "duplicate") {
		select {
		case r := <-results.done:
			seen = append(seen, r)
		case <-timeout:
			t.Fatalf("job results %v; the dead process's job was never claimed", seen)
		}
	}
	if j, ok, err := st.Take(t.Context(), "probe", 0, 0); err != nil || ok {
		t.Errorf("after it was claimed, the delivered job is still queued: %q, %v, %v", j.Payload, ok, err)
	}
	select {
	case c := <-d.got:
		t.Errorf("the delivered job was answered again: %+v", c.reply)
	default:
	}
}

// slowSource answers after delay and counts its reads.
type slowSource struct {
	diagnosis.Source
	delay time.Duration
	reads atomic.Int32
}

func (s *slowSource) Snapshot(ctx context.Context, q diagnosis.Query) (diagnosis.Snapshot, error) {
	s.reads.Add(1)
	select {
	case <-time.After(s.delay):
	case <-ctx.Done():
		return diagnosis.Snapshot{}, ctx.Err()
	}
	return s.Source.Snapshot(ctx, q)
}

// TestLongJobNotTakenOver: a check that runs far longer than ClaimAfter
// (waiting in line for Graph) stays with the replica running it; the other
// replica, taking from the same queue, does not run it again.
func TestLongJobNotTakenOver(t *testing.T) {
	t.Parallel()
	tenant, err := demo.Default(now)
	if err != nil {
		t.Fatal(err)
	}
	stores := redisStores(t, 2)
	src := &slowSource{Source: tenant, delay: 1500 * time.Millisecond}
	cfg := handlers.Config{ClaimAfter: 300 * time.Millisecond}
	a, b := serviceOn(t, stores[0], src, cfg), serviceOn(t, stores[1], src, cfg)
	da, db := newDeliverer(), newDeliverer()
	a.Register(handlers.SurfaceSlack, da)
	b.Register(handlers.SurfaceSlack, db)
	if err := a.Enqueue(t.Context(), prepare(t, a, slackReq("adele@contoso.com", "", "")), []byte(route)); err != nil {
		t.Fatal(err)
	}
	work(t, a)
	work(t, b)
	var got []delivery
	timeout := time.After(10 * time.Second)
	for len(got) == 0 {
		select {
		case c := <-da.got:
			got = append(got, c)
		case c := <-db.got:
			got = append(got, c)
		case <-timeout:
			t.Fatal("the long job was never answered")
		}
	}
	select {
	case c := <-da.got:
		got = append(got, c)
	case c := <-db.got:
		got = append(got, c)
	case <-time.After(time.Second):
	}
	if n := src.reads.Load(); n != 1 || len(got) != 1 {
		t.Errorf("a job running 5× ClaimAfter was read %d times and answered %d times; want once each", n, len(got))
	}
}

package storetest

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/onboard-check/onboard-check/store"
)

// QueueCap is the queue cap Run expects: open must pass
// store.WithQueueCap(QueueCap).
const QueueCap = 8

// queueTests are Run's tests of the job queue.
var queueTests = []struct {
	name string
	test func(t *testing.T, s store.Store)
}{
	{"QueueOrder", testQueueOrder},
	{"QueueCap", testQueueCap},
	{"QueueWaits", testQueueWaits},
	{"QueueClaimsAbandoned", testQueueClaimsAbandoned},
	{"QueueHold", testQueueHold},
	{"QueueConcurrent", testQueueConcurrent},
}

func push(t *testing.T, s store.Store, payload string) int {
	t.Helper()
	n, err := s.Push(t.Context(), []byte(payload))
	if err != nil {
		t.Fatalf("Push(%s): %v", payload, err)
	}
	return n
}

func take(t *testing.T, s store.Store, consumer string, claimAfter time.Duration) (store.QueuedJob, bool) {
	t.Helper()
	j, ok, err := s.Take(t.Context(), consumer, claimAfter, 0)
	if err != nil {
		t.Fatalf("Take(%s): %v", consumer, err)
	}
	return j, ok
}

// testQueueOrder: jobs come out oldest first, each once, and an
// acknowledged job is gone.
func testQueueOrder(t *testing.T, s store.Store) {
	if _, ok := take(t, s, "a", time.Hour); ok {
		t.Fatal("Take on an empty queue returned a job")
	}
	for i, p := range []string{`{"n":1}`, `{"n":2}`, `{"n":3}`} {
		if n := push(t, s, p); n != i+1 {
			t.Errorf("Push #%d returned depth %d, want %d", i+1, n, i+1)
		}
	}
	var ids []string
	for _, want := range []string{`{"n":1}`, `{"n":2}`, `{"n":3}`} {
		j, ok := take(t, s, "a", time.Hour)
		if !ok || string(j.Payload) != want || j.ID == "" {
			t.Fatalf("Take = %q (id %q), %v; want %s", j.Payload, j.ID, ok, want)
		}
		ids = append(ids, j.ID)
	}
	if j, ok := take(t, s, "b", time.Hour); ok {
		t.Errorf("Take after every job was taken = %q; want none", j.Payload)
	}
	if n, err := s.Len(t.Context()); err != nil || n != 3 {
		t.Errorf("Len with three jobs taken = %d, %v; want 3", n, err)
	}
	for _, id := range ids {
		if err := s.Ack(t.Context(), id); err != nil {
			t.Fatalf("Ack(%s): %v", id, err)
		}
	}
	if n, err := s.Len(t.Context()); err != nil || n != 0 {
		t.Errorf("Len after every job was acknowledged = %d, %v; want 0", n, err)
	}
	if err := s.Ack(t.Context(), ids[0]); err != nil {
		t.Errorf("second Ack(%s) = %v, want nil", ids[0], err)
	}
	// Acknowledged jobs free their place and never come back.
	if n := push(t, s, `{"n":4}`); n != 1 {
		t.Errorf("depth after three acks and a push = %d, want 1", n)
	}
	// Not even once a claim would be due.
	claimAfter := ttl(s)
	elapse(s, 2*claimAfter)
	j, ok := take(t, s, "b", claimAfter)
	if !ok || string(j.Payload) != `{"n":4}` {
		t.Errorf("Take after acks = %q, %v; want only the new job", j.Payload, ok)
	}
}

// testQueueCap: the queue refuses beyond its cap, counting jobs taken but
// not acknowledged.
func testQueueCap(t *testing.T, s store.Store) {
	for i := range QueueCap {
		push(t, s, fmt.Sprint(i))
	}
	j, _ := take(t, s, "a", time.Hour)
	if n, err := s.Push(t.Context(), []byte("over")); !errors.Is(err, store.ErrQueueFull) {
		t.Fatalf("Push beyond the cap of %d = %d, %v; want ErrQueueFull "+
			"(open must configure store.WithQueueCap(storetest.QueueCap))", QueueCap, n, err)
	}
	if err := s.Ack(t.Context(), j.ID); err != nil {
		t.Fatal(err)
	}
	if n := push(t, s, "fits"); n != QueueCap {
		t.Errorf("Push after an Ack at the cap = depth %d, want %d", n, QueueCap)
	}
}

// testQueueWaits: Take waits for a job pushed while it waits.
func testQueueWaits(t *testing.T, s store.Store) {
	got := make(chan store.QueuedJob, 1)
	errs := make(chan error, 1)
	go func() {
		j, ok, err := s.Take(t.Context(), "a", time.Hour, 10*time.Second)
		if err != nil || !ok {
			errs <- fmt.Errorf("waiting Take = %v, %v", ok, err)
			return
		}
		got <- j
	}()
	// Push until the waiting Take has one (it may start after the first push).
	push(t, s, "late")
	select {
	case j := <-got:
		if string(j.Payload) != "late" {
			t.Errorf("waiting Take = %q, want late", j.Payload)
		}
	case err := <-errs:
		t.Error(err)
	case <-time.After(15 * time.Second):
		t.Error("waiting Take did not return the job pushed meanwhile")
	}
	start := time.Now()
	if _, ok, err := s.Take(t.Context(), "a", time.Hour, 50*time.Millisecond); ok || err != nil {
		t.Errorf("Take on an empty queue = %v, %v; want none, nil", ok, err)
	}
	if waited := time.Since(start); waited < 40*time.Millisecond {
		t.Errorf("Take with block 50ms on an empty queue returned after %v", waited)
	}
}

// testQueueClaimsAbandoned: a job taken and never acknowledged goes to
// another consumer once claimAfter has passed, not before.
func testQueueClaimsAbandoned(t *testing.T, s store.Store) {
	claimAfter := ttl(s)
	push(t, s, "orphan")
	first, ok := take(t, s, "dead", claimAfter)
	if !ok {
		t.Fatal("Take returned no job")
	}
	if j, ok := take(t, s, "alive", claimAfter); ok {
		t.Fatalf("Take right after another consumer took the job = %q; want none until claimAfter", j.Payload)
	}
	// A consumer that leaves holding a job leaves it to be claimed.
	if err := s.Leave(t.Context(), "dead"); err != nil {
		t.Fatalf("Leave(dead): %v", err)
	}
	var again store.QueuedJob
	claimed := func() bool {
		j, ok := take(t, s, "alive", claimAfter)
		again = j
		return ok
	}
	if a, ok := s.(advancer); ok {
		a.Advance(claimAfter)
		claimed()
	} else if !poll(claimAfter+pollFor, claimed) {
		t.Fatalf("job abandoned for %v not claimed", claimAfter+pollFor)
	}
	if again.ID != first.ID || string(again.Payload) != "orphan" {
		t.Errorf("claimed %q (id %s); want the abandoned job %s", again.Payload, again.ID, first.ID)
	}
	if err := s.Ack(t.Context(), again.ID); err != nil {
		t.Fatal(err)
	}
	elapse(s, 2*claimAfter)
	if j, ok := take(t, s, "third", claimAfter); ok {
		t.Errorf("acknowledged job taken again: %q", j.Payload)
	}
	for _, c := range []string{"alive", "third", "never-seen"} {
		if err := s.Leave(t.Context(), c); err != nil {
			t.Errorf("Leave(%s): %v", c, err)
		}
	}
}

// testQueueHold: a job is claimed claimAfter after its consumer last took
// or held it; a hold by any other consumer changes nothing.
func testQueueHold(t *testing.T, s store.Store) {
	claimAfter := ttl(s)
	push(t, s, "long")
	j, ok := take(t, s, "busy", claimAfter)
	if !ok {
		t.Fatal("Take returned no job")
	}
	claim := func(consumer string) bool {
		t.Helper()
		got, ok := take(t, s, consumer, claimAfter)
		if ok && got.ID != j.ID {
			t.Fatalf("%s claimed %q (id %s); want the held job %s", consumer, got.Payload, got.ID, j.ID)
		}
		return ok
	}
	// A consumer that does not hold the job cannot keep it.
	elapse(s, claimAfter*6/10)
	if err := s.Hold(t.Context(), "stranger", j.ID); err != nil {
		t.Fatalf("Hold by a consumer that does not hold the job: %v", err)
	}
	// Sleeping only ever lasts longer, so on real time too the job has
	// been idle at least claimAfter*11/10 here.
	elapse(s, claimAfter/2)
	if !claim("other") {
		t.Fatal("a stranger's hold kept the job from being claimed")
	}
	// Its consumer keeps it: claimAfter counts from the last hold.
	elapse(s, claimAfter*6/10)
	if err := s.Hold(t.Context(), "other", j.ID); err != nil {
		t.Fatalf("Hold: %v", err)
	}
	elapse(s, claimAfter*6/10)
	if claim("third") {
		t.Fatalf("job taken %v after its consumer took it and %v after it held it; want none", claimAfter*12/10, claimAfter*6/10)
	}
	elapse(s, claimAfter/2)
	if !claim("third") {
		t.Fatal("held job not claimed once claimAfter passed since the hold")
	}
	if err := s.Ack(t.Context(), j.ID); err != nil {
		t.Fatal(err)
	}
	for _, c := range []string{"busy", "other", "third", "stranger"} {
		if err := s.Leave(t.Context(), c); err != nil {
			t.Errorf("Leave(%s): %v", c, err)
		}
	}
}

// testQueueConcurrent: consumers taking at once each get different jobs,
// and every job is taken once.
func testQueueConcurrent(t *testing.T, s store.Store) {
	var want []string
	for i := range QueueCap {
		p := fmt.Sprintf("job-%d", i)
		push(t, s, p)
		want = append(want, p)
	}
	var (
		mu  sync.Mutex
		got []string
		wg  sync.WaitGroup
	)
	for c := range 4 {
		wg.Go(func() {
			for {
				j, ok, err := s.Take(t.Context(), fmt.Sprint("c", c), time.Hour, 0)
				if err != nil {
					t.Errorf("Take: %v", err)
					return
				}
				if !ok {
					return
				}
				mu.Lock()
				got = append(got, string(j.Payload))
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("4 concurrent consumers took %v; want each of %v once", got, want)
	}
}

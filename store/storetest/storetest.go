package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/onboard-check/onboard-check/diagnosis"
	"github.com/onboard-check/onboard-check/store"
)

// AuditCap is the audit cap Run expects: open must pass
// store.WithAuditCap(AuditCap).
const AuditCap = 16

// realTTL is the lifetime Run gives entries it waits out on real time: short,
// but long enough that the checks made right after a write land before it.
const realTTL = 300 * time.Millisecond

// pollFor bounds how long past a real TTL Run waits for an entry to go.
const pollFor = 5 * time.Second

// RecordOptions compares records as a store keeps them: empty and nil slices
// alike, and without Finding's unexported ordering key.
func RecordOptions() cmp.Option {
	return cmp.Options{cmpopts.EquateEmpty(), cmpopts.IgnoreUnexported(diagnosis.Finding{})}
}

// Run holds the store open returns to the store contract. open is called once
// per subtest, which runs in parallel with the others, so it must return a
// store that shares no state with any other it returned (a fresh Memory, or
// Redis keys prefixed with t.Name()), configured with WithAuditCap(AuditCap),
// and clean up after it with t.Cleanup. A store returned as a Manual has its
// expiry tested on the manual clock; any other on real time.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	t.Helper()
	tests := []struct {
		name string
		test func(t *testing.T, s store.Store)
	}{
		{"ClaimOnce", testClaimOnce},
		{"ClaimExpires", testClaimExpires},
		{"ClaimConcurrent", testClaimConcurrent},
		{"RejectsBadTTL", testRejectsBadTTL},
		{"NotFound", testNotFound},
		{"SaveGet", testSaveGet},
		{"SaveReplaces", testSaveReplaces},
		{"SaveCopies", testSaveCopies},
		{"DiagnosisExpires", testDiagnosisExpires},
		{"ThreadLink", testThreadLink},
		{"ThreadExpires", testThreadExpires},
		{"LimiterCounts", testLimiterCounts},
		{"LimiterSlides", testLimiterSlides},
		{"LimiterConcurrent", testLimiterConcurrent},
		{"AuditOrder", testAuditOrder},
		{"AuditCap", testAuditCap},
		{"AuditConcurrent", testAuditConcurrent},
		{"AuditList", testAuditList},
		{"CacheMissHit", testCacheMissHit},
		{"CacheCopies", testCacheCopies},
		{"CacheExpires", testCacheExpires},
		{"Ping", testPing},
		{"CanceledContext", testCanceledContext},
		{"Closed", testClosed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.test(t, open(t))
		})
	}
}

// advancer is a store whose clock the suite can move (Manual).
type advancer interface{ Advance(time.Duration) }

// ttl is the lifetime to give an entry whose expiry a test checks.
func ttl(s store.Store) time.Duration {
	if _, ok := s.(advancer); ok {
		return time.Hour
	}
	return realTTL
}

// elapse lets d pass for s: on its manual clock, or on real time.
func elapse(s store.Store, d time.Duration) {
	if a, ok := s.(advancer); ok {
		a.Advance(d)
		return
	}
	time.Sleep(d)
}

// expires checks that an entry written just now with lifetime d is there
// until d has passed, and gone once it has. gone must not fail the test for
// an entry that is still there.
func expires(t *testing.T, s store.Store, d time.Duration, what string, gone func() bool) {
	t.Helper()
	if a, ok := s.(advancer); ok {
		a.Advance(d - time.Millisecond)
		if gone() {
			t.Errorf("%s gone 1ms before its TTL of %v", what, d)
		}
		a.Advance(time.Millisecond)
		if !gone() {
			t.Errorf("%s still there when its TTL of %v has passed", what, d)
		}
		return
	}
	if gone() {
		t.Errorf("%s gone right after it was written with a TTL of %v", what, d)
	}
	if !poll(d+pollFor, gone) {
		t.Errorf("%s still there %v after it was written with a TTL of %v", what, d+pollFor, d)
	}
}

// poll calls cond until it holds or within has passed, and reports whether it held.
func poll(within time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(10 * time.Millisecond)
	}
	return true
}

func testClaimOnce(t *testing.T, s store.Store) {
	ctx := t.Context()
	if first, err := s.Claim(ctx, "slack:Ev1", time.Hour); err != nil || !first {
		t.Fatalf("first Claim(slack:Ev1) = %v, %v, want true, nil", first, err)
	}
	if again, err := s.Claim(ctx, "slack:Ev1", time.Hour); err != nil || again {
		t.Errorf("second Claim(slack:Ev1) = %v, %v, want false, nil", again, err)
	}
	if other, err := s.Claim(ctx, "slack:Ev2", time.Hour); err != nil || !other {
		t.Errorf("Claim(slack:Ev2) after slack:Ev1 = %v, %v, want true, nil", other, err)
	}
}

func testClaimExpires(t *testing.T, s store.Store) {
	ctx := t.Context()
	d := ttl(s)
	if ok, err := s.Claim(ctx, "teams:act-1", d); err != nil || !ok {
		t.Fatalf("Claim(teams:act-1) = %v, %v, want true, nil", ok, err)
	}
	expires(t, s, d, "claim teams:act-1", func() bool {
		ok, err := s.Claim(ctx, "teams:act-1", d)
		if err != nil {
			t.Fatalf("Claim(teams:act-1) again: %v", err)
		}
		return ok
	})
}

func testClaimConcurrent(t *testing.T, s store.Store) {
	const workers = 64
	for _, key := range []string{"slack:EvRace1", "slack:EvRace2", "slack:C1:1700000000.000100"} {
		var wins sync.WaitGroup
		won := make(chan bool, workers)
		start := make(chan struct{})
		for range workers {
			wins.Go(func() {
				<-start
				ok, err := s.Claim(t.Context(), key, time.Hour)
				if err != nil {
					t.Errorf("Claim(%s): %v", key, err)
				}
				won <- ok
			})
		}
		close(start)
		wins.Wait()
		close(won)
		n := 0
		for ok := range won {
			if ok {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%d concurrent Claim(%s) calls: %d returned true, want exactly 1", workers, key, n)
		}
	}
}

func testRejectsBadTTL(t *testing.T, s store.Store) {
	ctx := t.Context()
	for _, d := range []time.Duration{0, -time.Second, 500 * time.Microsecond} {
		if ok, err := s.Claim(ctx, "bad-ttl", d); err == nil || ok {
			t.Errorf("Claim(ttl %v) = %v, %v, want false and an error", d, ok, err)
		}
		if err := s.Save(ctx, SampleRecord("bad-ttl", 1), d); err == nil {
			t.Errorf("Save(ttl %v) = nil, want an error", d)
		}
		if err := s.LinkThread(ctx, store.Thread{Surface: "slack", Channel: "C1", Thread: "1.2"}, "bad-ttl", d); err == nil {
			t.Errorf("LinkThread(ttl %v) = nil, want an error", d)
		}
		if err := s.SetBytes(ctx, "bad-ttl", []byte("x"), d); err == nil {
			t.Errorf("SetBytes(ttl %v) = nil, want an error", d)
		}
		if ok, err := s.Allow(ctx, "U1", 1, d); err == nil || ok {
			t.Errorf("Allow(window %v) = %v, %v, want false and an error", d, ok, err)
		}
	}
	for _, limit := range []int{0, -1} {
		if ok, err := s.Allow(ctx, "U1", limit, time.Minute); err == nil || ok {
			t.Errorf("Allow(limit %d) = %v, %v, want false and an error", limit, ok, err)
		}
	}
	if err := s.Save(ctx, SampleRecord("", 1), time.Hour); err == nil {
		t.Errorf("Save(record without id) = nil, want an error")
	}
	// Nothing was kept by the rejected calls.
	if ok, err := s.Claim(ctx, "bad-ttl", time.Hour); err != nil || !ok {
		t.Errorf("Claim(bad-ttl) after rejected claims = %v, %v, want true, nil", ok, err)
	}
	if _, err := s.Get(ctx, "bad-ttl"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Get(bad-ttl) after rejected saves: err = %v, want ErrNotFound", err)
	}
	if _, ok, err := s.Bytes(ctx, "bad-ttl"); err != nil || ok {
		t.Errorf("Bytes(bad-ttl) after rejected sets: ok = %v, err = %v, want a miss", ok, err)
	}
	if ok, err := s.Allow(ctx, "U1", 1, time.Minute); err != nil || !ok {
		t.Errorf("Allow(U1, 1, 1m) after rejected calls = %v, %v, want true, nil", ok, err)
	}
}

func testNotFound(t *testing.T, s store.Store) {
	ctx := t.Context()
	if r, err := s.Get(ctx, "no-such-id"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Get(no-such-id) = record %q, %v, want ErrNotFound", r.ID, err)
	}
	if r, err := s.Get(ctx, ""); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Get(\"\") = record %q, %v, want ErrNotFound", r.ID, err)
	}
	th := store.Thread{Surface: "slack", Channel: "C0123", Thread: "1700000000.000100"}
	if id, err := s.ThreadDiagnosis(ctx, th); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("ThreadDiagnosis(%v) = %q, %v, want ErrNotFound", th, id, err)
	}
}

func testSaveGet(t *testing.T, s store.Store) {
	ctx := t.Context()
	want := SampleRecord("d-savget", 3)
	if err := s.Save(ctx, SampleRecord("d-savget", 3), time.Hour); err != nil {
		t.Fatalf("Save: %v", err)
	}
	got, err := s.Get(ctx, "d-savget")
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	if d := cmp.Diff(want, got, RecordOptions()); d != "" {
		t.Errorf("Get after Save differs (-saved +got):\n%s", d)
	}
	// Warnings keep what the engine needs to render them again.
	if w := got.Snapshot.Warnings; len(w) != 1 || w[0].Reason == "" || len(w[0].Args) == 0 {
		t.Errorf("Get: snapshot warnings = %+v, want Reason and Args kept", w)
	}
}

func testSaveReplaces(t *testing.T, s store.Store) {
	ctx := t.Context()
	first := SampleRecord("d-replace", 1)
	second := SampleRecord("d-replace", 2)
	second.Lang = "en"
	for _, r := range []store.Record{first, second} {
		if err := s.Save(ctx, r, time.Hour); err != nil {
			t.Fatalf("Save: %v", err)
		}
	}
	got, err := s.Get(ctx, "d-replace")
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	if d := cmp.Diff(second, got, RecordOptions()); d != "" {
		t.Errorf("Get after two Saves differs from the second (-second +got):\n%s", d)
	}
}

func testSaveCopies(t *testing.T, s store.Store) {
	ctx := t.Context()
	want := SampleRecord("d-copy", 2)
	r := SampleRecord("d-copy", 2)
	if err := s.Save(ctx, r, time.Hour); err != nil {
		t.Fatalf("Save: %v", err)
	}
	mutate := func(r *store.Record) {
		r.Snapshot.User.DisplayName = "changed"
		r.Snapshot.SignIns[0].AppDisplayName = "changed"
		r.Snapshot.SignIns[0].EventTypes[0] = "changed"
		r.Snapshot.Policies[0].Grant.BuiltInControls[0] = "changed"
		r.Snapshot.Warnings[0].Args["count"] = "changed"
		r.Diagnosis.User.DisplayName = "changed"
		r.Diagnosis.Findings[0].Remediation[0] = "changed"
		r.Diagnosis.Findings[0].App.DisplayName = "changed"
		r.Diagnosis.Warnings[0].Args["count"] = "changed"
	}
	mutate(&r)
	got, err := s.Get(ctx, "d-copy")
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	if d := cmp.Diff(want, got, RecordOptions()); d != "" {
		t.Errorf("changing the saved value changed the stored record (-saved +got):\n%s", d)
	}
	mutate(&got)
	again, err := s.Get(ctx, "d-copy")
	if err != nil {
		t.Fatalf("Get again: %v", err)
	}
	if d := cmp.Diff(want, again, RecordOptions()); d != "" {
		t.Errorf("changing a returned record changed the stored record (-saved +got):\n%s", d)
	}
}

func testDiagnosisExpires(t *testing.T, s store.Store) {
	ctx := t.Context()
	d := ttl(s)
	if err := s.Save(ctx, SampleRecord("d-expire", 1), d); err != nil {
		t.Fatalf("Save: %v", err)
	}
	expires(t, s, d, "diagnosis d-expire", func() bool {
		_, err := s.Get(ctx, "d-expire")
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("Get(d-expire): %v", err)
		}
		return err != nil
	})
}

func testThreadLink(t *testing.T, s store.Store) {
	ctx := t.Context()
	th := store.Thread{Surface: "slack", Channel: "C0123", Thread: "1700000000.000100"}
	if err := s.LinkThread(ctx, th, "d-1", time.Hour); err != nil {
		t.Fatalf("LinkThread: %v", err)
	}
	if id, err := s.ThreadDiagnosis(ctx, th); err != nil || id != "d-1" {
		t.Errorf("ThreadDiagnosis(%v) = %q, %v, want d-1", th, id, err)
	}
	for _, other := range []store.Thread{
		{Surface: "slack", Channel: "C0123", Thread: "1700000000.000200"},
		{Surface: "slack", Channel: "C9999", Thread: "1700000000.000100"},
		{Surface: "teams", Channel: "C0123", Thread: "1700000000.000100"},
	} {
		if id, err := s.ThreadDiagnosis(ctx, other); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("ThreadDiagnosis(%v) = %q, %v, want ErrNotFound", other, id, err)
		}
	}
	if err := s.LinkThread(ctx, th, "d-2", time.Hour); err != nil {
		t.Fatalf("LinkThread again: %v", err)
	}
	if id, err := s.ThreadDiagnosis(ctx, th); err != nil || id != "d-2" {
		t.Errorf("ThreadDiagnosis(%v) after relinking = %q, %v, want d-2", th, id, err)
	}

	// Teams conversation ids hold colons; the parts of a thread never run together.
	a := store.Thread{Surface: "teams", Channel: "19:abc@thread.tacv2", Thread: "1712"}
	b := store.Thread{Surface: "teams", Channel: "19", Thread: "abc@thread.tacv2:1712"}
	if err := s.LinkThread(ctx, a, "d-a", time.Hour); err != nil {
		t.Fatalf("LinkThread(%v): %v", a, err)
	}
	if id, err := s.ThreadDiagnosis(ctx, b); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("ThreadDiagnosis(%v) = %q, %v, want ErrNotFound (only %v is linked)", b, id, err, a)
	}
	if id, err := s.ThreadDiagnosis(ctx, a); err != nil || id != "d-a" {
		t.Errorf("ThreadDiagnosis(%v) = %q, %v, want d-a", a, id, err)
	}
}

func testThreadExpires(t *testing.T, s store.Store) {
	ctx := t.Context()
	d := ttl(s)
	th := store.Thread{Surface: "teams", Channel: "19:abc@thread.tacv2", Thread: "1712000000000"}
	if err := s.LinkThread(ctx, th, "d-1", d); err != nil {
		t.Fatalf("LinkThread: %v", err)
	}
	expires(t, s, d, "thread link", func() bool {
		_, err := s.ThreadDiagnosis(ctx, th)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("ThreadDiagnosis: %v", err)
		}
		return err != nil
	})
}

// allow calls s.Allow and fails the test on an error.
func allow(t *testing.T, s store.Store, key string, limit int, window time.Duration) bool {
	t.Helper()
	ok, err := s.Allow(t.Context(), key, limit, window)
	if err != nil {
		t.Fatalf("Allow(%s, %d, %v): %v", key, limit, window, err)
	}
	return ok
}

func testLimiterCounts(t *testing.T, s store.Store) {
	for i := range 3 {
		if !allow(t, s, "slack:U1", 3, time.Hour) {
			t.Fatalf("Allow(slack:U1, 3, 1h) #%d = false, want true", i+1)
		}
	}
	if allow(t, s, "slack:U1", 3, time.Hour) {
		t.Errorf("Allow(slack:U1, 3, 1h) #4 = true, want false")
	}
	if allow(t, s, "slack:U1", 3, time.Hour) {
		t.Errorf("Allow(slack:U1, 3, 1h) #5 = true, want false")
	}
	if !allow(t, s, "slack:U2", 3, time.Hour) {
		t.Errorf("Allow(slack:U2, 3, 1h) = false, want true (another requester)")
	}
	if !allow(t, s, "slack:U1", 3, 24*time.Hour) {
		t.Errorf("Allow(slack:U1, 3, 24h) = false, want true (another window counts apart)")
	}
}

// testLimiterSlides tells a sliding window from a fixed one: one window after
// the first event, only that event has left it.
func testLimiterSlides(t *testing.T, s store.Store) {
	w := time.Minute
	if _, ok := s.(advancer); !ok {
		w = 2 * realTTL
	}
	const key = "teams:aad-1"
	if !allow(t, s, key, 2, w) {
		t.Fatalf("first Allow = false, want true")
	}
	elapse(s, w/2)
	if !allow(t, s, key, 2, w) {
		t.Fatalf("second Allow, half a window later = false, want true")
	}
	if allow(t, s, key, 2, w) {
		t.Fatalf("third Allow within the window = true, want false")
	}
	if a, ok := s.(advancer); ok {
		a.Advance(w/2 - time.Millisecond)
		if allow(t, s, key, 2, w) {
			t.Fatalf("Allow 1ms before the first event leaves the window = true, want false")
		}
		a.Advance(time.Millisecond)
		if !allow(t, s, key, 2, w) {
			t.Fatalf("Allow once the first event has left the window = false, want true")
		}
	} else if !poll(w+pollFor, func() bool { return allow(t, s, key, 2, w) }) {
		t.Fatalf("Allow still false %v after the first event", w+pollFor)
	}
	if allow(t, s, key, 2, w) {
		t.Errorf("Allow right after the first event left the window = true, want false " +
			"(the second event is still in it: a sliding window, not a fixed one)")
	}
}

func testLimiterConcurrent(t *testing.T, s store.Store) {
	const workers, limit = 40, 7
	var wg sync.WaitGroup
	var mu sync.Mutex
	allowed := 0
	for range workers {
		wg.Go(func() {
			ok, err := s.Allow(t.Context(), "slack:U-race", limit, time.Hour)
			if err != nil {
				t.Errorf("Allow: %v", err)
			}
			if ok {
				mu.Lock()
				allowed++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if allowed != limit {
		t.Errorf("%d concurrent Allow(limit %d) calls allowed %d, want %d", workers, limit, allowed, limit)
	}
}

// entry is an audit entry told apart by its target and time.
func entry(i int) store.AuditEntry {
	return store.AuditEntry{
		Time:         time.Date(2025, 3, 14, 9, 0, i, 0, time.UTC),
		Surface:      "slack",
		Requester:    "U024BE7LH",
		Conversation: "C0123",
		Target:       fmt.Sprintf("user%02d@contoso.com", i),
		Verdict:      string(diagnosis.VerdictBlocked),
		DiagnosisID:  fmt.Sprintf("d-%02d", i),
	}
}

func recent(t *testing.T, s store.Store, n int) []store.AuditEntry {
	t.Helper()
	got, err := s.Recent(t.Context(), n)
	if err != nil {
		t.Fatalf("Recent(%d): %v", n, err)
	}
	return got
}

func testAuditOrder(t *testing.T, s store.Store) {
	ctx := t.Context()
	if got := recent(t, s, 10); len(got) != 0 {
		t.Errorf("Recent(10) on an empty log = %v, want none", got)
	}
	for i := range 3 {
		if err := s.Append(ctx, entry(i)); err != nil {
			t.Fatalf("Append: %v", err)
		}
	}
	for _, tc := range []struct {
		n    int
		want []store.AuditEntry
	}{
		{10, []store.AuditEntry{entry(2), entry(1), entry(0)}},
		{2, []store.AuditEntry{entry(2), entry(1)}},
		{0, nil},
		{-1, nil},
	} {
		if d := cmp.Diff(tc.want, recent(t, s, tc.n), cmpopts.EquateEmpty()); d != "" {
			t.Errorf("Recent(%d) differs, newest first (-want +got):\n%s", tc.n, d)
		}
	}

	noTime := entry(3)
	noTime.Time = time.Time{}
	if err := s.Append(ctx, noTime); err != nil {
		t.Fatalf("Append(zero time): %v", err)
	}
	got := recent(t, s, 1)
	if len(got) != 1 || got[0].Target != noTime.Target || got[0].Time.IsZero() {
		t.Errorf("Recent(1) after Append(zero time) = %+v, want it with the time filled in", got)
	}
}

func testAuditCap(t *testing.T, s store.Store) {
	for i := range AuditCap + 3 {
		if err := s.Append(t.Context(), entry(i)); err != nil {
			t.Fatalf("Append #%d: %v", i, err)
		}
	}
	got := recent(t, s, 2*AuditCap)
	if len(got) != AuditCap {
		t.Fatalf("Recent(%d) after %d appends returned %d entries, want the cap, %d "+
			"(open must configure store.WithAuditCap(storetest.AuditCap))", 2*AuditCap, AuditCap+3, len(got), AuditCap)
	}
	var want []store.AuditEntry
	for i := AuditCap + 2; i >= 3; i-- {
		want = append(want, entry(i))
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("Recent keeps the wrong entries, want the newest %d, newest first (-want +got):\n%s", AuditCap, d)
	}
}

func testAuditConcurrent(t *testing.T, s store.Store) {
	var wg sync.WaitGroup
	for i := range AuditCap {
		wg.Go(func() {
			if err := s.Append(t.Context(), entry(i)); err != nil {
				t.Errorf("Append: %v", err)
			}
		})
	}
	wg.Wait()
	var got []string
	for _, e := range recent(t, s, AuditCap) {
		got = append(got, e.Target)
	}
	slices.Sort(got)
	var want []string
	for i := range AuditCap {
		want = append(want, entry(i).Target)
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("%d concurrent appends, within the cap: entries lost or doubled (-want +got):\n%s", AuditCap, d)
	}
}

// testAuditList filters the log as bot audit does: by time, requester and
// account (UPN or object id, any case), newest first, up to a limit.
func testAuditList(t *testing.T, s store.Store) {
	ctx := t.Context()
	base := time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC)
	var all []store.AuditEntry
	for i := range 10 {
		e := store.AuditEntry{
			Time: base.Add(time.Duration(i) * time.Minute), Surface: "slack", Requester: []string{"U1", "U2"}[i%2],
			Conversation: "C0123/1700000000.000100", Action: []string{"check", "details", "button.recheck"}[i%3],
			Target: []string{"adele@contoso.com", "megan@contoso.com"}[i/5], TargetID: []string{"id-adele", "id-megan"}[i/5],
		}
		if i == 9 {
			e.Verdict, e.Refusal, e.TargetID = "", "foreign_team", ""
		} else {
			e.Verdict = string(diagnosis.VerdictBlocked)
		}
		if err := s.Append(ctx, e); err != nil {
			t.Fatalf("Append #%d: %v", i, err)
		}
		all = append(all, e)
	}
	pick := func(idx ...int) []store.AuditEntry {
		out := []store.AuditEntry{}
		for _, i := range idx {
			out = append(out, all[i])
		}
		return out
	}
	for _, tc := range []struct {
		name string
		f    store.AuditFilter
		want []store.AuditEntry
	}{
		{"everything", store.AuditFilter{}, pick(9, 8, 7, 6, 5, 4, 3, 2, 1, 0)},
		{"limit", store.AuditFilter{Limit: 3}, pick(9, 8, 7)},
		{"since", store.AuditFilter{Since: base.Add(7 * time.Minute)}, pick(9, 8, 7)},
		{"requester", store.AuditFilter{Requester: "U2"}, pick(9, 7, 5, 3, 1)},
		{"user by UPN, any case", store.AuditFilter{User: "Adele@Contoso.com"}, pick(4, 3, 2, 1, 0)},
		{"user by object id", store.AuditFilter{User: "id-megan"}, pick(8, 7, 6, 5)},
		{"all filters", store.AuditFilter{Since: base.Add(2 * time.Minute), Requester: "U1", User: "adele@contoso.com", Limit: 1}, pick(4)},
		{"nothing matches", store.AuditFilter{Requester: "U3"}, nil},
	} {
		got, err := s.List(ctx, tc.f)
		if err != nil {
			t.Fatalf("%s: List(%+v): %v", tc.name, tc.f, err)
		}
		if d := cmp.Diff(tc.want, got, cmpopts.EquateEmpty()); d != "" {
			t.Errorf("%s: List(%+v) differs (-want +got):\n%s", tc.name, tc.f, d)
		}
	}
}

func bytesOf(t *testing.T, s store.Store, key string) ([]byte, bool) {
	t.Helper()
	b, ok, err := s.Bytes(t.Context(), key)
	if err != nil {
		t.Fatalf("Bytes(%s): %v", key, err)
	}
	return b, ok
}

func testCacheMissHit(t *testing.T, s store.Store) {
	ctx := t.Context()
	if b, ok := bytesOf(t, s, "policies"); ok || b != nil {
		t.Errorf("Bytes(policies) before SetBytes = %q, %v, want nil, false", b, ok)
	}
	want := []byte(`{"value":[{"id":"ca010"}]}`)
	if err := s.SetBytes(ctx, "policies", want, time.Hour); err != nil {
		t.Fatalf("SetBytes: %v", err)
	}
	if b, ok := bytesOf(t, s, "policies"); !ok || string(b) != string(want) {
		t.Errorf("Bytes(policies) = %q, %v, want %q, true", b, ok, want)
	}
	if err := s.SetBytes(ctx, "policies", []byte("v2"), time.Hour); err != nil {
		t.Fatalf("SetBytes again: %v", err)
	}
	if b, ok := bytesOf(t, s, "policies"); !ok || string(b) != "v2" {
		t.Errorf("Bytes(policies) after overwrite = %q, %v, want v2, true", b, ok)
	}
	for _, empty := range [][]byte{{}, nil} {
		if err := s.SetBytes(ctx, "empty", empty, time.Hour); err != nil {
			t.Fatalf("SetBytes(empty): %v", err)
		}
		if b, ok := bytesOf(t, s, "empty"); !ok || len(b) != 0 {
			t.Errorf("Bytes(empty) = %q, %v, want an empty hit", b, ok)
		}
	}
	if b, ok := bytesOf(t, s, "namedLocations"); ok {
		t.Errorf("Bytes(namedLocations) = %q, true, want a miss (another key)", b)
	}
}

func testCacheCopies(t *testing.T, s store.Store) {
	in := []byte("policies-v1")
	if err := s.SetBytes(t.Context(), "k", in, time.Hour); err != nil {
		t.Fatalf("SetBytes: %v", err)
	}
	in[0] = 'X'
	out, _ := bytesOf(t, s, "k")
	if string(out) != "policies-v1" {
		t.Fatalf("Bytes after changing the slice passed to SetBytes = %q, want policies-v1", out)
	}
	out[0] = 'Y'
	if again, _ := bytesOf(t, s, "k"); string(again) != "policies-v1" {
		t.Errorf("Bytes after changing a returned slice = %q, want policies-v1", again)
	}
}

func testCacheExpires(t *testing.T, s store.Store) {
	d := ttl(s)
	if err := s.SetBytes(t.Context(), "policies", []byte("v1"), d); err != nil {
		t.Fatalf("SetBytes: %v", err)
	}
	expires(t, s, d, "cache entry", func() bool {
		_, ok := bytesOf(t, s, "policies")
		return !ok
	})
}

func testPing(t *testing.T, s store.Store) {
	if err := s.Ping(t.Context()); err != nil {
		t.Errorf("Ping = %v, want nil", err)
	}
}

func testCanceledContext(t *testing.T, s store.Store) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	th := store.Thread{Surface: "slack", Channel: "C1", Thread: "1.2"}
	calls := map[string]func() error{
		"Claim": func() error { _, err := s.Claim(ctx, "k", time.Hour); return err },
		"Save":  func() error { return s.Save(ctx, SampleRecord("d-1", 1), time.Hour) },
		"Get":   func() error { _, err := s.Get(ctx, "d-1"); return err },
		"LinkThread": func() error {
			return s.LinkThread(ctx, th, "d-1", time.Hour)
		},
		"ThreadDiagnosis": func() error { _, err := s.ThreadDiagnosis(ctx, th); return err },
		"Allow":           func() error { _, err := s.Allow(ctx, "U1", 1, time.Minute); return err },
		"Append":          func() error { return s.Append(ctx, entry(1)) },
		"Recent":          func() error { _, err := s.Recent(ctx, 1); return err },
		"List":            func() error { _, err := s.List(ctx, store.AuditFilter{}); return err },
		"Bytes":           func() error { _, _, err := s.Bytes(ctx, "k"); return err },
		"SetBytes":        func() error { return s.SetBytes(ctx, "k", []byte("v"), time.Hour) },
		"Ping":            func() error { return s.Ping(ctx) },
	}
	for name, call := range calls {
		if err := call(); !errors.Is(err, context.Canceled) {
			t.Errorf("%s with a canceled context = %v, want an error wrapping context.Canceled", name, err)
		}
	}
	// Nothing was written.
	if ok, err := s.Claim(t.Context(), "k", time.Hour); err != nil || !ok {
		t.Errorf("Claim(k) after a canceled Claim = %v, %v, want true, nil", ok, err)
	}
}

func testClosed(t *testing.T, s store.Store) {
	if err := s.Close(); err != nil {
		t.Fatalf("Close = %v, want nil", err)
	}
	if err := s.Ping(t.Context()); err == nil {
		t.Errorf("Ping after Close = nil, want an error")
	}
	if ok, err := s.Claim(t.Context(), "k", time.Hour); err == nil || ok {
		t.Errorf("Claim after Close = %v, %v, want false and an error", ok, err)
	}
}

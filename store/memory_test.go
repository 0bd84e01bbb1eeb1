package store_test

import (
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/onboard-check/onboard-check/store"
	"github.com/onboard-check/onboard-check/store/storetest"
)

func TestMemory(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) store.Store {
		c := storetest.NewClock(time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC))
		s := store.NewMemory(c.Now, store.WithAuditCap(storetest.AuditCap), store.WithQueueCap(storetest.QueueCap))
		t.Cleanup(func() { _ = s.Close() })
		return storetest.Manual{Store: s, Clock: c}
	})
}

func TestMemoryNilClockIsTimeNow(t *testing.T) {
	t.Parallel()
	s := store.NewMemory(nil)
	defer s.Close()
	if ok, err := s.Claim(t.Context(), "k", time.Hour); err != nil || !ok {
		t.Fatalf("Claim = %v, %v, want true, nil", ok, err)
	}
	if ok, err := s.Claim(t.Context(), "k", time.Hour); err != nil || ok {
		t.Errorf("second Claim = %v, %v, want false, nil", ok, err)
	}
	if err := s.Append(t.Context(), store.AuditEntry{Target: "a@contoso.com"}); err != nil {
		t.Fatalf("Append: %v", err)
	}
	got, err := s.Recent(t.Context(), 1)
	if err != nil || len(got) != 1 || time.Since(got[0].Time) > time.Minute {
		t.Errorf("Recent(1) = %+v, %v, want one entry stamped about now", got, err)
	}
}

// TestMemoryBudgetPaces runs 20 checks against Graph's sign-in budget (5
// per 10 s) on a fake clock: each reserves, waits what it was told, then
// reads. No 10 s window holds more than 5 reads, and none waits longer
// than its turn.
func TestMemoryBudgetPaces(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		s := store.NewMemory(nil)
		defer s.Close()
		const limit, period, checks = 5, 10 * time.Second, 20
		start := time.Now()
		var (
			mu    sync.Mutex
			reads []time.Duration
			wg    sync.WaitGroup
		)
		for range checks {
			wg.Go(func() {
				wait, err := s.Reserve(t.Context(), "signins:tenant", limit, period)
				if err != nil {
					t.Errorf("Reserve: %v", err)
					return
				}
				time.Sleep(wait)
				mu.Lock()
				reads = append(reads, time.Since(start))
				mu.Unlock()
			})
		}
		wg.Wait()
		slices.Sort(reads)
		for i := limit; i < len(reads); i++ {
			if reads[i]-reads[i-limit] < period {
				t.Fatalf("reads at %v: %d fall within %v", reads, limit+1, period)
			}
		}
		if last, want := reads[len(reads)-1], time.Duration(checks/limit-1)*period; last != want {
			t.Errorf("the last of %d reads came at %v, want %v (no slot wasted)", checks, last, want)
		}
	})
}

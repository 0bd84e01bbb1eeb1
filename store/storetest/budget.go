package storetest

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/onboard-check/onboard-check/store"
)

// budgetTests are Run's tests of the shared Graph budget.
var budgetTests = []struct {
	name string
	test func(t *testing.T, s store.Store)
}{
	{"BudgetSpaces", testBudgetSpaces},
	{"BudgetSlides", testBudgetSlides},
	{"BudgetKeysApart", testBudgetKeysApart},
	{"BudgetConcurrent", testBudgetConcurrent},
	{"BudgetRejectsBadArgs", testBudgetRejectsBadArgs},
}

// budgetPeriod is a period long enough that a real clock barely moves
// during a test, and slack what it may move.
func budgetPeriod(s store.Store) (period, slack time.Duration) {
	if _, ok := s.(advancer); ok {
		return 10 * time.Second, 0
	}
	return 10 * time.Second, time.Second
}

func reserve(t *testing.T, s store.Store, key string, limit int, period time.Duration) time.Duration {
	t.Helper()
	w, err := s.Reserve(t.Context(), key, limit, period)
	if err != nil {
		t.Fatalf("Reserve(%s, %d, %v): %v", key, limit, period, err)
	}
	return w
}

// near reports whether got is want, or at most slack less (time passed).
func near(got, want, slack time.Duration) bool { return got <= want && got >= want-slack }

// testBudgetSpaces: Graph's sign-in budget, 5 per 10 s: five go at once,
// the next five one period later, the next five two periods later.
func testBudgetSpaces(t *testing.T, s store.Store) {
	period, slack := budgetPeriod(s)
	for i := range 15 {
		want := time.Duration(i/5) * period
		if got := reserve(t, s, "signins:tenant-a", 5, period); !near(got, want, slack) {
			t.Errorf("reservation #%d of 5 per %v waits %v, want %v", i+1, period, got, want)
		}
	}
}

// testBudgetSlides: once a period has passed, slots are free again.
func testBudgetSlides(t *testing.T, s store.Store) {
	if _, ok := s.(advancer); !ok {
		t.Skip("needs a store on a manual clock; the real-time path is covered by BudgetSpaces")
	}
	period, _ := budgetPeriod(s)
	for range 2 {
		reserve(t, s, "policies:tenant-a", 2, period)
	}
	elapse(s, period/2)
	if got := reserve(t, s, "policies:tenant-a", 2, period); got != period/2 {
		t.Errorf("third reservation half a period after two = wait %v, want %v", got, period/2)
	}
	elapse(s, 2*period)
	if got := reserve(t, s, "policies:tenant-a", 2, period); got != 0 {
		t.Errorf("reservation two periods later = wait %v, want 0", got)
	}
}

// testBudgetKeysApart: tenants and periods do not share budgets.
func testBudgetKeysApart(t *testing.T, s store.Store) {
	period, _ := budgetPeriod(s)
	reserve(t, s, "signins:tenant-a", 1, period)
	if got := reserve(t, s, "signins:tenant-b", 1, period); got != 0 {
		t.Errorf("another tenant's first reservation waits %v, want 0", got)
	}
	if got := reserve(t, s, "signins:tenant-a", 1, 2*period); got != 0 {
		t.Errorf("the same key with another period waits %v, want 0", got)
	}
}

// testBudgetConcurrent: replicas reserving at once get distinct slots:
// exactly limit go at once, exactly limit one period later.
func testBudgetConcurrent(t *testing.T, s store.Store) {
	period, slack := budgetPeriod(s)
	const limit = 4
	var (
		mu    sync.Mutex
		waits []time.Duration
		wg    sync.WaitGroup
	)
	for range 2 * limit {
		wg.Go(func() {
			w, err := s.Reserve(t.Context(), "signins:tenant-c", limit, period)
			if err != nil {
				t.Errorf("Reserve: %v", err)
				return
			}
			mu.Lock()
			waits = append(waits, w)
			mu.Unlock()
		})
	}
	wg.Wait()
	slices.Sort(waits)
	for i, w := range waits {
		want := time.Duration(i/limit) * period
		if !near(w, want, slack) {
			t.Errorf("%d concurrent reservations of %d per %v waited %v; want %d at once and %d a period later",
				2*limit, limit, period, waits, limit, limit)
			break
		}
	}
}

func testBudgetRejectsBadArgs(t *testing.T, s store.Store) {
	for _, tc := range []struct {
		limit  int
		period time.Duration
	}{{0, time.Second}, {-1, time.Second}, {1, 0}, {1, time.Microsecond}} {
		if _, err := s.Reserve(t.Context(), "k", tc.limit, tc.period); err == nil {
			t.Errorf("Reserve(limit %d, period %v) = nil error, want one", tc.limit, tc.period)
		}
	}
}

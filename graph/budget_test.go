package graph

import (
	"net/http"
	"testing"
	"testing/synctest"
	"time"
)

// The in-process budget books Graph's 5 sign-in reads per 10 s: five at
// once, the next ones each a window later, and it never refuses.
func TestLocalBudget(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newLocalBudget()
		var waits []time.Duration
		for range 12 {
			w, err := b.Reserve(t.Context(), "signIns", 5, 10*time.Second)
			if err != nil {
				t.Fatalf("Reserve: %v", err)
			}
			waits = append(waits, w)
		}
		want := []time.Duration{0, 0, 0, 0, 0, 10 * time.Second, 10 * time.Second, 10 * time.Second, 10 * time.Second, 10 * time.Second, 20 * time.Second, 20 * time.Second}
		for i := range want {
			if waits[i] != want[i] {
				t.Errorf("reservation %d waits %s, want %s", i, waits[i], want[i])
			}
		}
		time.Sleep(31 * time.Second) // every booking is in the past now
		if w, _ := b.Reserve(t.Context(), "signIns", 5, 10*time.Second); w != 0 {
			t.Errorf("after the windows passed: wait %s, want 0", w)
		}
		if w, _ := b.Reserve(t.Context(), "caPolicies", 1, time.Second); w != 0 {
			t.Errorf("another key waits %s, want 0", w)
		}
	})
}

func TestRetryAfter(t *testing.T) {
	t.Parallel()
	tests := []struct {
		header  string
		attempt int
		want    time.Duration
	}{
		{"2.128", 0, 2128 * time.Millisecond},
		{"7", 0, 7 * time.Second},
		{"0", 0, 0},
		{"120", 0, maxBackoff},
		{"", 0, time.Second},
		{"", 2, 4 * time.Second},
		{"NaN", 1, 2 * time.Second},
		{"-3", 0, time.Second},
	}
	for _, tt := range tests {
		h := http.Header{}
		if tt.header != "" {
			h.Set("Retry-After", tt.header)
		}
		if got := retryAfter(h, tt.attempt); got != tt.want {
			t.Errorf("retryAfter(%q, %d) = %s, want %s", tt.header, tt.attempt, got, tt.want)
		}
	}
}

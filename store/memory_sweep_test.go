package store

import (
	"fmt"
	"testing"
	"time"
)

// TestMemorySweepsExpired checks what no caller can observe through the API:
// expired dedup keys and rate logs are dropped, not kept forever.
func TestMemorySweepsExpired(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC)
	m := NewMemory(func() time.Time { return now })
	ctx := t.Context()
	for i := range 1000 {
		if _, err := m.Claim(ctx, fmt.Sprintf("slack:Ev%d", i), time.Second); err != nil {
			t.Fatal(err)
		}
		if _, err := m.Allow(ctx, fmt.Sprintf("slack:U%d", i), 5, time.Second); err != nil {
			t.Fatal(err)
		}
	}
	now = now.Add(sweepEvery)
	if _, err := m.Claim(ctx, "slack:EvLast", time.Hour); err != nil {
		t.Fatal(err)
	}
	if len(m.values) != 1 || len(m.rates) != 0 {
		t.Errorf("after a sweep: %d values, %d rate logs, want 1, 0", len(m.values), len(m.rates))
	}
}

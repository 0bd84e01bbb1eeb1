package store_test

import (
	"testing"
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

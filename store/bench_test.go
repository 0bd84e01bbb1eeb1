package store_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/onboard-check/onboard-check/store"
	"github.com/onboard-check/onboard-check/store/storetest"
)

// benchStores runs bench on a Memory and on a Redis store (skipped, or failed
// under CI=true, without a server).
func benchStores(b *testing.B, bench func(b *testing.B, s store.Store)) {
	b.Run("Memory", func(b *testing.B) {
		s := store.NewMemory(nil)
		defer s.Close()
		bench(b, s)
	})
	b.Run("Redis", func(b *testing.B) {
		s, _, _ := openRedis(b)
		bench(b, s)
	})
}

func BenchmarkClaim(b *testing.B) {
	benchStores(b, func(b *testing.B, s store.Store) {
		ctx := b.Context()
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			if ok, err := s.Claim(ctx, "slack:Ev"+strconv.Itoa(i), time.Hour); err != nil || !ok {
				b.Fatalf("Claim = %v, %v", ok, err)
			}
			i++
		}
	})
}

// BenchmarkSaveGet saves and reads back a record with 200 sign-ins in its
// snapshot, a busy week for one admin account.
func BenchmarkSaveGet(b *testing.B) {
	r := storetest.SampleRecord("d-bench", 200)
	benchStores(b, func(b *testing.B, s store.Store) {
		ctx := b.Context()
		b.ReportAllocs()
		for b.Loop() {
			if err := s.Save(ctx, r, time.Hour); err != nil {
				b.Fatal(err)
			}
			if _, err := s.Get(ctx, r.ID); err != nil {
				b.Fatal(err)
			}
		}
	})
}

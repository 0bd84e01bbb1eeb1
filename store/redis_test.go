package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/onboard-check/onboard-check/store"
	"github.com/onboard-check/onboard-check/store/storetest"
)

// testRedisURL is the server the Redis tests use; database 15 by default, so
// that they stay out of the way of a development bot on database 0.
func testRedisURL() string {
	if u := os.Getenv("ONBOARD_TEST_REDIS_URL"); u != "" {
		return u
	}
	return "redis://127.0.0.1:6379/15"
}

// testRedis returns a client for the test server. With none answering it
// skips the test, or fails it when CI=true: CI must not pass by skipping.
func testRedis(tb testing.TB) redis.UniversalClient {
	tb.Helper()
	c, err := store.OpenRedis(testRedisURL())
	if err != nil {
		tb.Fatalf("ONBOARD_TEST_REDIS_URL: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := c.Ping(ctx).Err(); err != nil {
		_ = c.Close()
		if os.Getenv("CI") == "true" {
			tb.Fatalf("no Redis answers at ONBOARD_TEST_REDIS_URL (CI=true, so this fails instead of skipping): %v", err)
		}
		tb.Skipf("no Redis answers at ONBOARD_TEST_REDIS_URL (start one with .ci/redis.sh): %v", err)
	}
	return c
}

// openRedis returns a Redis store whose keys start with a prefix made from the
// test's name, so that tests run in parallel on one database; the keys are
// deleted before and after.
func openRedis(tb testing.TB, opts ...store.Option) (*store.Redis, redis.UniversalClient, string) {
	tb.Helper()
	admin := testRedis(tb)
	prefix := "test:" + tb.Name() + ":"
	deleteKeys(tb, admin, prefix)
	c, err := store.OpenRedis(testRedisURL())
	if err != nil {
		tb.Fatal(err)
	}
	s := store.NewRedis(c, append([]store.Option{store.WithKeyPrefix(prefix)}, opts...)...)
	tb.Cleanup(func() {
		_ = s.Close() // the suite may have closed it already
		deleteKeys(tb, admin, prefix)
		_ = admin.Close()
	})
	return s, admin, prefix
}

// deleteKeys deletes every key that starts with prefix.
func deleteKeys(tb testing.TB, c redis.UniversalClient, prefix string) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	iter := c.Scan(ctx, 0, globEscape(prefix)+"*", 1000).Iterator()
	var batch []string
	flush := func() {
		if len(batch) > 0 {
			if err := c.Unlink(ctx, batch...).Err(); err != nil {
				tb.Errorf("delete test keys: %v", err)
			}
			batch = batch[:0]
		}
	}
	for iter.Next(ctx) {
		if batch = append(batch, iter.Val()); len(batch) == 1000 {
			flush()
		}
	}
	flush()
	if err := iter.Err(); err != nil {
		tb.Errorf("scan test keys: %v", err)
	}
}

func globEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`*?[]\^`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

func TestRedis(t *testing.T) {
	t.Parallel()
	testRedis(t).Close() // one skip, not one per subtest
	storetest.Run(t, func(t *testing.T) store.Store {
		s, _, _ := openRedis(t, store.WithAuditCap(storetest.AuditCap), store.WithQueueCap(storetest.QueueCap))
		return s
	})
}

// TestRedisKeys pins the key layout other tools and older replicas rely on,
// and checks each TTL as Redis reports it instead of waiting it out.
func TestRedisKeys(t *testing.T) {
	t.Parallel()
	s, c, p := openRedis(t)
	ctx := t.Context()
	const week = 7 * 24 * time.Hour
	if err := s.Save(ctx, storetest.SampleRecord("d-1", 2), week); err != nil {
		t.Fatal(err)
	}
	th := store.Thread{Surface: "teams", Channel: "19:abc@thread.tacv2", Thread: "1712%"}
	if err := s.LinkThread(ctx, th, "d-1", week); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Claim(ctx, "slack:Ev1", time.Hour); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Allow(ctx, "slack:U1", 5, time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := s.SetBytes(ctx, "policies", []byte("[]"), 5*time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := s.Append(ctx, store.AuditEntry{Target: "adele@contoso.com"}); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		key  string
		typ  string
		ttl  time.Duration // 0: none
		slop time.Duration
	}{
		{"onboard:v1:diag:d-1", "string", week, time.Minute},
		{"onboard:v1:thread:teams:19%3Aabc@thread.tacv2:1712%25", "string", week, time.Minute},
		{"onboard:v1:dedup:slack:Ev1", "string", time.Hour, time.Minute},
		{"onboard:v1:rate:slack:U1:60000", "zset", time.Minute, time.Minute},
		{"onboard:v1:cache:policies", "string", 5 * time.Minute, time.Minute},
		{"onboard:v1:audit", "stream", 0, 0},
	} {
		key := p + tc.key
		if typ, err := c.Type(ctx, key).Result(); err != nil || typ != tc.typ {
			t.Errorf("TYPE %s = %q, %v, want %q", tc.key, typ, err, tc.typ)
			continue
		}
		ttl, err := c.PTTL(ctx, key).Result()
		if err != nil {
			t.Errorf("PTTL %s: %v", tc.key, err)
			continue
		}
		if tc.ttl == 0 {
			if ttl != -1 {
				t.Errorf("PTTL %s = %v, want none (the log is capped, not expired)", tc.key, ttl)
			}
		} else if ttl > tc.ttl || ttl < tc.ttl-tc.slop {
			t.Errorf("PTTL %s = %v, want %v (less at most %v)", tc.key, ttl, tc.ttl, tc.slop)
		}
	}

	b, err := c.Get(ctx, p+"onboard:v1:diag:d-1").Bytes()
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		ID        string `json:"id"`
		Diagnosis struct {
			SchemaVersion int `json:"schemaVersion"`
		} `json:"diagnosis"`
	}
	if err := json.Unmarshal(b, &doc); err != nil || doc.ID != "d-1" || doc.Diagnosis.SchemaVersion != 1 {
		t.Errorf("stored record = %.200s, want JSON with id d-1 and the Diagnosis JSON v1 (%v)", b, err)
	}
}

// TestRedisReplicas runs two stores on two clients over the same keys, as two
// bot replicas do.
func TestRedisReplicas(t *testing.T) {
	t.Parallel()
	a, _, prefix := openRedis(t)
	c, err := store.OpenRedis(testRedisURL())
	if err != nil {
		t.Fatal(err)
	}
	b := store.NewRedis(c, store.WithKeyPrefix(prefix))
	defer b.Close()
	ctx := t.Context()

	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for i := range 64 {
		s := store.Store(a)
		if i%2 == 1 {
			s = b
		}
		wg.Go(func() {
			ok, err := s.Claim(ctx, "slack:EvShared", time.Hour)
			if err != nil {
				t.Errorf("Claim: %v", err)
			}
			if ok {
				mu.Lock()
				wins++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if wins != 1 {
		t.Errorf("64 claims over two replicas: %d won, want 1", wins)
	}

	if err := a.Save(ctx, storetest.SampleRecord("d-shared", 1), time.Hour); err != nil {
		t.Fatal(err)
	}
	if r, err := b.Get(ctx, "d-shared"); err != nil || r.ID != "d-shared" {
		t.Errorf("Get on the other replica = %q, %v, want d-shared", r.ID, err)
	}
	if ok, err := a.Allow(ctx, "slack:U1", 1, time.Hour); err != nil || !ok {
		t.Fatalf("Allow on one replica = %v, %v, want true", ok, err)
	}
	if ok, err := b.Allow(ctx, "slack:U1", 1, time.Hour); err != nil || ok {
		t.Errorf("Allow on the other replica = %v, %v, want false (one limit for both)", ok, err)
	}
}

// TestRedisDown points a store at a port nobody listens on: every call must
// come back with an error (not ErrNotFound, not a hang, not a panic) and no
// error may show the password.
func TestRedisDown(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	const password = "s3cret-pw"
	c, err := store.OpenRedis("redis://:" + password + "@" + addr + "/0")
	if err != nil {
		t.Fatal(err)
	}
	s := store.NewRedis(c)
	defer s.Close()
	// The deadline only keeps a regression from hanging the test run.
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()

	check := func(op string, err error) {
		t.Helper()
		switch {
		case err == nil:
			t.Errorf("%s with Redis down = nil error, want one", op)
		case errors.Is(err, store.ErrNotFound):
			t.Errorf("%s with Redis down = %v, want an outage, not ErrNotFound", op, err)
		case strings.Contains(err.Error(), password):
			t.Errorf("%s error shows the password: %v", op, err)
		}
	}
	ok, err := s.Claim(ctx, "slack:Ev1", time.Hour)
	check("Claim", err)
	if ok {
		t.Errorf("Claim with Redis down = true, want false")
	}
	_, err = s.Get(ctx, "d-1")
	check("Get", err)
	_, err = s.ThreadDiagnosis(ctx, store.Thread{Surface: "slack", Channel: "C1", Thread: "1.2"})
	check("ThreadDiagnosis", err)
	_, err = s.Allow(ctx, "slack:U1", 1, time.Minute)
	check("Allow", err)
	check("Append", s.Append(ctx, store.AuditEntry{Target: "adele@contoso.com"}))
	_, _, err = s.Bytes(ctx, "policies")
	check("Bytes", err)
	check("Ping", s.Ping(ctx))
}

// TestRedisWrongPasswordHidden checks that the server's refusal of a password
// does not carry the password into the error. It signs in as a user that does
// not exist, which every server refuses without any ACL set up.
func TestRedisWrongPasswordHidden(t *testing.T) {
	t.Parallel()
	testRedis(t).Close() // skips without a server
	u := testRedisURL()
	i := strings.Index(u, "://")
	if i < 0 || strings.Contains(u[i+3:], "@") {
		t.Skip("ONBOARD_TEST_REDIS_URL carries credentials already")
	}
	const password = "n0t-the-pa55word"
	c, err := store.OpenRedis(u[:i+3] + "onboard-no-such-user:" + password + "@" + u[i+3:])
	if err != nil {
		t.Fatal(err)
	}
	s := store.NewRedis(c)
	defer s.Close()
	err = s.Ping(t.Context())
	if err == nil {
		t.Fatalf("Ping as an unknown user = nil, want the server's refusal")
	}
	t.Logf("refusal: %v", err)
	if strings.Contains(err.Error(), password) {
		t.Errorf("Ping error shows the password: %v", err)
	}
}

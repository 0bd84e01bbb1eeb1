package store

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"
)

// Budget hands out a rate-limited resource shared by every replica (Graph
// reads per tenant). It is what graph.Config.Budget asks for.
type Budget interface {
	// Reserve books the next slot for one request under key, so that at
	// most limit requests under key fall in any period, and returns how
	// long the caller must wait before making it (0: at once). A
	// reservation is never refused: a caller that has to wait, waits.
	// Callers that give up after reserving leave the slot unused. Budgets
	// with different periods for one key are kept apart. limit must be at
	// least 1 and period at least 1ms.
	Reserve(ctx context.Context, key string, limit int, period time.Duration) (wait time.Duration, err error)
}

var (
	_ Budget = (*Memory)(nil)
	_ Budget = (*Redis)(nil)
)

func checkBudget(limit int, period time.Duration) error {
	if limit < 1 {
		return fmt.Errorf("store: reserve: limit %d is below 1", limit)
	}
	if period < time.Millisecond {
		return fmt.Errorf("store: reserve: period %v is below 1ms", period)
	}
	return nil
}

// reserveScript books slots as a sliding window over reservations: the
// new slot is now, or one period after the limit-th latest slot, whichever
// is later. Slots are scored by Redis's own clock in milliseconds, so
// replicas with drifting clocks agree. KEYS[1] is the budget key; ARGV is
// limit, period in ms and a unique member. It returns the wait in ms.
const reserveScript = `
if redis.replicate_commands then redis.replicate_commands() end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local limit = tonumber(ARGV[1])
local period = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - period)
local slot = now
local kth = redis.call('ZRANGE', KEYS[1], -limit, -limit, 'WITHSCORES')
if #kth == 2 then
	slot = math.max(now, tonumber(kth[2]) + period)
end
redis.call('ZADD', KEYS[1], slot, ARGV[3])
redis.call('PEXPIRE', KEYS[1], slot - now + period)
return slot - now
`

// Reserve implements Budget with a Lua script, atomic across replicas.
func (r *Redis) Reserve(ctx context.Context, key string, limit int, period time.Duration) (time.Duration, error) {
	if err := checkBudget(limit, period); err != nil {
		return 0, err
	}
	member := strconv.FormatUint(rand.Uint64(), 36)
	ms, err := r.reserve.Run(ctx, r.c, []string{r.keys.budget(key, period)}, limit, period.Milliseconds(), member).Int64()
	if err != nil {
		return 0, fmt.Errorf("store: reserve: %w", err)
	}
	return time.Duration(ms) * time.Millisecond, nil
}

// Reserve implements Budget on the store's clock.
func (m *Memory) Reserve(ctx context.Context, key string, limit int, period time.Duration) (time.Duration, error) {
	if err := checkBudget(limit, period); err != nil {
		return 0, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.usable(ctx, "reserve"); err != nil {
		return 0, err
	}
	period = period.Truncate(time.Millisecond) // as Redis counts it
	now := m.now()
	m.sweep(now)
	k := m.keys.budget(key, period)
	l := m.rates[k]
	if l == nil {
		l = &rateLog{window: period}
		m.rates[k] = l
	}
	i := 0
	for i < len(l.hits) && !l.hits[i].After(now.Add(-period)) {
		i++
	}
	l.hits = l.hits[i:]
	slot := now
	if n := len(l.hits); n >= limit {
		slot = later(now, l.hits[n-limit].Add(period))
	}
	l.hits = append(l.hits, slot)
	return slot.Sub(now), nil
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

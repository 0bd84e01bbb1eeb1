package graph

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/onboard-check/onboard-check/diagnosis"
)

// Budget hands out shares of Microsoft Graph's throttling budget. Reserve
// books one request under key, at most limit per period, and returns how
// long the caller must wait before sending it (0: at once). It never
// refuses for lack of budget: a full window means a longer wait. graph
// declares it; store.Memory and store.Redis implement it (Redis for a
// budget shared by replicas); without one, a Client uses an in-process
// sliding window.
type Budget interface {
	Reserve(ctx context.Context, key string, limit int, period time.Duration) (wait time.Duration, err error)
}

// Graph's documented limits per app per tenant: the sign-in reports
// 5 requests per 10 s; Conditional Access policies and named locations
// 1 request per second, answered 429 without Retry-After. Reads are booked
// at these rates so that a busy helpdesk waits here instead of being
// throttled there.
// https://learn.microsoft.com/graph/throttling-limits
var partLimits = map[part]struct {
	limit  int
	period time.Duration
}{
	partSignIns:     {5, 10 * time.Second},
	partBetaSignIns: {5, 10 * time.Second},
	partPolicies:    {1, time.Second},
	partLocations:   {1, time.Second},
	partStrength:    {1, time.Second},
}

// budgetKey is the window of a part: both sign-in logs count against the
// same report limit; each Conditional Access resource has its own.
func budgetKey(p part) string {
	switch p {
	case partSignIns, partBetaSignIns:
		return "signIns"
	case partPolicies:
		return "caPolicies"
	case partLocations:
		return "caNamedLocations"
	case partStrength:
		return "caAuthenticationStrength"
	}
	return ""
}

// progressAfter is the wait beyond which the requester is told where the
// diagnosis stands.
const progressAfter = 2 * time.Second

// reserve books one request of part p and returns the wait before it may
// be sent. A Budget that fails (a store that is down) is replaced by the
// in-process window for that request: better a local guess than no limit.
func (c *Client) reserve(ctx context.Context, p part) time.Duration {
	l, ok := partLimits[p]
	if !ok {
		return 0
	}
	key := c.keys.budget(budgetKey(p))
	wait, err := c.budget.Reserve(ctx, key, l.limit, l.period)
	if err != nil {
		c.log.Warn("graph budget unavailable; using the in-process one", slog.Any("err", err))
		wait, _ = c.local.Reserve(ctx, key, l.limit, l.period)
	}
	return max(wait, 0)
}

// admit books one request of part p and waits for its turn, ctx
// permitting; a long wait is reported to the requester. It fails only when
// ctx ends.
func (c *Client) admit(ctx context.Context, p part) error {
	return c.sleep(ctx, c.reserve(ctx, p), p)
}

// sleep waits d for a request of part p, reporting a long wait.
func (c *Client) sleep(ctx context.Context, d time.Duration, p part) error {
	if d <= 0 {
		return nil
	}
	if d > progressAfter {
		l := partLimits[p]
		ahead := 0
		if l.limit > 0 {
			ahead = int(d / (l.period / time.Duration(l.limit)))
		}
		diagnosis.ReportProgress(ctx, diagnosis.Progress{Ahead: ahead, Wait: d})
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// localBudget is the in-process Budget: per key, the times of the requests
// booked in the last period (and ahead of now). A booking goes to the
// earliest moment at which the last limit bookings span a full period.
type localBudget struct {
	mu    sync.Mutex
	now   func() time.Time
	slots map[string][]time.Time
}

func newLocalBudget() *localBudget {
	return &localBudget{now: time.Now, slots: map[string][]time.Time{}}
}

// Reserve implements Budget. It never fails.
func (b *localBudget) Reserve(_ context.Context, key string, limit int, period time.Duration) (time.Duration, error) {
	if limit <= 0 || period <= 0 {
		return 0, nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	s := b.slots[key]
	drop := 0
	for drop < len(s) && !s[drop].After(now.Add(-period)) {
		drop++
	}
	s = s[drop:]
	at := now
	if n := len(s); n > 0 {
		at = maxTime(at, s[n-1]) // bookings stay in order
		if n >= limit {
			at = maxTime(at, s[n-limit].Add(period))
		}
	}
	b.slots[key] = append(s, at)
	return at.Sub(now), nil
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

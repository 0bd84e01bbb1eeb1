package storetest

import (
	"sync"
	"time"

	"github.com/onboard-check/onboard-check/store"
)

// Clock is a clock that moves only when told to, for stores that take a now
// function. It is safe for concurrent use.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a clock standing at start.
func NewClock(start time.Time) *Clock { return &Clock{now: start} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// Manual is a store together with the Clock it reads. Opened as a Manual, a
// store lets Run test expiry exactly, at the millisecond, without waiting.
type Manual struct {
	store.Store
	Clock *Clock
}

// Advance moves the store's clock forward by d.
func (m Manual) Advance(d time.Duration) { m.Clock.Advance(d) }

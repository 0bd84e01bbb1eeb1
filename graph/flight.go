package graph

import (
	"sync"
	"time"

	"github.com/onboard-check/onboard-check/diagnosis"
)

// flight coalesces concurrent reads of the same thing within one process:
// the first caller of a key leads and reads; the others wait for what it
// publishes. Unlike singleflight.Group it tells a caller whether it leads
// before anything is read, so that the leader can fold its read into a
// $batch with its other reads.
type flight struct {
	mu sync.Mutex
	m  map[string]*flightCall
}

type flightCall struct {
	done chan struct{}
	val  any
	err  error

	// booked is closed once the leader has its turn in the tenant's
	// budget: then ahead and at say where the shared read stands in line.
	booked chan struct{}
	once   sync.Once
	ahead  int
	at     time.Time // when the leader's read may go
}

// book publishes the leader's place in line to the followers.
func (c *flightCall) book(ahead int, at time.Time) {
	c.once.Do(func() {
		c.ahead, c.at = ahead, at
		close(c.booked)
	})
}

// turn returns the leader's place in line as progress at now, once booked.
func (c *flightCall) turn(now time.Time) diagnosis.Progress {
	return diagnosis.Progress{Ahead: c.ahead, Wait: c.at.Sub(now)}
}

// join returns the call in flight for key, and whether the caller leads it
// (and must finish it exactly once).
func (f *flight) join(key string) (*flightCall, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.m == nil {
		f.m = map[string]*flightCall{}
	}
	if c, ok := f.m[key]; ok {
		return c, false
	}
	c := &flightCall{done: make(chan struct{}), booked: make(chan struct{})}
	f.m[key] = c
	return c, true
}

// finish publishes the leader's result to every follower.
func (f *flight) finish(key string, c *flightCall, val any, err error) {
	f.mu.Lock()
	if f.m[key] == c {
		delete(f.m, key)
	}
	f.mu.Unlock()
	c.val, c.err = val, err
	close(c.done)
}

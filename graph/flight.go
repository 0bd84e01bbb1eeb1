package graph

import "sync"

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
	c := &flightCall{done: make(chan struct{})}
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

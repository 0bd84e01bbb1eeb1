package handlers

import (
	"context"
	"errors"
	"sync"
)

// ErrRunnerClosed is returned by Go once Shutdown has begun.
var ErrRunnerClosed = errors.New("runner: shutting down")

// Runner runs functions in the background: at most n at once, every one
// tracked so that Shutdown can wait for them. It is safe for concurrent use.
//
// Deprecated: jobs go through Service.Enqueue and Service.Work; Runner
// remains while surfaces' constructors still take one.
type Runner struct {
	sem    chan struct{}
	wg     sync.WaitGroup
	mu     sync.Mutex
	closed bool
}

// NewRunner returns a runner of n concurrent jobs (n < 1 means 1).
func NewRunner(n int) *Runner {
	return &Runner{sem: make(chan struct{}, max(n, 1))}
}

// Go starts fn in the background. ctx is the job's own context (detached
// from the HTTP request that acked it); it waits for a free slot as long
// as ctx allows. It returns ErrRunnerClosed after Shutdown began.
func (r *Runner) Go(ctx context.Context, fn func(ctx context.Context)) error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return ErrRunnerClosed
	}
	r.wg.Add(1)
	r.mu.Unlock()
	go func() {
		defer r.wg.Done()
		select {
		case r.sem <- struct{}{}:
		case <-ctx.Done():
			return
		}
		defer func() { <-r.sem }()
		fn(ctx)
	}()
	return nil
}

// Shutdown stops new jobs and waits for running ones until ctx ends.
func (r *Runner) Shutdown(ctx context.Context) error {
	r.mu.Lock()
	r.closed = true
	r.mu.Unlock()
	done := make(chan struct{})
	go func() { r.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

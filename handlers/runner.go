package handlers

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"
)

// ErrRunnerClosed is returned by Go once Shutdown has begun.
var ErrRunnerClosed = errors.New("runner: shutting down")

// Runner runs the slow half of requests in the background: at most n at
// once, every job tracked so that Shutdown can wait for in-flight
// diagnoses. Surfaces share one Runner. It is safe for concurrent use.
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

// dispatchGrace is added to the service budget for posting the reply.
const dispatchGrace = 15 * time.Second

// Dispatch runs a prepared job in the background on r, detached from ctx
// (the request that acknowledged it) and bounded by the service's budget,
// and hands the reply to deliver. It returns ErrRunnerClosed during
// shutdown; a failed run is logged, never delivered.
func (s *Service) Dispatch(ctx context.Context, r *Runner, job Job, deliver func(ctx context.Context, reply Reply)) error {
	return r.Go(context.WithoutCancel(ctx), func(ctx context.Context) {
		ctx, cancel := context.WithTimeout(ctx, s.cfg.Budget+dispatchGrace)
		defer cancel()
		reply, err := s.Run(ctx, job)
		if err != nil {
			s.log.Error("run failed", slog.Any("err", err))
			return
		}
		deliver(ctx, reply)
	})
}

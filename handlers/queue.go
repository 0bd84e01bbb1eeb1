package handlers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/onboard-check/onboard-check/diagnosis"
	"github.com/onboard-check/onboard-check/store"
)

// Errors of Enqueue; Failure turns each into a catalog text.
var (
	ErrQueueFull    = errors.New("handlers: job queue full")
	ErrShuttingDown = errors.New("handlers: shutting down")
)

// Deliverer is how a surface posts what queued jobs produce. A surface
// registers one at wiring (Register); the worker that runs a job, on
// whichever replica, calls it with the route the surface gave Enqueue.
// Methods must be safe for concurrent use.
type Deliverer interface {
	// Deliver posts the reply of a job; it may run on any replica.
	Deliver(ctx context.Context, route []byte, reply Reply) error
	// Progress updates the acknowledgement in place (reply.Kind ==
	// ReplyProgress, reply.Progress set, reply.Text in the job's language).
	Progress(ctx context.Context, route []byte, reply Reply) error
	// Resolve turns a mention (Slack <@U…>, Teams <at>) into a UPN or object id.
	Resolve(ctx context.Context, route []byte, t Target) (string, error)
}

// Job results, for Observer.JobDone.
const (
	resultAnswered    = "answered"
	resultFailed      = "failed"
	resultRestarted   = "restarted"
	resultUndelivered = "undelivered"
	resultRequeued    = "requeued"
	resultDuplicate   = "duplicate"
)

// Timing of queued work.
const (
	// deliverTimeout bounds one Deliver or Progress call.
	deliverTimeout = 30 * time.Second
	// progressAfter is the shortest wait worth telling the requester about.
	progressAfter = 3 * time.Second
	// progressEvery spaces updates of one acknowledgement.
	progressEvery = 3 * time.Second
)

// queued is a job in the queue with where its reply goes: the payload of
// a store.Queue entry.
type queued struct {
	Job      Job       `json:"job"`
	Route    []byte    `json:"route"`
	Enqueued time.Time `json:"enqueued"`
	// Asked is Enqueued on the engine's clock: where a check's window ends.
	Asked time.Time `json:"asked,omitzero"`
}

// deliverers are the surfaces' Deliverers, by surface.
type deliverers struct {
	mu sync.RWMutex
	m  map[Surface]Deliverer
}

// Register makes d the Deliverer of the surface's queued jobs. Surfaces
// call it once, at wiring, before Work runs.
func (s *Service) Register(surface Surface, d Deliverer) {
	s.deliverers.mu.Lock()
	defer s.deliverers.mu.Unlock()
	if s.deliverers.m == nil {
		s.deliverers.m = map[Surface]Deliverer{}
	}
	s.deliverers.m[surface] = d
}

func (s *Service) deliverer(surface Surface) Deliverer {
	s.deliverers.mu.RLock()
	defer s.deliverers.mu.RUnlock()
	return s.deliverers.m[surface]
}

// Enqueue hands a prepared job to the workers (Work) through the store's
// queue: with Redis any replica may run it, even after this one stopped.
// Its reply goes to the Deliverer registered for the job's surface, with
// route, the surface's own JSON naming where the reply goes. It returns at
// once: ErrQueueFull when too many jobs wait, ErrShuttingDown once Work
// has begun to stop, or the store's error; surfaces tell the requester
// with Failure.
func (s *Service) Enqueue(ctx context.Context, job Job, route []byte) error {
	if job.Empty() {
		return errors.New("enqueue: empty job")
	}
	if s.deliverer(job.req.Surface) == nil {
		return fmt.Errorf("enqueue: no deliverer registered for surface %q", job.req.Surface)
	}
	if s.stopping.Load() {
		return ErrShuttingDown
	}
	b, err := json.Marshal(queued{Job: job, Route: route, Enqueued: time.Now(), Asked: s.engine.Now()})
	if err != nil {
		return fmt.Errorf("enqueue: %w", err)
	}
	_, err = s.store.Push(ctx, b)
	switch {
	case errors.Is(err, store.ErrQueueFull):
		return ErrQueueFull
	case err != nil:
		return fmt.Errorf("enqueue: %w", err)
	}
	s.reportDepth(ctx)
	return nil
}

// reportDepth tells the observer how many jobs the queue holds. Reports
// are made one at a time, each reading the depth after the change it
// follows, so the last report is the queue's depth now even when a worker
// finishes a job while it is being enqueued.
func (s *Service) reportDepth(ctx context.Context) {
	s.depthMu.Lock()
	defer s.depthMu.Unlock()
	if n, err := s.store.Len(context.WithoutCancel(ctx)); err == nil {
		s.observer().JobQueued(n)
	}
}

// Timing of the workers' loop.
const (
	// takeBlock is how long one Take waits for a job; Work notices the end
	// of its context between Takes, so that it never gives up a job Redis
	// handed it mid-wait.
	takeBlock = time.Second
	// takeRetry spaces Takes while the store fails.
	takeRetry = 2 * time.Second
	// deliveredTTL is how long a job's delivered marker is kept.
	deliveredTTL = 24 * time.Hour
)

// Work runs queued jobs until ctx ends, at most Config.Workers at once,
// each within the service's budget; with Redis every replica's Work takes
// from the same queue, and a job whose replica died is taken again after
// Config.ClaimAfter. When ctx ends Work stops taking jobs (Enqueue returns
// ErrShuttingDown) and gives running ones Config.Grace to finish. With a
// durable queue (Redis), jobs cut off and jobs not started stay queued for
// the next process; without one, every requester whose job could not be
// answered is told that the bot restarted. Work returns when that is done.
// Constructors start nothing; serve runs Work under its errgroup.
func (s *Service) Work(ctx context.Context) error {
	jobsCtx, cancelJobs := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelJobs()
	var wg sync.WaitGroup
	sem := make(chan struct{}, s.cfg.Workers)
	failing := false
	for ctx.Err() == nil {
		select {
		case <-ctx.Done():
			continue
		case sem <- struct{}{}:
		}
		j, ok, err := s.store.Take(context.WithoutCancel(ctx), s.consumer, s.cfg.ClaimAfter, takeBlock)
		if err != nil || !ok {
			<-sem
			if err != nil {
				if !failing {
					s.log.Warn("job queue unavailable; retrying", slog.Any("err", err))
				}
				failing = true
				select {
				case <-ctx.Done():
				case <-time.After(takeRetry):
				}
			}
			continue
		}
		failing = false
		wg.Go(func() {
			defer func() { <-sem }()
			s.runQueued(jobsCtx, j)
			s.reportDepth(jobsCtx)
		})
	}
	s.stopping.Store(true)
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	grace := time.NewTimer(s.cfg.Grace)
	defer grace.Stop()
	select {
	case <-done:
	case <-grace.C:
		s.log.Warn("running jobs cut off at shutdown", slog.Duration("grace", s.cfg.Grace))
		cancelJobs()
		<-done
	}
	if !s.store.Durable() {
		s.tellRestarted(jobsCtx)
		return nil
	}
	lctx, cancel := context.WithTimeout(jobsCtx, deliverTimeout)
	defer cancel()
	if err := s.store.Leave(lctx, s.consumer); err != nil {
		s.log.Warn("job queue: consumer not removed", slog.Any("err", err))
	}
	return nil
}

// tellRestarted answers every job left in a queue that dies with the
// process: the requester hears that the bot restarted.
func (s *Service) tellRestarted(ctx context.Context) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), deliverTimeout)
	defer cancel()
	n := 0
	for {
		j, ok, err := s.store.Take(ctx, s.consumer, 0, 0)
		if err != nil || !ok {
			break
		}
		var item queued
		if err := json.Unmarshal(j.Payload, &item); err == nil {
			s.deliverOnce(ctx, j.ID, item, s.reply(ReplyFailure, s.Lang(item.Job.lang), "failure.restarted"), resultRestarted)
			n++
		}
		if err := s.store.Ack(ctx, j.ID); err != nil {
			break
		}
	}
	if n > 0 {
		s.log.Info("queued jobs told to ask again at shutdown", slog.Int("jobs", n))
	}
}

// runQueued runs one job and delivers its reply. A job cut off by shutdown
// goes back to a durable queue, or is told to ask again.
func (s *Service) runQueued(ctx context.Context, j store.QueuedJob) {
	var item queued
	if err := json.Unmarshal(j.Payload, &item); err != nil {
		s.log.Error("queued job unreadable; dropped", slog.String("job", j.ID), slog.Any("err", err))
		s.ack(ctx, j.ID)
		s.observer().JobDone(resultUndelivered)
		return
	}
	d := s.deliverer(item.Job.req.Surface)
	if d == nil {
		s.log.Error("queued job dropped: no deliverer for its surface", slog.String("job", j.ID), slog.String("surface", string(item.Job.req.Surface)))
		s.ack(ctx, j.ID)
		s.observer().JobDone(resultUndelivered)
		return
	}
	s.observer().JobStarted(time.Since(item.Enqueued))
	defer s.hold(ctx, j.ID)()
	item.Job.asked = item.Asked
	stop := s.reportProgress(ctx, d, item)
	reply, err := s.run(diagnosis.WithProgress(ctx, stop.report), item.Job, func(ctx context.Context, t Target) (string, error) {
		return d.Resolve(ctx, item.Route, t)
	})
	stop.wait()
	if err != nil {
		reply = s.Failure(ctx, item.Job.lang, err)
	}
	result := resultAnswered
	switch {
	case ctx.Err() != nil && s.store.Durable():
		s.requeue(ctx, j)
		return
	case ctx.Err() != nil:
		reply, result = s.reply(ReplyFailure, item.Job.lang, "failure.restarted"), resultRestarted
	case reply.Kind == ReplyFailure:
		result = resultFailed
	}
	s.deliverOnce(ctx, j.ID, item, reply, result)
}

// hold keeps job id this worker's while it runs: every third of
// ClaimAfter it tells the queue the worker still works on it, so that a
// check waiting long in line for Graph's budget is not taken over and run
// again by another replica. The returned func stops it.
func (s *Service) hold(ctx context.Context, id string) (stop func()) {
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(s.cfg.ClaimAfter / 3)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				if err := s.store.Hold(ctx, s.consumer, id); err != nil && ctx.Err() == nil {
					s.log.Warn("job not held; another replica may run it again", slog.String("job", id), slog.Any("err", err))
				}
			}
		}
	}()
	return func() { cancel(); <-done }
}

// requeue puts a job cut off at shutdown back at the end of the durable
// queue, where the next process or another replica takes it at once.
func (s *Service) requeue(ctx context.Context, j store.QueuedJob) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), deliverTimeout)
	defer cancel()
	if _, err := s.store.Push(ctx, j.Payload); err != nil {
		// Still pending under this consumer: claimed after ClaimAfter.
		s.log.Warn("job cut off at shutdown not requeued; another replica claims it later", slog.String("job", j.ID), slog.Any("err", err))
		return
	}
	s.ack(ctx, j.ID)
	s.observer().JobDone(resultRequeued)
}

// deliverOnce posts a job's reply unless some process already did (its
// delivered marker is claimed first, so a job claimed again after its
// replica died between Deliver and Ack is not answered twice), then
// acknowledges the job. The post has its own deadline, detached from
// shutdown.
func (s *Service) deliverOnce(ctx context.Context, id string, item queued, reply Reply, result string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), deliverTimeout)
	defer cancel()
	first, err := s.store.Claim(ctx, "job:"+id, deliveredTTL)
	if err != nil {
		s.log.Warn("delivered marker unavailable; delivering anyway", slog.String("job", id), slog.Any("err", err))
		first = true
	}
	if first {
		s.deliver(ctx, item, reply, result)
		s.ack(ctx, id)
		return
	}
	s.log.Info("job already answered; not delivered again", slog.String("job", id))
	// Acknowledged before it is reported, so that whoever waits on the
	// report finds the queue without it.
	s.ack(ctx, id)
	s.observer().JobDone(resultDuplicate)
}

func (s *Service) ack(ctx context.Context, id string) {
	if err := s.store.Ack(context.WithoutCancel(ctx), id); err != nil {
		s.log.Warn("job not acknowledged; it may be claimed again, and is not answered twice", slog.String("job", id), slog.Any("err", err))
	}
}

// deliver posts a job's reply and counts the result.
func (s *Service) deliver(ctx context.Context, item queued, reply Reply, result string) {
	d := s.deliverer(item.Job.req.Surface)
	if d == nil {
		s.observer().JobDone(resultUndelivered)
		return
	}
	if err := d.Deliver(ctx, item.Route, reply); err != nil {
		s.log.Error("reply not delivered", slog.String("surface", string(item.Job.req.Surface)),
			slog.String("kind", string(reply.Kind)), slog.Any("err", err))
		result = resultUndelivered
	}
	s.observer().JobDone(result)
}

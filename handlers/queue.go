package handlers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/onboard-check/onboard-check/diagnosis"
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

// Observer is told what the service does, for metrics. Its methods must
// be safe for concurrent use and return quickly.
type Observer interface {
	// CommandDone: a diagnosis finished with verdict after elapsed.
	CommandDone(surface Surface, verdict diagnosis.Verdict, elapsed time.Duration)
	// JobQueued: a job was queued; depth jobs wait now.
	JobQueued(depth int)
	// JobStarted: a worker took a job that waited wait since Enqueue.
	JobStarted(wait time.Duration)
	// JobDone: a job ended with result: "answered", "failed" (a failure
	// reply was delivered), "restarted" (told to ask again at shutdown),
	// "undelivered" (the surface could not post).
	JobDone(result string)
}

// Job results, for Observer.JobDone.
const (
	resultAnswered    = "answered"
	resultFailed      = "failed"
	resultRestarted   = "restarted"
	resultUndelivered = "undelivered"
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

// queued is a job in the queue with where its reply goes.
type queued struct {
	Job      Job       `json:"job"`
	Route    []byte    `json:"route"`
	Enqueued time.Time `json:"enqueued"`
}

// queue is the bounded in-memory queue of one process.
type queue struct {
	items  chan queued
	mu     sync.Mutex
	closed bool
}

func newQueue(n int) *queue { return &queue{items: make(chan queued, n)} }

func (q *queue) push(item queued) (depth int, err error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return 0, ErrShuttingDown
	}
	select {
	case q.items <- item:
		return len(q.items), nil
	default:
		return 0, ErrQueueFull
	}
}

// close stops push; what is queued stays for drain.
func (q *queue) close() {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
}

// drain takes every job left after close.
func (q *queue) drain() []queued {
	var out []queued
	for {
		select {
		case item := <-q.items:
			out = append(out, item)
		default:
			return out
		}
	}
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

// Enqueue hands a prepared job to the workers (Work); its reply goes to
// the Deliverer registered for the job's surface, with route, the
// surface's own JSON naming where the reply goes. It returns at once:
// ErrQueueFull when too many jobs wait, ErrShuttingDown once Work has
// begun to stop; surfaces tell the requester with Failure.
func (s *Service) Enqueue(ctx context.Context, job Job, route []byte) error {
	if job.Empty() {
		return errors.New("enqueue: empty job")
	}
	if s.deliverer(job.req.Surface) == nil {
		return fmt.Errorf("enqueue: no deliverer registered for surface %q", job.req.Surface)
	}
	depth, err := s.queue.push(queued{Job: job, Route: route, Enqueued: time.Now()})
	if err != nil {
		return err
	}
	s.observer().JobQueued(depth)
	return nil
}

// Work runs queued jobs until ctx ends, at most Config.Workers at once,
// each within the service's budget. Then it stops taking jobs (Enqueue
// returns ErrShuttingDown), gives running ones Config.Grace to finish, and
// tells every requester whose job could not run that the bot restarted.
// Constructors start nothing; serve runs Work under its errgroup.
func (s *Service) Work(ctx context.Context) error {
	jobsCtx, cancelJobs := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelJobs()
	var wg sync.WaitGroup
	sem := make(chan struct{}, s.cfg.Workers)
take:
	for {
		select {
		case <-ctx.Done():
			break take
		case sem <- struct{}{}:
		}
		select {
		case <-ctx.Done():
			break take
		case item := <-s.queue.items:
			wg.Go(func() {
				defer func() { <-sem }()
				s.runQueued(jobsCtx, item)
			})
		}
	}
	s.queue.close()
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
	left := s.queue.drain()
	for _, item := range left {
		s.deliver(jobsCtx, item, s.reply(ReplyFailure, s.Lang(item.Job.lang), "failure.restarted"), resultRestarted)
	}
	if len(left) > 0 {
		s.log.Info("queued jobs told to ask again at shutdown", slog.Int("jobs", len(left)))
	}
	return nil
}

// runQueued runs one job and delivers its reply. A job cut off by shutdown
// is told to ask again instead.
func (s *Service) runQueued(ctx context.Context, item queued) {
	d := s.deliverer(item.Job.req.Surface)
	if d == nil {
		s.log.Error("job dropped: no deliverer for its surface", slog.String("surface", string(item.Job.req.Surface)))
		s.observer().JobDone(resultUndelivered)
		return
	}
	s.observer().JobStarted(time.Since(item.Enqueued))
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
	case ctx.Err() != nil:
		reply, result = s.reply(ReplyFailure, item.Job.lang, "failure.restarted"), resultRestarted
	case reply.Kind == ReplyFailure:
		result = resultFailed
	}
	s.deliver(ctx, item, reply, result)
}

// deliver posts a job's reply with its own deadline, detached from
// shutdown, and counts the result.
func (s *Service) deliver(ctx context.Context, item queued, reply Reply, result string) {
	d := s.deliverer(item.Job.req.Surface)
	if d == nil {
		s.observer().JobDone(resultUndelivered)
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), deliverTimeout)
	defer cancel()
	if err := d.Deliver(ctx, item.Route, reply); err != nil {
		s.log.Error("reply not delivered", slog.String("surface", string(item.Job.req.Surface)),
			slog.String("kind", string(reply.Kind)), slog.Any("err", err))
		result = resultUndelivered
	}
	s.observer().JobDone(result)
}

// progress passes a job's waits on to its surface from one goroutine, the
// latest first, spaced by progressEvery; wait stops it before the reply is
// delivered, so that no update overwrites the answer.
type progress struct {
	latest chan diagnosis.Progress
	done   chan struct{}
	wg     sync.WaitGroup
}

func (s *Service) reportProgress(ctx context.Context, d Deliverer, item queued) *progress {
	p := &progress{latest: make(chan diagnosis.Progress, 1), done: make(chan struct{})}
	p.wg.Go(func() {
		var last time.Time
		lastAhead := -1
		for {
			select {
			case <-p.done:
				return
			case pr := <-p.latest:
				if pr.Ahead == lastAhead && time.Since(last) < progressEvery {
					continue
				}
				last, lastAhead = time.Now(), pr.Ahead
				r := s.progressReply(item.Job.lang, pr)
				pctx, cancel := context.WithTimeout(ctx, deliverTimeout)
				if err := d.Progress(pctx, item.Route, r); err != nil {
					s.log.Warn("progress not shown", slog.String("surface", string(item.Job.req.Surface)), slog.Any("err", err))
				}
				cancel()
			}
		}
	})
	return p
}

// report is the diagnosis.WithProgress callback: it never blocks, and
// keeps only the newest wait worth telling.
func (p *progress) report(pr diagnosis.Progress) {
	if pr.Wait < progressAfter {
		return
	}
	for {
		select {
		case p.latest <- pr:
			return
		default:
		}
		select {
		case <-p.latest:
		default:
		}
	}
}

func (p *progress) wait() {
	close(p.done)
	p.wg.Wait()
}

// progressReply is the acknowledgement updated with the job's place in line.
func (s *Service) progressReply(lang string, p diagnosis.Progress) Reply {
	secs := strconv.Itoa(int((p.Wait + time.Second - 1) / time.Second))
	var r Reply
	switch p.Ahead {
	case 0:
		r = s.reply(ReplyProgress, lang, "progress.next", "seconds", secs)
	case 1:
		r = s.reply(ReplyProgress, lang, "progress.ahead_one", "seconds", secs)
	default:
		r = s.reply(ReplyProgress, lang, "progress.ahead", "ahead", strconv.Itoa(p.Ahead), "seconds", secs)
	}
	r.Ephemeral = true
	r.Progress = &p
	return r
}

// observer returns Config.Observer, or one that also feeds the deprecated
// Config.Observe, or one that does nothing.
func (s *Service) observer() Observer {
	switch {
	case s.cfg.Observer != nil:
		return s.cfg.Observer
	case s.cfg.Observe != nil:
		return observeFunc(s.cfg.Observe)
	}
	return observeFunc(nil)
}

// observeFunc adapts the deprecated Config.Observe.
type observeFunc func(surface Surface, verdict diagnosis.Verdict, elapsed time.Duration)

func (f observeFunc) CommandDone(surface Surface, verdict diagnosis.Verdict, elapsed time.Duration) {
	if f != nil {
		f(surface, verdict, elapsed)
	}
}
func (observeFunc) JobQueued(int)            {}
func (observeFunc) JobStarted(time.Duration) {}
func (observeFunc) JobDone(string)           {}

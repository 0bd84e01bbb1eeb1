package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// ErrQueueFull is returned by Push when the queue holds its cap.
var ErrQueueFull = errors.New("store: queue full")

// DefaultQueueCap is how many jobs a queue holds, waiting and running,
// unless WithQueueCap says otherwise.
const DefaultQueueCap = 1000

// QueuedJob is one job taken from a queue.
type QueuedJob struct {
	ID      string // the queue's id, for Ack
	Payload []byte
}

// Queue holds accepted jobs until a worker has answered them .
// Every consumer takes from the same queue; a job taken and never
// acknowledged (its consumer died) is taken again by another consumer once
// claimAfter has passed. Payloads are opaque and copied.
type Queue interface {
	// Push adds a job and returns how many jobs the queue holds now, or
	// ErrQueueFull when it holds its cap.
	Push(ctx context.Context, payload []byte) (depth int, err error)
	// Take returns the oldest job no consumer holds: one never taken, or one
	// taken more than claimAfter ago and not acknowledged. It waits up to
	// block for one to arrive; ok is false when none did.
	Take(ctx context.Context, consumer string, claimAfter, block time.Duration) (j QueuedJob, ok bool, err error)
	// Hold tells the queue that consumer still works on job id: no one
	// else takes it until claimAfter has passed from now. A worker holds a
	// job that waits long (in line for Graph) so that another replica does
	// not run it again. Holding a job the consumer no longer holds (another
	// took it over, or it was acknowledged) changes nothing and is not an
	// error.
	Hold(ctx context.Context, consumer, id string) error
	// Ack removes an answered job. Acknowledging an unknown id is not an error.
	Ack(ctx context.Context, id string) error
	// Len returns how many jobs the queue holds: waiting, and taken but
	// not acknowledged.
	Len(ctx context.Context) (int, error)
	// Leave forgets consumer, which takes no more jobs, unless it still
	// holds some: those stay for another consumer to claim.
	Leave(ctx context.Context, consumer string) error
	// Durable reports whether queued jobs outlive the process (Redis) or
	// not (Memory): without it, a job left at shutdown is lost.
	Durable() bool
}

// WithQueueCap sets how many jobs a queue holds; n below 1 keeps the
// default, DefaultQueueCap.
func WithQueueCap(n int) Option {
	return func(o *options) {
		if n >= 1 {
			o.queueCap = n
		}
	}
}

// memQueue is Memory's queue: jobs in order, each either waiting or held
// by a consumer since a time. m.mu guards it.
type memQueue struct {
	cap    int
	next   uint64
	jobs   []memJob
	signal chan struct{} // closed and replaced on every Push
}

type memJob struct {
	id       string
	payload  []byte
	consumer string
	taken    time.Time // zero while waiting
}

// Push implements Queue.
func (m *Memory) Push(ctx context.Context, payload []byte) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.usable(ctx, "push job"); err != nil {
		return 0, err
	}
	q := &m.queue
	if len(q.jobs) >= q.cap {
		return len(q.jobs), ErrQueueFull
	}
	q.next++
	q.jobs = append(q.jobs, memJob{id: strconv.FormatUint(q.next, 10), payload: append([]byte{}, payload...)})
	close(q.signal)
	q.signal = make(chan struct{})
	return len(q.jobs), nil
}

// Take implements Queue. claimAfter reads the store's clock; block is real
// time.
func (m *Memory) Take(ctx context.Context, consumer string, claimAfter, block time.Duration) (QueuedJob, bool, error) {
	timer := time.NewTimer(block)
	defer timer.Stop()
	for {
		m.mu.Lock()
		if err := m.usable(ctx, "take job"); err != nil {
			m.mu.Unlock()
			return QueuedJob{}, false, err
		}
		now := m.now()
		q := &m.queue
		for i := range q.jobs {
			j := &q.jobs[i]
			if j.taken.IsZero() || !now.Before(j.taken.Add(claimAfter)) {
				j.consumer, j.taken = consumer, now
				out := QueuedJob{ID: j.id, Payload: append([]byte{}, j.payload...)}
				m.mu.Unlock()
				return out, true, nil
			}
		}
		signal := q.signal
		m.mu.Unlock()
		select {
		case <-signal:
		case <-timer.C:
			return QueuedJob{}, false, nil
		case <-ctx.Done():
			return QueuedJob{}, false, fmt.Errorf("store: take job: %w", ctx.Err())
		}
	}
}

// Hold implements Queue.
func (m *Memory) Hold(ctx context.Context, consumer, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.usable(ctx, "hold job"); err != nil {
		return err
	}
	for i := range m.queue.jobs {
		if j := &m.queue.jobs[i]; j.id == id && j.consumer == consumer && !j.taken.IsZero() {
			j.taken = m.now()
		}
	}
	return nil
}

// Ack implements Queue.
func (m *Memory) Ack(ctx context.Context, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.usable(ctx, "ack job"); err != nil {
		return err
	}
	q := &m.queue
	for i := range q.jobs {
		if q.jobs[i].id == id {
			q.jobs = append(q.jobs[:i], q.jobs[i+1:]...)
			return nil
		}
	}
	return nil
}

// Len implements Queue.
func (m *Memory) Len(ctx context.Context) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.usable(ctx, "queue length"); err != nil {
		return 0, err
	}
	return len(m.queue.jobs), nil
}

// Leave implements Queue; Memory keeps no list of consumers.
func (m *Memory) Leave(ctx context.Context, _ string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.usable(ctx, "leave queue")
}

// Durable implements Queue: Memory's jobs die with the process.
func (m *Memory) Durable() bool { return false }

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

// QueuedJob is one job taken from a queue.
type QueuedJob struct {
	ID      string // the queue's id, for Ack
	Payload []byte
}

// Queue holds accepted jobs until a worker has answered them (SPEC §11).
// Every consumer takes from the same queue; a job taken and never
// acknowledged (its consumer died) is taken again by another consumer once
// claimAfter has passed. Payloads are opaque and copied.
type Queue interface {
	// Push adds a job unless limit jobs already wait (jobs taken and not
	// yet acknowledged do not count), and returns how many wait now;
	// ErrQueueFull when the queue is full. limit must be at least 1.
	Push(ctx context.Context, payload []byte, limit int) (depth int, err error)
	// Take returns the oldest job no consumer holds: one never taken, or one
	// taken more than claimAfter ago and not acknowledged. It waits up to
	// block for one to arrive; ok is false when none did.
	Take(ctx context.Context, consumer string, claimAfter, block time.Duration) (j QueuedJob, ok bool, err error)
	// Ack removes an answered job. Acknowledging an unknown id is not an error.
	Ack(ctx context.Context, id string) error
	// Len returns how many jobs the queue holds: waiting, and taken but
	// not acknowledged.
	Len(ctx context.Context) (int, error)
	// Durable reports whether queued jobs outlive the process (Redis) or
	// not (Memory): without it, a job left at shutdown is lost.
	Durable() bool
}

func checkQueueLimit(limit int) error {
	if limit < 1 {
		return fmt.Errorf("store: push job: limit %d is below 1", limit)
	}
	return nil
}

// memQueue is Memory's queue: jobs in order, each either waiting or held
// by a consumer since a time. m.mu guards it.
type memQueue struct {
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
func (m *Memory) Push(ctx context.Context, payload []byte, limit int) (int, error) {
	if err := checkQueueLimit(limit); err != nil {
		return 0, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.usable(ctx, "push job"); err != nil {
		return 0, err
	}
	q := &m.queue
	waiting := 0
	for _, j := range q.jobs {
		if j.taken.IsZero() {
			waiting++
		}
	}
	if waiting >= limit {
		return waiting, ErrQueueFull
	}
	q.next++
	q.jobs = append(q.jobs, memJob{id: strconv.FormatUint(q.next, 10), payload: append([]byte{}, payload...)})
	close(q.signal)
	q.signal = make(chan struct{})
	return waiting + 1, nil
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

// Durable implements Queue: Memory's jobs die with the process.
func (m *Memory) Durable() bool { return false }

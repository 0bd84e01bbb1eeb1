package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// jobGroup is the consumer group every replica's workers read the job
// stream in.
const jobGroup = "workers"

// pushScript adds a job unless the stream holds the cap (waiting jobs and
// jobs taken but not acknowledged; Ack deletes). KEYS[1] is the stream;
// ARGV is the cap and the payload. It returns the new length, or -1.
const pushScript = `
if redis.replicate_commands then redis.replicate_commands() end
local n = redis.call('XLEN', KEYS[1])
if n >= tonumber(ARGV[1]) then
	return -1
end
redis.call('XADD', KEYS[1], '*', 'job', ARGV[2])
return n + 1
`

// leaveScript deletes a consumer from the group unless it holds jobs
// (XGROUP DELCONSUMER would drop them from the pending list, and nobody
// could claim them). KEYS[1] is the stream; ARGV the group and consumer.
const leaveScript = `
local ok, held = pcall(redis.call, 'XPENDING', KEYS[1], ARGV[1], '-', '+', 1, ARGV[2])
if not ok or #held > 0 then
	return 0
end
redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], ARGV[2])
return 1
`

// redisQueue is the durable job queue: a stream with one consumer group
// that every replica reads (XREADGROUP), claiming what a dead consumer
// left (XAUTOCLAIM), acknowledging and deleting what was answered
// (XACK, XDEL).
type redisQueue struct {
	push  *redis.Script
	leave *redis.Script
	group atomic.Bool // the consumer group is known to exist
}

// Push implements Queue with XADD, refused at the cap.
func (r *Redis) Push(ctx context.Context, payload []byte) (int, error) {
	n, err := r.queue.push.Run(ctx, r.c, []string{r.keys.jobs()}, r.queueCap, payload).Int()
	switch {
	case err != nil:
		return 0, fmt.Errorf("store: push job: %w", err)
	case n < 0:
		return r.queueCap, ErrQueueFull
	}
	return n, nil
}

// Take implements Queue: first a job whose consumer has held it for
// claimAfter without acknowledging it (XAUTOCLAIM), else a new one
// (XREADGROUP), waiting up to block.
func (r *Redis) Take(ctx context.Context, consumer string, claimAfter, block time.Duration) (QueuedJob, bool, error) {
	j, ok, err := r.take(ctx, consumer, claimAfter, block)
	if isNoGroup(err) {
		r.queue.group.Store(false) // the stream was deleted under us
		j, ok, err = r.take(ctx, consumer, claimAfter, block)
	}
	if err != nil {
		return QueuedJob{}, false, fmt.Errorf("store: take job: %w", err)
	}
	return j, ok, nil
}

func (r *Redis) take(ctx context.Context, consumer string, claimAfter, block time.Duration) (QueuedJob, bool, error) {
	if err := r.ensureGroup(ctx); err != nil {
		return QueuedJob{}, false, err
	}
	claimed, _, err := r.c.XAutoClaim(ctx, &redis.XAutoClaimArgs{Stream: r.keys.jobs(), Group: jobGroup, Consumer: consumer,
		MinIdle: claimAfter, Start: "0-0", Count: 1}).Result()
	if err != nil {
		return QueuedJob{}, false, err
	}
	if len(claimed) > 0 {
		return queuedJob(claimed[0]), true, nil
	}
	wait := block.Truncate(time.Millisecond)
	if wait <= 0 {
		wait = -1 // no BLOCK: answer at once
	}
	streams, err := r.c.XReadGroup(ctx, &redis.XReadGroupArgs{Group: jobGroup, Consumer: consumer,
		Streams: []string{r.keys.jobs(), ">"}, Count: 1, Block: wait}).Result()
	switch {
	case errors.Is(err, redis.Nil):
		return QueuedJob{}, false, nil
	case err != nil:
		return QueuedJob{}, false, err
	}
	for _, s := range streams {
		if len(s.Messages) > 0 {
			return queuedJob(s.Messages[0]), true, nil
		}
	}
	return QueuedJob{}, false, nil
}

func queuedJob(m redis.XMessage) QueuedJob {
	s, _ := m.Values["job"].(string)
	return QueuedJob{ID: m.ID, Payload: []byte(s)}
}

// ensureGroup creates the consumer group (and the stream) once; from id 0,
// so that jobs pushed before any replica read are taken too.
func (r *Redis) ensureGroup(ctx context.Context) error {
	if r.queue.group.Load() {
		return nil
	}
	err := r.c.XGroupCreateMkStream(ctx, r.keys.jobs(), jobGroup, "0").Err()
	if err != nil && !strings.HasPrefix(err.Error(), "BUSYGROUP") {
		return err
	}
	r.queue.group.Store(true)
	return nil
}

func isNoGroup(err error) bool { return err != nil && strings.HasPrefix(err.Error(), "NOGROUP") }

// holdScript resets a pending job's idle time (XCLAIM … JUSTID with no
// minimum idle time), but only while KEYS[1]'s group still lists it under
// ARGV[2]: a plain XCLAIM would take back a job another consumer has
// rightly claimed since.
var holdScript = redis.NewScript(`
local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[3], ARGV[3], 1)
if #p == 1 and p[1][2] == ARGV[2] then
	redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[3], 'JUSTID')
	return 1
end
return 0
`)

// Hold implements Queue.
func (r *Redis) Hold(ctx context.Context, consumer, id string) error {
	err := holdScript.Run(ctx, r.c, []string{r.keys.jobs()}, jobGroup, consumer, id).Err()
	if err != nil && !isNoGroup(err) {
		return fmt.Errorf("store: hold job: %w", err)
	}
	return nil
}

// Ack implements Queue with XACK and XDEL in one transaction.
func (r *Redis) Ack(ctx context.Context, id string) error {
	_, err := r.c.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.XAck(ctx, r.keys.jobs(), jobGroup, id)
		p.XDel(ctx, r.keys.jobs(), id)
		return nil
	})
	if err != nil && !isNoGroup(err) {
		return fmt.Errorf("store: ack job: %w", err)
	}
	return nil
}

// Len implements Queue with XLEN (Ack deletes what it acknowledges).
func (r *Redis) Len(ctx context.Context) (int, error) {
	n, err := r.c.XLen(ctx, r.keys.jobs()).Result()
	if err != nil {
		return 0, fmt.Errorf("store: queue length: %w", err)
	}
	return int(n), nil
}

// Leave implements Queue: every process is a new consumer, so that
// without it the group's list of consumers grows with every restart.
func (r *Redis) Leave(ctx context.Context, consumer string) error {
	if err := r.queue.leave.Run(ctx, r.c, []string{r.keys.jobs()}, jobGroup, consumer).Err(); err != nil {
		return fmt.Errorf("store: leave queue: %w", err)
	}
	return nil
}

// Durable implements Queue: jobs stay in Redis across restarts.
func (r *Redis) Durable() bool { return true }

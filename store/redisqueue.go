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

// pushScript adds a job unless limit jobs wait: the stream's length (Ack
// deletes) less the jobs taken and not acknowledged (XPENDING; none before
// the group exists). KEYS[1] is the stream; ARGV is the limit and the
// payload. It returns how many wait now, or -1.
const pushScript = `
if redis.replicate_commands then redis.replicate_commands() end
local n = redis.call('XLEN', KEYS[1])
local ok, p = pcall(redis.call, 'XPENDING', KEYS[1], ARGV[3])
if ok then
	n = n - tonumber(p[1])
end
if n >= tonumber(ARGV[1]) then
	return -1
end
redis.call('XADD', KEYS[1], '*', 'job', ARGV[2])
return n + 1
`

// redisQueue is the durable job queue: a stream with one consumer group
// that every replica reads (XREADGROUP), claiming what a dead consumer
// left (XAUTOCLAIM), acknowledging and deleting what was answered
// (XACK, XDEL).
type redisQueue struct {
	push  *redis.Script
	group atomic.Bool // the consumer group is known to exist
}

// Push implements Queue with XADD, refused at the limit.
func (r *Redis) Push(ctx context.Context, payload []byte, limit int) (int, error) {
	if err := checkQueueLimit(limit); err != nil {
		return 0, err
	}
	n, err := r.queue.push.Run(ctx, r.c, []string{r.keys.jobs()}, limit, payload, jobGroup).Int()
	switch {
	case err != nil:
		return 0, fmt.Errorf("store: push job: %w", err)
	case n < 0:
		return limit, ErrQueueFull
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

// Durable implements Queue: jobs stay in Redis across restarts.
func (r *Redis) Durable() bool { return true }

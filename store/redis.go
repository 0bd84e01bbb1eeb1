package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

var _ Store = (*Redis)(nil)

// Redis is the store that several replicas share (SPEC §9). Every method is
// one round trip; every key is single-slot, so it works the same on a single
// server, behind Sentinel and on a Cluster. Errors are returned wrapped, never
// panicked, so a Redis outage degrades the bot instead of stopping it. It is
// safe for concurrent use.
type Redis struct {
	c        redis.UniversalClient
	keys     keys
	auditCap int
	allow    *redis.Script
}

// NewRedis returns a store on c, which it owns from then on: Close closes it.
// It makes no network call. Of the options, WithKeyPrefix and WithAuditCap
// matter.
func NewRedis(c redis.UniversalClient, opts ...Option) *Redis {
	o := newOptions(opts)
	return &Redis{c: c, keys: keys{prefix: o.prefix}, auditCap: o.auditCap, allow: redis.NewScript(allowScript)}
}

// allowScript is the sliding-window limiter: a sorted set of allowed events
// scored by Redis's own clock in milliseconds (so replicas with drifting
// clocks agree, and scores stay below the 14 digits Lua prints exactly).
// KEYS[1] is the rate key; ARGV is limit, window in ms, a unique member.
const allowScript = `
if redis.replicate_commands then redis.replicate_commands() end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[2]))
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then
	return 0
end
redis.call('ZADD', KEYS[1], now, ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`

// Claim implements Dedup with SET NX PX, atomic across replicas.
func (r *Redis) Claim(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	if err := checkTTL("claim", ttl); err != nil {
		return false, err
	}
	ok, err := r.c.SetNX(ctx, r.keys.dedup(key), 1, ttl).Result()
	if err != nil {
		return false, fmt.Errorf("store: claim: %w", err)
	}
	return ok, nil
}

// Save implements Diagnoses.
func (r *Redis) Save(ctx context.Context, rec Record, ttl time.Duration) error {
	if rec.ID == "" {
		return fmt.Errorf("store: save diagnosis: empty id")
	}
	if err := checkTTL("save diagnosis", ttl); err != nil {
		return err
	}
	b, err := encodeRecord(rec)
	if err != nil {
		return fmt.Errorf("store: save diagnosis: %w", err)
	}
	if err := r.c.Set(ctx, r.keys.diag(rec.ID), b, ttl).Err(); err != nil {
		return fmt.Errorf("store: save diagnosis: %w", err)
	}
	return nil
}

// Get implements Diagnoses.
func (r *Redis) Get(ctx context.Context, id string) (Record, error) {
	b, err := r.c.Get(ctx, r.keys.diag(id)).Bytes()
	switch {
	case errors.Is(err, redis.Nil):
		return Record{}, ErrNotFound
	case err != nil:
		return Record{}, fmt.Errorf("store: get diagnosis: %w", err)
	}
	rec, err := decodeRecord(b)
	if err != nil {
		return Record{}, fmt.Errorf("store: get diagnosis: %w", err)
	}
	return rec, nil
}

// LinkThread implements Diagnoses.
func (r *Redis) LinkThread(ctx context.Context, t Thread, id string, ttl time.Duration) error {
	if err := checkTTL("link thread", ttl); err != nil {
		return err
	}
	if err := r.c.Set(ctx, r.keys.thread(t), id, ttl).Err(); err != nil {
		return fmt.Errorf("store: link thread: %w", err)
	}
	return nil
}

// ThreadDiagnosis implements Diagnoses.
func (r *Redis) ThreadDiagnosis(ctx context.Context, t Thread) (string, error) {
	id, err := r.c.Get(ctx, r.keys.thread(t)).Result()
	switch {
	case errors.Is(err, redis.Nil):
		return "", ErrNotFound
	case err != nil:
		return "", fmt.Errorf("store: thread diagnosis: %w", err)
	}
	return id, nil
}

// Allow implements Limiter with a sliding window kept in a sorted set and
// updated atomically by a Lua script.
func (r *Redis) Allow(ctx context.Context, key string, limit int, window time.Duration) (bool, error) {
	if err := checkRate(limit, window); err != nil {
		return false, err
	}
	member := strconv.FormatUint(rand.Uint64(), 36)
	n, err := r.allow.Run(ctx, r.c, []string{r.keys.rate(key, window)}, limit, window.Milliseconds(), member).Int()
	if err != nil {
		return false, fmt.Errorf("store: allow: %w", err)
	}
	return n == 1, nil
}

// Append implements Audit with XADD onto a stream trimmed to exactly the
// audit cap. A zero e.Time is read back as the time of the stream entry id,
// which is Redis's clock.
func (r *Redis) Append(ctx context.Context, e AuditEntry) error {
	b, err := json.Marshal(auditJSON(e))
	if err != nil {
		return fmt.Errorf("store: append audit: %w", err)
	}
	err = r.c.XAdd(ctx, &redis.XAddArgs{
		Stream: r.keys.audit(),
		MaxLen: int64(r.auditCap),
		Values: []any{"entry", b},
	}).Err()
	if err != nil {
		return fmt.Errorf("store: append audit: %w", err)
	}
	return nil
}

// Recent implements Audit with XREVRANGE.
func (r *Redis) Recent(ctx context.Context, n int) ([]AuditEntry, error) {
	if n <= 0 {
		return []AuditEntry{}, nil
	}
	msgs, err := r.c.XRevRangeN(ctx, r.keys.audit(), "+", "-", int64(n)).Result()
	if err != nil {
		return nil, fmt.Errorf("store: recent audit: %w", err)
	}
	out := make([]AuditEntry, 0, len(msgs))
	for _, msg := range msgs {
		e, err := decodeAudit(msg)
		if err != nil {
			return nil, fmt.Errorf("store: recent audit: %w", err)
		}
		out = append(out, e)
	}
	return out, nil
}

// listPage is how many audit entries List reads per round trip.
const listPage = 500

// listSkew is how far before f.Since List reads the stream: an entry's id
// is Redis's clock, its Time the replica's that wrote it.
const listSkew = time.Hour

// List implements Audit with XREVRANGE, newest first, a page at a time,
// from the newest entry down to f.Since (less listSkew), filtering as it
// goes.
func (r *Redis) List(ctx context.Context, f AuditFilter) ([]AuditEntry, error) {
	low := "-"
	if !f.Since.IsZero() {
		low = strconv.FormatInt(max(0, f.Since.Add(-listSkew).UnixMilli()), 10)
	}
	out := []AuditEntry{}
	high := "+"
	for {
		msgs, err := r.c.XRevRangeN(ctx, r.keys.audit(), high, low, listPage).Result()
		if err != nil {
			return nil, fmt.Errorf("store: list audit: %w", err)
		}
		for _, msg := range msgs {
			e, err := decodeAudit(msg)
			if err != nil {
				return nil, fmt.Errorf("store: list audit: %w", err)
			}
			if !f.match(e) {
				continue
			}
			if out = append(out, e); f.Limit > 0 && len(out) == f.Limit {
				return out, nil
			}
		}
		if len(msgs) < listPage {
			return out, nil
		}
		high = "(" + msgs[len(msgs)-1].ID
	}
}

func decodeAudit(msg redis.XMessage) (AuditEntry, error) {
	s, _ := msg.Values["entry"].(string)
	var a auditJSON
	if err := json.Unmarshal([]byte(s), &a); err != nil {
		return AuditEntry{}, fmt.Errorf("entry %s: %w", msg.ID, err)
	}
	if a.Time.IsZero() {
		a.Time = streamIDTime(msg.ID)
	}
	return AuditEntry(a), nil
}

// streamIDTime is the time in a stream entry id ("<ms>-<seq>").
func streamIDTime(id string) time.Time {
	ms, _, _ := strings.Cut(id, "-")
	n, err := strconv.ParseInt(ms, 10, 64)
	if err != nil {
		return time.Time{}
	}
	return time.UnixMilli(n).UTC()
}

// Bytes implements Cache.
func (r *Redis) Bytes(ctx context.Context, key string) ([]byte, bool, error) {
	b, err := r.c.Get(ctx, r.keys.cache(key)).Bytes()
	switch {
	case errors.Is(err, redis.Nil):
		return nil, false, nil
	case err != nil:
		return nil, false, fmt.Errorf("store: cache get: %w", err)
	}
	return b, true, nil
}

// SetBytes implements Cache.
func (r *Redis) SetBytes(ctx context.Context, key string, b []byte, ttl time.Duration) error {
	if err := checkTTL("cache set", ttl); err != nil {
		return err
	}
	if b == nil {
		b = []byte{}
	}
	if err := r.c.Set(ctx, r.keys.cache(key), b, ttl).Err(); err != nil {
		return fmt.Errorf("store: cache set: %w", err)
	}
	return nil
}

// Ping sends PING; /readyz reports its error.
func (r *Redis) Ping(ctx context.Context) error {
	if err := r.c.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("store: ping: %w", err)
	}
	return nil
}

// Close closes the client. Closing twice returns the client's error.
func (r *Redis) Close() error {
	if err := r.c.Close(); err != nil {
		return fmt.Errorf("store: close: %w", err)
	}
	return nil
}

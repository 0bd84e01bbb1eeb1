package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

var _ Store = (*Memory)(nil)

// sweepEvery is how often, by the store's clock, a write also drops every
// expired value, so that a long-running bot does not keep a dedup key per
// event forever.
const sweepEvery = time.Minute

// Memory is the embedded store of a single replica: the default when no Redis
// is configured. It keeps exactly what Redis keeps: records are stored as the
// same JSON and bytes are copied in and out, so no caller can change a stored
// value by mutating what it passed in or got back. TTLs and rate windows read
// the clock given to NewMemory. It is safe for concurrent use.
type Memory struct {
	now      func() time.Time
	keys     keys
	auditCap int

	mu        sync.Mutex
	closed    bool
	values    map[string]memValue // diagnoses, threads, dedup keys, cache
	rates     map[string]*rateLog
	audit     []AuditEntry // a ring of at most auditCap entries
	auditNext int          // where the next entry goes once the ring is full
	nextSweep time.Time
}

type memValue struct {
	b       []byte
	expires time.Time
}

// rateLog is one limiter key's allowed events, oldest first.
type rateLog struct {
	window time.Duration
	hits   []time.Time
}

// NewMemory returns an empty store whose TTLs and windows follow now
// (time.Now when nil). Of the options, WithAuditCap matters.
func NewMemory(now func() time.Time, opts ...Option) *Memory {
	if now == nil {
		now = time.Now
	}
	o := newOptions(opts)
	return &Memory{
		now:      now,
		keys:     keys{prefix: o.prefix},
		auditCap: o.auditCap,
		values:   map[string]memValue{},
		rates:    map[string]*rateLog{},
	}
}

// usable reports why a call cannot go on, if it cannot; m.mu is held.
func (m *Memory) usable(ctx context.Context, op string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("store: %s: %w", op, err)
	}
	if m.closed {
		return fmt.Errorf("store: %s: %w", op, errClosed)
	}
	return nil
}

// lookup returns the live value under key, without copying it; m.mu is held.
func (m *Memory) lookup(key string, now time.Time) ([]byte, bool) {
	v, ok := m.values[key]
	if !ok {
		return nil, false
	}
	if !now.Before(v.expires) {
		delete(m.values, key)
		return nil, false
	}
	return v.b, true
}

// put stores b, which the caller no longer touches, under key; m.mu is held.
// The TTL is cut to whole milliseconds, as Redis keeps it.
func (m *Memory) put(key string, b []byte, now time.Time, ttl time.Duration) {
	m.sweep(now)
	m.values[key] = memValue{b: b, expires: now.Add(ttl.Truncate(time.Millisecond))}
}

// sweep drops expired values and rate logs at most once per sweepEvery; m.mu is held.
func (m *Memory) sweep(now time.Time) {
	if now.Before(m.nextSweep) {
		return
	}
	m.nextSweep = now.Add(sweepEvery)
	for k, v := range m.values {
		if !now.Before(v.expires) {
			delete(m.values, k)
		}
	}
	for k, l := range m.rates {
		if n := len(l.hits); n == 0 || !now.Before(l.hits[n-1].Add(l.window)) {
			delete(m.rates, k)
		}
	}
}

// Claim implements Dedup.
func (m *Memory) Claim(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.usable(ctx, "claim"); err != nil {
		return false, err
	}
	if err := checkTTL("claim", ttl); err != nil {
		return false, err
	}
	now := m.now()
	k := m.keys.dedup(key)
	if _, taken := m.lookup(k, now); taken {
		return false, nil
	}
	m.put(k, nil, now, ttl)
	return true, nil
}

// Save implements Diagnoses. r is encoded, so later changes to its slices
// and pointers do not reach the stored record.
func (m *Memory) Save(ctx context.Context, r Record, ttl time.Duration) error {
	if r.ID == "" {
		return fmt.Errorf("store: save diagnosis: empty id")
	}
	b, err := encodeRecord(r)
	if err != nil {
		return fmt.Errorf("store: save diagnosis: %w", err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.usable(ctx, "save diagnosis"); err != nil {
		return err
	}
	if err := checkTTL("save diagnosis", ttl); err != nil {
		return err
	}
	m.put(m.keys.diag(r.ID), b, m.now(), ttl)
	return nil
}

// Get implements Diagnoses. The record returned shares nothing with the store.
func (m *Memory) Get(ctx context.Context, id string) (Record, error) {
	b, err := m.get(ctx, "get diagnosis", m.keys.diag(id))
	if err != nil {
		return Record{}, err
	}
	r, err := decodeRecord(b)
	if err != nil {
		return Record{}, fmt.Errorf("store: get diagnosis: %w", err)
	}
	return r, nil
}

// get returns the value under key (immutable once stored) or ErrNotFound.
func (m *Memory) get(ctx context.Context, op, key string) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.usable(ctx, op); err != nil {
		return nil, err
	}
	b, ok := m.lookup(key, m.now())
	if !ok {
		return nil, ErrNotFound
	}
	return b, nil
}

// LinkThread implements Diagnoses.
func (m *Memory) LinkThread(ctx context.Context, t Thread, id string, ttl time.Duration) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.usable(ctx, "link thread"); err != nil {
		return err
	}
	if err := checkTTL("link thread", ttl); err != nil {
		return err
	}
	m.put(m.keys.thread(t), []byte(id), m.now(), ttl)
	return nil
}

// ThreadDiagnosis implements Diagnoses.
func (m *Memory) ThreadDiagnosis(ctx context.Context, t Thread) (string, error) {
	b, err := m.get(ctx, "thread diagnosis", m.keys.thread(t))
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// Allow implements Limiter with a sliding window.
func (m *Memory) Allow(ctx context.Context, key string, limit int, window time.Duration) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.usable(ctx, "allow"); err != nil {
		return false, err
	}
	if err := checkRate(limit, window); err != nil {
		return false, err
	}
	window = window.Truncate(time.Millisecond) // as Redis counts it
	now := m.now()
	m.sweep(now)
	k := m.keys.rate(key, window)
	l := m.rates[k]
	if l == nil {
		l = &rateLog{window: window}
		m.rates[k] = l
	}
	// An event at exactly now-window has left the window, as in Redis.
	start := now.Add(-window)
	i := 0
	for i < len(l.hits) && !l.hits[i].After(start) {
		i++
	}
	l.hits = l.hits[i:]
	if len(l.hits) >= limit {
		return false, nil
	}
	l.hits = append(l.hits, now)
	return true, nil
}

// Append implements Audit; a zero e.Time becomes the store's now.
func (m *Memory) Append(ctx context.Context, e AuditEntry) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.usable(ctx, "append audit"); err != nil {
		return err
	}
	if e.Time.IsZero() {
		e.Time = m.now()
	}
	e.Time = e.Time.Round(0) // as stored in Redis: no monotonic reading
	if len(m.audit) < m.auditCap {
		m.audit = append(m.audit, e)
		m.auditNext = len(m.audit) % m.auditCap
		return nil
	}
	m.audit[m.auditNext] = e
	m.auditNext = (m.auditNext + 1) % m.auditCap
	return nil
}

// Recent implements Audit.
func (m *Memory) Recent(ctx context.Context, n int) ([]AuditEntry, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.usable(ctx, "recent audit"); err != nil {
		return nil, err
	}
	size := len(m.audit)
	n = max(0, min(n, size))
	out := make([]AuditEntry, n)
	for i := range out {
		out[i] = m.audit[((m.auditNext-1-i)%size+size)%size]
	}
	return out, nil
}

// List implements Audit.
func (m *Memory) List(ctx context.Context, f AuditFilter) ([]AuditEntry, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.usable(ctx, "list audit"); err != nil {
		return nil, err
	}
	size := len(m.audit)
	out := []AuditEntry{}
	for i := range size {
		e := m.audit[((m.auditNext-1-i)%size+size)%size]
		if !f.match(e) {
			continue
		}
		if out = append(out, e); f.Limit > 0 && len(out) == f.Limit {
			break
		}
	}
	return out, nil
}

// Bytes implements Cache. The slice returned is the caller's.
func (m *Memory) Bytes(ctx context.Context, key string) ([]byte, bool, error) {
	b, err := m.get(ctx, "cache get", m.keys.cache(key))
	switch {
	case errors.Is(err, ErrNotFound):
		return nil, false, nil
	case err != nil:
		return nil, false, err
	}
	return append([]byte{}, b...), true, nil
}

// SetBytes implements Cache. b is copied.
func (m *Memory) SetBytes(ctx context.Context, key string, b []byte, ttl time.Duration) error {
	b = bytes.Clone(b)
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.usable(ctx, "cache set"); err != nil {
		return err
	}
	if err := checkTTL("cache set", ttl); err != nil {
		return err
	}
	m.put(m.keys.cache(key), b, m.now(), ttl)
	return nil
}

// Ping reports an error only after Close or when ctx is done.
func (m *Memory) Ping(ctx context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.usable(ctx, "ping")
}

// Close drops everything; later calls fail. Closing twice is not an error.
func (m *Memory) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.closed = true
	m.values, m.rates, m.audit = nil, nil, nil
	return nil
}

package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/onboard-check/onboard-check/diagnosis"
)

// ErrNotFound is returned by Get and ThreadDiagnosis when nothing is stored
// under the id or thread, or what was stored has expired. Match it with errors.Is.
var ErrNotFound = errors.New("store: not found")

// errClosed is returned by every Memory method after Close.
var errClosed = errors.New("store: closed")

// DefaultAuditCap is how many audit entries a store keeps unless WithAuditCap
// says otherwise. Older entries are dropped only once the cap is reached.
const DefaultAuditCap = 100_000

// Record is a finished diagnosis and what follow-ups in its thread need from
// it ("details", "signins", "policy CA010", "whatif"). It is stored as JSON;
// empty and nil slices are not told apart, and Finding's unexported ordering
// key does not survive (findings are stored already ordered).
type Record struct {
	ID        string
	CreatedAt time.Time
	Surface   string // "slack", "teams", "cli"
	Requester string // surface user id
	Query     diagnosis.Query
	Lang      string
	Diagnosis diagnosis.Diagnosis
	// Snapshot is what the diagnosis was made from. The caller trims it to
	// the diagnosed user's own data before saving (SPEC §10).
	Snapshot diagnosis.Snapshot
}

// Thread is where a diagnosis was posted, the key its follow-ups arrive with:
// a Slack channel and thread_ts, or a Teams conversation and activity id.
type Thread struct {
	Surface, Channel, Thread string
}

// AuditEntry records one disclosure or refusal: who asked (Surface,
// Requester) where (Conversation), for what (Action, Target) and what they
// got (Verdict, or the Refusal reason) (SPEC §9, §10). A zero Time is
// filled in by the store when appended.
type AuditEntry struct {
	Time         time.Time
	Surface      string // "slack", "teams", "cli"
	Requester    string // surface user id or AAD object id
	Conversation string // channel or conversation id, and "/thread" inside a thread
	Action       string // "check", "recheck", "details", "signins", "policy", "whatif", "button.details", …
	Target       string // the account disclosed or asked about: its UPN, else as typed
	TargetID     string // the account's object id, when it was found
	Verdict      string // the diagnosis verdict, for check and recheck
	Refusal      string // why nothing was disclosed ("not_allowed", "foreign_team", …); empty when answered
	DiagnosisID  string // the stored diagnosis the answer came from
}

// Dedup remembers deliveries so that a redelivered event is answered once.
type Dedup interface {
	// Claim reports whether key was free and, if so, claims it for ttl. It is
	// atomic across every replica sharing the store: of many concurrent
	// claims of one free key, exactly one returns true.
	Claim(ctx context.Context, key string, ttl time.Duration) (bool, error)
}

// Diagnoses keeps finished diagnoses and the threads they were posted in.
type Diagnoses interface {
	// Save stores r under r.ID for ttl, replacing any record with that id.
	Save(ctx context.Context, r Record, ttl time.Duration) error
	// Get returns the record saved under id, or ErrNotFound.
	Get(ctx context.Context, id string) (Record, error)
	// LinkThread points t at the diagnosis id for ttl, replacing any link.
	LinkThread(ctx context.Context, t Thread, id string, ttl time.Duration) error
	// ThreadDiagnosis returns the diagnosis id linked to t, or ErrNotFound.
	ThreadDiagnosis(ctx context.Context, t Thread) (string, error)
}

// Limiter rations work per key (usually per requester).
type Limiter interface {
	// Allow reports whether one more event for key fits in a sliding window:
	// true when fewer than limit events were allowed in the last window, in
	// which case this one is counted. Refused events are not counted, so a
	// requester who keeps trying is let in again one window after the
	// oldest allowed event. Limiters with different windows never share
	// counts. limit must be at least 1 and window at least 1ms.
	Allow(ctx context.Context, key string, limit int, window time.Duration) (bool, error)
}

// AuditFilter selects audit entries; zero fields select everything.
type AuditFilter struct {
	Since     time.Time // entries at or after Since
	Requester string    // entries of this requester id
	User      string    // entries about this account: its UPN or object id, case-insensitive
	Limit     int       // at most Limit entries; 0 means no limit
}

// match reports whether e passes f.
func (f AuditFilter) match(e AuditEntry) bool {
	return (f.Since.IsZero() || !e.Time.Before(f.Since)) &&
		(f.Requester == "" || e.Requester == f.Requester) &&
		(f.User == "" || strings.EqualFold(e.Target, f.User) || strings.EqualFold(e.TargetID, f.User))
}

// Audit is the append-only log of disclosures and refusals.
type Audit interface {
	// Append adds e to the log. Entries are dropped only when the log holds
	// more than its cap, oldest first.
	Append(ctx context.Context, e AuditEntry) error
	// Recent returns up to n entries, newest first.
	Recent(ctx context.Context, n int) ([]AuditEntry, error)
	// List returns the entries f selects, newest first.
	List(ctx context.Context, f AuditFilter) ([]AuditEntry, error)
}

// Cache keeps opaque bytes for a while (graph caches policies and named
// locations in it). A miss is ok == false with a nil error.
type Cache interface {
	Bytes(ctx context.Context, key string) (b []byte, ok bool, err error)
	SetBytes(ctx context.Context, key string, b []byte, ttl time.Duration) error
}

// Store is everything the bot keeps; storetest.Run holds Memory and Redis to
// one contract.
type Store interface {
	Dedup
	Diagnoses
	Limiter
	Audit
	Cache
	// Ping reports whether the store can be used; /readyz calls it.
	Ping(ctx context.Context) error
	// Close releases the store; later calls fail.
	Close() error
}

// Option configures a Memory or a Redis store.
type Option func(*options)

type options struct {
	prefix   string
	auditCap int
}

func newOptions(opts []Option) options {
	o := options{auditCap: DefaultAuditCap}
	for _, opt := range opts {
		opt(&o)
	}
	return o
}

// WithKeyPrefix puts p in front of every key, so that tests sharing one Redis
// database stay apart. Memory accepts it too, to no visible effect.
func WithKeyPrefix(p string) Option {
	return func(o *options) { o.prefix = p }
}

// WithAuditCap sets how many audit entries are kept; n below 1 keeps the
// default, DefaultAuditCap.
func WithAuditCap(n int) Option {
	return func(o *options) {
		if n >= 1 {
			o.auditCap = n
		}
	}
}

// keyVersion starts every key. A change of stored format gets a new version,
// so that old and new replicas never read each other's values.
const keyVersion = "onboard:v1:"

// keys names the keys of one store:
//
//	onboard:v1:diag:<id>
//	onboard:v1:thread:<surface>:<channel>:<thread>   (each part escaped, see threadPart)
//	onboard:v1:dedup:<key>
//	onboard:v1:rate:<key>:<window in ms>
//	onboard:v1:cache:<key>
//	onboard:v1:audit
type keys struct{ prefix string }

func (k keys) diag(id string) string   { return k.prefix + keyVersion + "diag:" + id }
func (k keys) dedup(key string) string { return k.prefix + keyVersion + "dedup:" + key }
func (k keys) cache(key string) string { return k.prefix + keyVersion + "cache:" + key }
func (k keys) audit() string           { return k.prefix + keyVersion + "audit" }
func (k keys) thread(t Thread) string {
	return k.prefix + keyVersion + "thread:" + threadPart(t.Surface) + ":" + threadPart(t.Channel) + ":" + threadPart(t.Thread)
}
func (k keys) rate(key string, window time.Duration) string {
	return k.prefix + keyVersion + "rate:" + key + ":" + strconv.FormatInt(window.Milliseconds(), 10)
}

// threadPart escapes one part of a thread key so that the parts stay apart:
// Teams conversation ids contain colons ("19:…@thread.tacv2"), and without it
// ("19:a", "b") and ("19", "a:b") would share a key.
func threadPart(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "%", "%25"), ":", "%3A")
}

// checkTTL rejects lifetimes Redis cannot express. Nothing is kept forever:
// records hold personal data (SPEC §10).
func checkTTL(op string, ttl time.Duration) error {
	if ttl < time.Millisecond {
		return fmt.Errorf("store: %s: ttl %v is below 1ms", op, ttl)
	}
	return nil
}

func checkRate(limit int, window time.Duration) error {
	if limit < 1 {
		return fmt.Errorf("store: allow: limit %d is below 1", limit)
	}
	if window < time.Millisecond {
		return fmt.Errorf("store: allow: window %v is below 1ms", window)
	}
	return nil
}

package graph

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/onboard-check/onboard-check/diagnosis"
)

// Client reads snapshots from Microsoft Graph for one tenant. It is safe for
// concurrent use; its throttling budget, its coalesced reads and the $batch
// fallback are shared by every diagnosis it runs.
type Client struct {
	cfg        Config
	v1, beta   string // service root + "/v1.0", + "/beta"
	http       *http.Client
	tokens     tokenSource
	cache      Cache
	keys       cacheKeys
	log        *slog.Logger
	budget     Budget
	local      *localBudget // when budget fails, and when none is configured
	flights    flight
	noBatch    atomic.Bool // $batch was refused once: send parallel requests
	noCombined atomic.Bool // the one-query sign-in filter was refused (400)
}

var (
	_ diagnosis.Source       = (*Client)(nil)
	_ diagnosis.PolicySource = (*Client)(nil)
)

// New returns a Client for cfg. It makes no network call; cache may be nil
// (every diagnosis is then cold, and reads coalesce within the process
// only) and logger nil (nothing is logged).
func New(cfg Config, cache Cache, logger *slog.Logger) (*Client, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("graph config: %w", err)
	}
	cfg = cfg.withDefaults()
	base, err := parseBaseURL(cfg.BaseURL)
	if err != nil {
		return nil, fmt.Errorf("graph config: ONBOARD_GRAPH_URL: %w", err)
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	var tokens tokenSource = staticToken(cfg.Token)
	if !cfg.Token.IsSet() {
		tokens = credentialToken{cred: cfg.Credential, scope: base.Scheme + "://" + base.Host + "/.default"}
	}
	hc := &http.Client{}
	if cfg.HTTPClient != nil {
		copied := *cfg.HTTPClient
		hc = &copied
	}
	rt := hc.Transport
	if rt == nil {
		rt = http.DefaultTransport
	}
	hc.Transport = &authTransport{base: rt, scheme: base.Scheme, host: base.Host, tokens: tokens}
	root := base.String()
	local := newLocalBudget()
	var budget Budget = local
	if cfg.Budget != nil {
		budget = cfg.Budget
	}
	return &Client{
		cfg: cfg, v1: root + "/v1.0", beta: root + "/beta", http: hc, tokens: tokens,
		cache: cache, keys: newCacheKeys(base.Host), log: logger.With(slog.String("component", "graph")),
		budget: budget, local: local,
	}, nil
}

// Ping reports whether the credential can get a token (for /readyz). It
// does not call Graph itself. A failure wraps ErrCredentials.
func (c *Client) Ping(ctx context.Context) error {
	if _, err := c.tokens.token(ctx); err != nil {
		return fmt.Errorf("ping graph: %w", &tokenError{err: err})
	}
	return nil
}

// failed counts a failure for metrics, once.
func (c *Client) failed(err error) {
	if c.cfg.OnFailure == nil {
		return
	}
	if kind := FailureKind(err); kind != "" {
		c.cfg.OnFailure(kind)
	}
}

// Snapshot reads the account q.User names, its memberships, its sign-ins
// between q.Since and q.Until (both logs; the engine filters by app) and the
// tenant's CA policies, named locations and security defaults.
//
// Round trips: a cold diagnosis takes at most two sequential ones (a v1.0
// $batch of the user, memberships and tenant reads; a beta read of the
// sign-ins and the per-user MFA state), one when the object id is known; a
// warm one (policies, account and memberships cached) one beta read. A
// check of an account whose sign-ins another check is reading, here or on
// another replica sharing the Cache, waits for that read instead of
// making its own. Before the sign-in read it waits for the tenant's budget
// (ctx permitting, reported through diagnosis.ReportProgress when long);
// Config.Timeout bounds the reads after that wait.
//
// A user Graph does not know is Snapshot.User == nil with a nil error. Parts
// that cannot be read become Snapshot.Warnings. The error is non-nil only
// when nothing could be read: it wraps ErrCredentials (401, no token),
// ErrDenied (403), ErrThrottled, ErrUnreachable (network, persistent 5xx,
// time budget) or an *APIError; a user body that cannot be decoded wraps
// none of them.
func (c *Client) Snapshot(ctx context.Context, q diagnosis.Query) (diagnosis.Snapshot, error) {
	if strings.TrimSpace(q.User) == "" {
		return diagnosis.Snapshot{}, errors.New("graph snapshot: no user given")
	}
	start := time.Now()
	r := &run{c: c, q: q, deadline: start.Add(c.cfg.Timeout)}
	snap, err := r.snapshot(ctx, true)
	r.stop()    // end what an early return left in flight …
	r.wg.Wait() // … and wait for it: nothing outlives the call
	if err != nil {
		c.failed(err)
	}
	c.log.Debug("graph snapshot", slog.Int("graph_round_trips", int(r.trips.Load())),
		slog.Duration("elapsed", time.Since(start)), slog.Int("warnings", len(snap.Warnings)), slog.Bool("ok", err == nil))
	return snap, err
}

// Policies reads the tenant's Conditional Access policies, named locations
// and security defaults, from the cache when it can, without reading any
// sign-in. It implements diagnosis.PolicySource; what cannot be read is a
// warning.
func (c *Client) Policies(ctx context.Context) (diagnosis.Snapshot, error) {
	r := &run{c: c, deadline: time.Now().Add(c.cfg.Timeout)}
	tctx := r.timed(ctx)
	t := r.tenant(tctx, true)
	res := c.start(tctx, t.calls, &r.trips, &r.wg)
	var snap diagnosis.Snapshot
	t.collect(tctx, r, res, &snap)
	r.stop()
	r.wg.Wait()
	return snap, nil
}

package graph

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
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

// byMail looks up the one account whose mail is the typed address, for a
// helpdesk that types the email address of an account whose UPN differs.
// It costs a round trip only when the UPN lookup found nothing.
func (r *run) byMail(ctx context.Context) (string, bool) {
	if guidRE.MatchString(r.q.User) || !strings.Contains(r.q.User, "@") {
		return "", false
	}
	filter := url.QueryEscape("mail eq " + quote(r.q.User))
	res := r.c.start(ctx, []call{{id: "byMail", part: partUser,
		url: r.c.v1 + "/users?$filter=" + filter + "&$select=id,userPrincipalName&$top=2"}}, &r.trips, &r.wg)
	got := res["byMail"].wait()
	if got.err != nil {
		return "", false
	}
	var page struct {
		Value []struct {
			ID string `json:"id"`
		} `json:"value"`
	}
	if err := json.Unmarshal(got.body, &page); err != nil || len(page.Value) != 1 || !guidRE.MatchString(page.Value[0].ID) {
		return "", false
	}
	return page.Value[0].ID, true
}

// run is one diagnosis's reads.
type run struct {
	c        *Client
	q        diagnosis.Query
	deadline time.Time      // end of the time budget, moved by budget waits
	trips    atomic.Int32   // HTTP exchanges, for the log line
	wg       sync.WaitGroup // every request goroutine of this run
	mu       sync.Mutex
	cancels  []context.CancelFunc
	// silent is set once the diagnosis has failed as a whole: the parts
	// it still collects are not counted as failures of their own.
	silent atomic.Bool
}

// timed returns ctx bounded by what is left of the time budget.
func (r *run) timed(ctx context.Context) context.Context {
	r.mu.Lock()
	defer r.mu.Unlock()
	tctx, cancel := context.WithDeadlineCause(ctx, r.deadline, errBudget)
	r.cancels = append(r.cancels, cancel)
	return tctx
}

// waited moves the end of the time budget by a wait for Graph's budget:
// queueing is not Graph work.
func (r *run) waited(d time.Duration) {
	r.mu.Lock()
	r.deadline = r.deadline.Add(d)
	r.mu.Unlock()
}

func (r *run) stop() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, cancel := range r.cancels {
		cancel()
	}
}

var guidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

const userSelect = "id,userPrincipalName,displayName,mail,accountEnabled,userType,externalUserState"

// snapshot runs the reads. Round 1 is a v1.0 $batch of the user and its
// memberships (unless cached) and the tenant reads (unless cached or read
// by another diagnosis right now), beside a beta read of the sign-ins and
// the per-user MFA state when the object id is already known (typed, or
// cached for the UPN). Otherwise round 2 reads those once the user is
// known. Paging follows in parallel per part.
func (r *run) snapshot(ctx context.Context, useCache bool) (diagnosis.Snapshot, error) {
	c, q := r.c, r.q
	var snap diagnosis.Snapshot

	id, known, fromCache := "", false, false
	if guidRE.MatchString(q.User) {
		id, known = q.User, true
	} else if useCache {
		id, known = cached[string](ctx, c.cache, c.log, c.keys.userID(q.User))
		fromCache = known
	}
	var cu cachedUser
	userCached := false
	if known && useCache {
		cu, userCached = cached[cachedUser](ctx, c.cache, c.log, c.keys.user(id))
		if userCached && !guidRE.MatchString(q.User) && !strings.EqualFold(cu.User.UserPrincipalName, q.User) {
			userCached = false
		}
	}

	// The sign-in read is booked (or found) before the time budget runs.
	var sign *signInPlan
	if known {
		sign = r.planSignIns(ctx, id)
	}
	tctx := r.timed(ctx)
	t := r.tenant(tctx, useCache)

	seg := url.PathEscape(q.User)
	if known {
		seg = url.PathEscape(id)
	}
	calls := t.calls
	if !userCached {
		calls = append(calls,
			call{id: "user", part: partUser, url: c.v1 + "/users/" + seg + "?$select=" + userSelect},
			call{id: "members", part: partMembers, url: c.v1 + "/users/" + seg + "/transitiveMemberOf?$top=999"},
			r.requirementsCall(id, known))
	}
	if known {
		calls = append(calls, sign.calls...)
	}
	res := c.start(tctx, nonNil(calls), &r.trips, &r.wg)

	var user diagnosis.User
	if userCached {
		user = cu.User
	} else {
		u := res["user"].wait()
		if u.err != nil {
			var ae *APIError
			if errors.As(u.err, &ae) && ae.Status == http.StatusNotFound {
				sign.abandon(c)
				r.silent.Store(true)
				t.collect(tctx, r, res, &diagnosis.Snapshot{}) // finish what this run leads
				r.silent.Store(false)
				if fromCache {
					return r.snapshot(ctx, false) // the cached id is gone: look the UPN up again
				}
				if id, ok := r.byMail(tctx); ok {
					r.q.User = id // an email address that is not the UPN
					return r.snapshot(ctx, false)
				}
				return snap, nil
			}
			sign.abandon(c)
			r.silent.Store(true)
			t.collect(tctx, r, res, &diagnosis.Snapshot{})
			return snap, fatal(tctx, "read user", u.err)
		}
		var err error
		if user, err = decodeUser(u.body); err != nil {
			sign.abandon(c)
			r.silent.Store(true)
			t.collect(tctx, r, res, &diagnosis.Snapshot{})
			return snap, fmt.Errorf("read user: %w", err)
		}
		if fromCache && !strings.EqualFold(user.UserPrincipalName, q.User) {
			sign.abandon(c)
			r.silent.Store(true)
			t.collect(tctx, r, res, &diagnosis.Snapshot{})
			r.silent.Store(false)
			return r.snapshot(ctx, false) // the UPN moved to another account
		}
	}
	snap.User = &user
	if !guidRE.MatchString(q.User) && !fromCache {
		remember(ctx, c.cache, c.log, c.keys.userID(q.User), user.ID, userIDTTL)
	}

	var (
		wg         sync.WaitGroup
		groups     []diagnosis.Group
		roles      []diagnosis.Role
		membersErr error
		mfa        requirementsRead
		signIns    signInRead
	)
	if userCached {
		groups, roles = cu.Groups, cu.Roles
		mfa = requirementsRead{state: cu.PerUserMFAState, read: cu.PerUserMFARead}
	} else {
		wg.Go(func() { groups, roles, membersErr = r.memberships(tctx, res["members"].wait(), user.ID) })
		if known {
			wg.Go(func() { mfa = r.requirements(res["requirements"].wait()) })
		}
	}
	wg.Go(func() {
		if !known {
			// Round 2: the user is known now; book its sign-in read.
			sign = r.planSignIns(ctx, user.ID)
			calls := sign.calls
			if !userCached {
				calls = append(calls, r.requirementsCall(user.ID, true))
			}
			sctx := r.timed(ctx)
			second := c.start(sctx, nonNil(calls), &r.trips, &r.wg)
			if !userCached {
				mfa = r.requirements(second["requirements"].wait())
			}
			signIns = sign.collect(ctx, sctx, r, user.ID, second)
			return
		}
		signIns = sign.collect(ctx, r.timed(ctx), r, user.ID, res)
	})
	t.collect(tctx, r, res, &snap)
	wg.Wait()

	if membersErr != nil {
		r.warn(&snap, warning(diagnosis.WarnMembershipsUnavailable, permDirectory, membersErr), membersErr, partMembers)
	} else {
		snap.Groups, snap.Roles, snap.MembershipsRead = groups, roles, true
		if !userCached && mfa.err == nil {
			remember(ctx, c.cache, c.log, c.keys.user(user.ID), cachedUser{User: user, Groups: groups, Roles: roles,
				PerUserMFAState: mfa.state, PerUserMFARead: mfa.read}, userTTL)
		}
	}
	r.applyRequirements(&snap, mfa)
	r.signIns(&snap, signIns)
	return snap, nil
}

// nonNil drops the zero calls a helper returns for "nothing to read".
func nonNil(calls []call) []call {
	out := calls[:0:0]
	for _, k := range calls {
		if k.id != "" {
			out = append(out, k)
		}
	}
	return out
}

// warn adds w once per code and reason, logs the failure behind it and
// counts it for metrics.
func (r *run) warn(snap *diagnosis.Snapshot, w diagnosis.Warning, err error, p part) {
	for _, have := range snap.Warnings {
		if have.Code == w.Code && have.Reason == w.Reason {
			return
		}
	}
	snap.Warnings = append(snap.Warnings, w)
	if err != nil {
		if !r.silent.Load() {
			r.c.failed(err)
		}
		r.c.log.Warn("graph read degraded", slog.String("part", p.String()), slog.String("reason", w.Reason),
			slog.String("status", statusOf(err)), slog.Any("err", err))
	}
}

// next returns the @odata.nextLink to follow, or an error when it leaves the
// service root: the token goes to the configured host only, and a link
// elsewhere is not followed at all.
func (c *Client) next(link string) (string, error) {
	if link == "" {
		return "", nil
	}
	if strings.HasPrefix(link, c.v1+"/") || strings.HasPrefix(link, c.beta+"/") {
		return link, nil
	}
	return "", errors.New("@odata.nextLink leaves the Graph service root")
}

// pages follows nextLinks from first, handing each page body to add, which
// returns the page's nextLink and whether to stop. It returns the error of
// a page after the first.
func (r *run) pages(ctx context.Context, p part, nextLink string, add func(body []byte) (string, bool, error)) error {
	for {
		link, err := r.c.next(nextLink)
		if err != nil || link == "" {
			return err
		}
		res := r.c.get(ctx, call{id: "next", part: p, url: link, prefer: p != partUser && p != partMembers}, &r.trips, 0, 0)
		if res.err != nil {
			return res.err
		}
		var stop bool
		nextLink, stop, err = add(res.body)
		if err != nil || stop {
			return err
		}
	}
}

func (r *run) memberships(ctx context.Context, first result, userID string) ([]diagnosis.Group, []diagnosis.Role, error) {
	var ae *APIError
	if first.err != nil && errors.As(first.err, &ae) && (ae.Status == http.StatusNotFound || ae.Status == http.StatusBadRequest || ae.Status == http.StatusNotImplemented) {
		// A Graph stand-in (or a cloud) without transitiveMemberOf: direct
		// memberships are better than none; nested groups are then missed.
		res := r.c.start(ctx, []call{{id: "memberOf", part: partMembers,
			url: r.c.v1 + "/users/" + url.PathEscape(userID) + "/memberOf?$top=999"}}, &r.trips, &r.wg)
		if direct := res["memberOf"].wait(); direct.err == nil {
			first = direct
		}
	}
	if first.err != nil {
		return nil, nil, first.err
	}
	var groups []diagnosis.Group
	var roles []diagnosis.Role
	add := func(body []byte) (string, bool, error) {
		g, ro, next, err := decodeMemberships(body)
		groups, roles = append(groups, g...), append(roles, ro...)
		return next, false, err
	}
	next, _, err := add(first.body)
	if err == nil {
		err = r.pages(ctx, partMembers, next, add)
	}
	return groups, roles, err
}

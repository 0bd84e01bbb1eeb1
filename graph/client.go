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
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/onboard-check/onboard-check/diagnosis"
)

// Client reads snapshots from Microsoft Graph for one tenant. It is safe for
// concurrent use; its rate limiters and the $batch fallback are shared by
// every diagnosis it runs.
type Client struct {
	cfg      Config
	v1, beta string // service root + "/v1.0", + "/beta"
	http     *http.Client
	tokens   tokenSource
	cache    Cache
	keys     cacheKeys
	log      *slog.Logger
	limits   map[part]*rate.Limiter
	noBatch  atomic.Bool // $batch was refused once: send parallel requests
}

var _ diagnosis.Source = (*Client)(nil)

// Client-side limits per tenant, below Graph's own so that a busy helpdesk
// is slowed down here instead of being answered 429: sign-in reports allow
// 5 requests per 10 s per app per tenant; CA policies and named locations
// 1 request per second per tenant, answered 429 without Retry-After.
// https://learn.microsoft.com/graph/throttling-limits
func newLimits() map[part]*rate.Limiter {
	signIns := rate.NewLimiter(rate.Every(2*time.Second), 5)
	return map[part]*rate.Limiter{
		partSignIns:     signIns,
		partBetaSignIns: signIns,
		partPolicies:    rate.NewLimiter(rate.Every(time.Second), 1),
		partLocations:   rate.NewLimiter(rate.Every(time.Second), 1),
	}
}

// New returns a Client for cfg. It makes no network call; cache may be nil
// (every diagnosis is then cold) and logger nil (nothing is logged).
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
	if cfg.Token == "" {
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
	return &Client{
		cfg: cfg, v1: root + "/v1.0", beta: root + "/beta", http: hc, tokens: tokens,
		cache: cache, keys: newCacheKeys(base.Host), log: logger.With(slog.String("component", "graph")),
		limits: newLimits(),
	}, nil
}

// Ping reports whether the credential can get a token (for /readyz). It
// does not call Graph itself. A failure wraps ErrCredentials.
func (c *Client) Ping(ctx context.Context) error {
	if _, err := c.tokens.token(ctx); err != nil {
		return fmt.Errorf("ping graph: %w: %w", ErrCredentials, &tokenError{err: err})
	}
	return nil
}

// Snapshot reads the account q.User names, its memberships, its sign-ins
// between q.Since and q.Until (both logs; the engine filters by app) and the
// tenant's CA policies and named locations, within the time budget.
//
// A user Graph does not know is Snapshot.User == nil with a nil error. Parts
// that cannot be read become Snapshot.Warnings. The error is non-nil only
// when nothing could be read: it wraps ErrCredentials (401, no token),
// ErrUnreachable (network, persistent 5xx, budget) or an *APIError.
func (c *Client) Snapshot(ctx context.Context, q diagnosis.Query) (diagnosis.Snapshot, error) {
	if strings.TrimSpace(q.User) == "" {
		return diagnosis.Snapshot{}, errors.New("graph snapshot: no user given")
	}
	start := time.Now()
	ctx, cancel := context.WithTimeoutCause(ctx, c.cfg.Budget, errBudget)
	defer cancel()
	r := &run{c: c, q: q}
	snap, err := r.snapshot(ctx, true)
	cancel()    // end what an early return left in flight …
	r.wg.Wait() // … and wait for it: nothing outlives the call
	c.log.Debug("graph snapshot", slog.Int("graph_round_trips", int(r.trips.Load())),
		slog.Duration("elapsed", time.Since(start)), slog.Int("warnings", len(snap.Warnings)), slog.Bool("ok", err == nil))
	return snap, err
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
	c     *Client
	q     diagnosis.Query
	trips atomic.Int32   // HTTP exchanges, for the log line
	wg    sync.WaitGroup // every request goroutine of this run
}

var guidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

const userSelect = "id,userPrincipalName,displayName,mail,accountEnabled,userType,externalUserState"

// snapshot runs the reads. Round 1 is one $batch: the user and its
// memberships, the policies and named locations unless cached, and the
// sign-ins when the object id is already known (typed, or cached for the
// UPN); the beta log travels beside it. Otherwise round 2 reads both logs in
// parallel. Paging follows in parallel per part.
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
	pol, polCached := cached[cachedPolicies](ctx, c.cache, c.log, c.keys.policies())
	loc, locCached := cached[cachedLocations](ctx, c.cache, c.log, c.keys.locations())

	seg := q.User
	if known {
		seg = id
	}
	seg = url.PathEscape(seg)
	calls := []call{
		{id: "user", part: partUser, url: c.v1 + "/users/" + seg + "?$select=" + userSelect},
		{id: "members", part: partMembers, url: c.v1 + "/users/" + seg + "/transitiveMemberOf?$top=999"},
	}
	if !polCached {
		calls = append(calls, call{id: "policies", part: partPolicies, prefer: true, url: c.v1 + "/identity/conditionalAccess/policies"})
	}
	if !locCached {
		calls = append(calls, call{id: "locations", part: partLocations, prefer: true, url: c.v1 + "/identity/conditionalAccess/namedLocations"})
	}
	if known {
		calls = append(calls, r.signInCall(id, false), r.signInCall(id, true))
	}
	res := c.start(ctx, calls, &r.trips, &r.wg)

	u := res["user"].wait()
	if u.err != nil {
		var ae *APIError
		if errors.As(u.err, &ae) && ae.Status == http.StatusNotFound {
			if fromCache {
				return r.snapshot(ctx, false) // the cached id is gone: look the UPN up again
			}
			if id, ok := r.byMail(ctx); ok {
				r.q.User = id // an email address that is not the UPN
				return r.snapshot(ctx, false)
			}
			return snap, nil
		}
		return snap, fatal(ctx, "read user", u.err)
	}
	user, err := decodeUser(u.body)
	if err != nil {
		return snap, fmt.Errorf("read user: %w: %w", ErrUnreachable, err)
	}
	if fromCache && !strings.EqualFold(user.UserPrincipalName, q.User) {
		return r.snapshot(ctx, false) // the UPN moved to another account
	}
	snap.User = &user
	if !guidRE.MatchString(q.User) && !fromCache {
		remember(ctx, c.cache, c.log, c.keys.userID(q.User), user.ID, userIDTTL)
	}

	var (
		wg                  sync.WaitGroup
		groups              []diagnosis.Group
		roles               []diagnosis.Role
		membersErr          error
		policies            []diagnosis.Policy
		policiesErr         error
		locations           []diagnosis.NamedLocation
		locationsErr        error
		interactive, nonInt logRead
	)
	wg.Go(func() { groups, roles, membersErr = r.memberships(ctx, res["members"].wait(), user.ID) })
	if polCached {
		policies = pol.Policies
	} else {
		wg.Go(func() {
			policies, policiesErr = r.policies(ctx, res["policies"].wait())
			if policiesErr == nil {
				remember(ctx, c.cache, c.log, c.keys.policies(), cachedPolicies{Policies: policies}, c.cfg.PolicyTTL)
			}
		})
	}
	if locCached {
		locations = loc.Locations
	} else {
		wg.Go(func() {
			locations, locationsErr = r.locations(ctx, res["locations"].wait())
			if locationsErr == nil {
				remember(ctx, c.cache, c.log, c.keys.locations(), cachedLocations{Locations: locations}, c.cfg.PolicyTTL)
			}
		})
	}
	wg.Go(func() {
		first := res
		if !known {
			first = c.start(ctx, []call{r.signInCall(user.ID, false), r.signInCall(user.ID, true)}, &r.trips, &r.wg)
		}
		var lw sync.WaitGroup
		lw.Go(func() { interactive = r.readLog(ctx, first["signIns"].wait(), partSignIns) })
		lw.Go(func() { nonInt = r.readLog(ctx, first["betaSignIns"].wait(), partBetaSignIns) })
		lw.Wait()
	})
	wg.Wait()

	if membersErr != nil {
		r.warn(&snap, warning(diagnosis.WarnMembershipsUnavailable, permDirectory, membersErr), membersErr, partMembers)
	} else {
		snap.Groups, snap.Roles, snap.MembershipsRead = groups, roles, true
	}
	if policiesErr != nil {
		r.warn(&snap, warning(diagnosis.WarnPoliciesUnavailable, permPolicy, policiesErr), policiesErr, partPolicies)
	} else {
		snap.Policies, snap.PoliciesRead = policies, true
	}
	if locationsErr != nil {
		r.warn(&snap, warning(diagnosis.WarnPoliciesUnavailable, permPolicy, locationsErr), locationsErr, partLocations)
	} else {
		snap.NamedLocations = locations
	}
	r.signIns(&snap, interactive, nonInt)
	return snap, nil
}

// signIns merges both logs into snap and says what is missing.
func (r *run) signIns(snap *diagnosis.Snapshot, interactive, nonInt logRead) {
	if interactive.err != nil {
		r.warn(snap, warning(diagnosis.WarnSignInLogsUnavailable, permAuditLog, interactive.err), interactive.err, partSignIns)
		return
	}
	snap.SignInsRead = true
	seen := make(map[string]bool)
	for _, l := range []logRead{interactive, nonInt} {
		for _, s := range l.signIns {
			if s.ID != "" && seen[s.ID] {
				continue
			}
			seen[s.ID] = true
			snap.SignIns = append(snap.SignIns, s)
		}
	}
	slices.SortStableFunc(snap.SignIns, func(a, b diagnosis.SignIn) int { return b.CreatedDateTime.Compare(a.CreatedDateTime) })

	if nonInt.err != nil {
		w := diagnosis.Warning{Code: diagnosis.WarnSignInLogsUnavailable, Reason: reasonNonInter}
		r.warn(snap, w, nonInt.err, partBetaSignIns)
	}
	for _, l := range []logRead{interactive, nonInt} {
		if l.cut != nil {
			r.warn(snap, warning(diagnosis.WarnPartialSignIns, permAuditLog, l.cut), l.cut, l.part)
		}
	}
	if interactive.truncated || nonInt.truncated {
		n := len(interactive.signIns) + len(nonInt.signIns)
		r.warn(snap, diagnosis.Warning{Code: diagnosis.WarnPartialSignIns, Reason: reasonTrunc,
			Args: map[string]string{"count": strconv.Itoa(n)}}, nil, partSignIns)
	}
	for _, s := range snap.SignIns {
		if strings.EqualFold(s.ConditionalAccessStatus, "failure") && len(s.AppliedPolicies) == 0 {
			r.warn(snap, diagnosis.Warning{Code: diagnosis.WarnPoliciesUnavailable, Reason: reasonHidden,
				Args: map[string]string{"permission": permPolicy}}, nil, partSignIns)
			break
		}
	}
}

// warn adds w once per code and reason, and logs the failure behind it.
func (r *run) warn(snap *diagnosis.Snapshot, w diagnosis.Warning, err error, p part) {
	for _, have := range snap.Warnings {
		if have.Code == w.Code && have.Reason == w.Reason {
			return
		}
	}
	snap.Warnings = append(snap.Warnings, w)
	if err != nil {
		r.c.log.Warn("graph read degraded", slog.String("part", p.String()), slog.String("reason", w.Reason),
			slog.String("status", statusOf(err)), slog.Any("err", err))
	}
}

// signInCall is the first page of one sign-in log. v1.0 holds interactive
// sign-ins; the beta log is asked for the non-interactive ones only.
// https://learn.microsoft.com/graph/api/signin-list
func (r *run) signInCall(userID string, beta bool) call {
	top := min(r.c.cfg.MaxSignIns, 1000)
	filter := signInFilter(userID, r.q.Since, r.q.Until, beta)
	root, id, p := r.c.v1, "signIns", partSignIns
	if beta {
		root, id, p = r.c.beta, "betaSignIns", partBetaSignIns
	}
	return call{id: id, part: p, prefer: true,
		url: root + "/auditLogs/signIns?$filter=" + queryValue(filter) + "&$top=" + strconv.Itoa(top)}
}

// queryValue percent-encodes a query value with %20 for spaces: OData does
// not read "+" as a space everywhere.
func queryValue(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
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

// logRead is what one sign-in log gave.
type logRead struct {
	part      part
	signIns   []diagnosis.SignIn
	err       error // the first page failed: nothing read
	cut       error // a later page failed: signIns is partial
	truncated bool  // MaxSignIns reached with pages left
}

func (r *run) readLog(ctx context.Context, first result, p part) logRead {
	l := logRead{part: p}
	if first.err != nil {
		l.err = first.err
		return l
	}
	max := r.c.cfg.MaxSignIns
	add := func(body []byte) (string, bool, error) {
		page, next, err := decodeSignIns(body)
		if err != nil {
			return "", true, err
		}
		l.signIns = append(l.signIns, page...)
		if len(l.signIns) >= max {
			l.truncated = next != "" || len(l.signIns) > max
			l.signIns = l.signIns[:max]
			return "", true, nil
		}
		return next, false, nil
	}
	next, stop, err := add(first.body)
	if err != nil {
		l.err = err
		return l
	}
	if !stop {
		l.cut = r.pages(ctx, p, next, add)
	}
	return l
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

func (r *run) policies(ctx context.Context, first result) ([]diagnosis.Policy, error) {
	if first.err != nil {
		return nil, first.err
	}
	var out []diagnosis.Policy
	add := func(body []byte) (string, bool, error) {
		p, next, err := decodePolicies(body)
		out = append(out, p...)
		return next, false, err
	}
	next, _, err := add(first.body)
	if err == nil {
		err = r.pages(ctx, partPolicies, next, add)
	}
	return out, err
}

func (r *run) locations(ctx context.Context, first result) ([]diagnosis.NamedLocation, error) {
	if first.err != nil {
		return nil, first.err
	}
	var out []diagnosis.NamedLocation
	add := func(body []byte) (string, bool, error) {
		l, next, err := decodeLocations(body)
		out = append(out, l...)
		return next, false, err
	}
	next, _, err := add(first.body)
	if err == nil {
		err = r.pages(ctx, partLocations, next, add)
	}
	return out, err
}

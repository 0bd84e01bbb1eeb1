package graph

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/onboard-check/onboard-check/diagnosis"
)

// signInRead is what one read of an account's sign-ins gave, both logs
// merged, newest first.
type signInRead struct {
	signIns     []diagnosis.SignIn
	err         error // the (interactive) log failed: nothing read
	nonInterErr error // the non-interactive log failed (two-read mode)
	cut         error // a page after the first failed: the log is incomplete
	truncated   bool  // MaxSignIns reached with pages left
}

// signInPlan is how one diagnosis gets an account's sign-ins: from a read
// cached moments ago, from a read in flight (this process, or another
// replica through Cache.Claim), or by leading the read itself.
type signInPlan struct {
	key   string
	hit   *cachedSignIns
	call  *flightCall
	lead  bool
	err   error  // the wait for a turn ended with ctx
	calls []call // the leader's first requests, already admitted
}

// planSignIns books the sign-in read of account id, or finds one to share.
// A leader waits for its turn in the tenant's budget here, under ctx and
// outside the time budget of the diagnosis.
func (r *run) planSignIns(ctx context.Context, id string) *signInPlan {
	c := r.c
	p := &signInPlan{key: "signins:" + strings.ToLower(id)}
	if hit, ok := r.cachedSignIns(ctx, id); ok {
		p.hit = hit
		return p
	}
	p.call, p.lead = c.flights.join(p.key)
	if !p.lead {
		return p
	}
	if c.cache != nil {
		won, err := c.cache.Claim(ctx, c.keys.signInClaim(id), claimTTL)
		if err != nil {
			c.log.Warn("graph read claim failed; reading anyway", slog.Any("err", err))
		}
		if err == nil && !won {
			if hit, ok := r.awaitSignIns(ctx, id); ok {
				c.flights.finish(p.key, p.call, signInRead{signIns: hit.SignIns, truncated: hit.Truncated}, nil)
				p.hit, p.lead = hit, false
				return p
			}
		}
	}
	part := partBetaSignIns
	if c.noCombined.Load() {
		part = partSignIns
	}
	d := c.reserve(ctx, part)
	if err := c.sleep(ctx, d, part); err != nil {
		p.err = err
		c.flights.finish(p.key, p.call, signInRead{}, err)
		p.lead = false
		return p
	}
	r.waited(d)
	p.calls = r.signInCalls(id)
	return p
}

// abandon finishes a read this diagnosis booked but will not make (the
// user turned out to be gone), so that no follower waits for it.
func (p *signInPlan) abandon(c *Client) {
	if p != nil && p.lead {
		c.flights.finish(p.key, p.call, signInRead{}, errors.New("sign-in read abandoned"))
		p.lead = false
	}
}

// collect returns the sign-ins of the plan, reading them under ctx when it
// leads. A follower waits for the leader's read under queue, the caller's
// context: like the wait for the budget, it is a wait in line.
func (p *signInPlan) collect(queue, ctx context.Context, r *run, id string, res map[string]*pending) signInRead {
	switch {
	case p.hit != nil:
		return r.window(signInRead{signIns: p.hit.SignIns, truncated: p.hit.Truncated})
	case p.err != nil:
		return signInRead{err: p.err}
	case !p.lead:
		select {
		case <-p.call.done:
			if p.call.err != nil {
				return signInRead{err: p.call.err}
			}
			return r.window(p.call.val.(signInRead))
		case <-queue.Done():
			return signInRead{err: context.Cause(queue)}
		}
	}
	read := r.readSignIns(ctx, id, res)
	if read.err == nil && read.nonInterErr == nil && read.cut == nil {
		remember(ctx, r.c.cache, r.c.log, r.c.keys.signIns(id),
			cachedSignIns{Since: r.q.Since, Until: r.q.Until, SignIns: read.signIns, Truncated: read.truncated}, signInTTL)
	}
	r.c.flights.finish(p.key, p.call, read, nil)
	p.lead = false
	return read
}

// cachedSignIns returns a read of account id made moments ago whose window
// holds this diagnosis's.
func (r *run) cachedSignIns(ctx context.Context, id string) (*cachedSignIns, bool) {
	hit, ok := cached[cachedSignIns](ctx, r.c.cache, r.c.log, r.c.keys.signIns(id))
	if !ok || hit.Since.After(r.q.Since.Add(time.Minute)) || hit.Until.Before(r.q.Until.Add(-signInTTL)) {
		return nil, false
	}
	return &hit, true
}

// awaitSignIns waits for another replica's read of account id to appear in
// the cache, for at most claimTTL.
func (r *run) awaitSignIns(ctx context.Context, id string) (*cachedSignIns, bool) {
	ctx, cancel := context.WithTimeout(ctx, claimTTL)
	defer cancel()
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil, false
		case <-tick.C:
			if hit, ok := r.cachedSignIns(ctx, id); ok {
				return hit, true
			}
		}
	}
}

// window keeps the sign-ins of a shared read that fall in this diagnosis's
// window.
func (r *run) window(read signInRead) signInRead {
	var out []diagnosis.SignIn
	for _, s := range read.signIns {
		if (r.q.Since.IsZero() || !s.CreatedDateTime.Before(r.q.Since.Truncate(time.Second))) &&
			(r.q.Until.IsZero() || !s.CreatedDateTime.After(r.q.Until)) {
			out = append(out, s)
		}
	}
	read.signIns = out
	return read
}

// signInCalls are the first requests of a sign-in read: one beta query for
// interactive and non-interactive sign-ins together, or, where Graph
// refused that filter, the v1.0 log (interactive) and the beta log asked for
// non-interactive sign-ins only. The first is already admitted.
// https://learn.microsoft.com/graph/api/signin-list?view=graph-rest-beta
func (r *run) signInCalls(id string) []call {
	c := r.c
	top := strconv.Itoa(min(c.cfg.MaxSignIns, 1000))
	if !c.noCombined.Load() {
		f := signInFilter(id, r.q.Since, r.q.Until, "interactiveUser", "nonInteractiveUser")
		return []call{{id: "signIns", part: partBetaSignIns, prefer: true, admitted: true,
			url: c.beta + "/auditLogs/signIns?$filter=" + queryValue(f) + "&$top=" + top}}
	}
	return []call{
		{id: "signIns", part: partSignIns, prefer: true, admitted: true,
			url: c.v1 + "/auditLogs/signIns?$filter=" + queryValue(signInFilter(id, r.q.Since, r.q.Until)) + "&$top=" + top},
		{id: "betaSignIns", part: partBetaSignIns, prefer: true,
			url: c.beta + "/auditLogs/signIns?$filter=" + queryValue(signInFilter(id, r.q.Since, r.q.Until, "nonInteractiveUser")) + "&$top=" + top},
	}
}

// readSignIns reads the logs from their first answers in res. A combined
// query Graph answers 400 is never sent again; the two reads follow.
func (r *run) readSignIns(ctx context.Context, id string, res map[string]*pending) signInRead {
	c := r.c
	first := res["signIns"].wait()
	if _, twoReads := res["betaSignIns"]; !twoReads {
		var ae *APIError
		if errors.As(first.err, &ae) && ae.Status == http.StatusBadRequest {
			c.noCombined.Store(true)
			c.log.Info("graph refused the combined sign-in filter; reading both logs")
			calls := r.signInCalls(id)
			calls[0].admitted = false
			res = c.start(ctx, calls, &r.trips, &r.wg)
			return r.readSignIns(ctx, id, res)
		}
		l := r.readLog(ctx, first, partBetaSignIns, 2*c.cfg.MaxSignIns)
		return signInRead{signIns: merge(l.signIns), err: l.err, cut: l.cut, truncated: l.truncated}
	}
	interactive := make(chan logRead, 1)
	go func() { interactive <- r.readLog(ctx, first, partSignIns, c.cfg.MaxSignIns) }()
	nonInt := r.readLog(ctx, res["betaSignIns"].wait(), partBetaSignIns, c.cfg.MaxSignIns)
	in := <-interactive
	out := signInRead{signIns: merge(in.signIns, nonInt.signIns), err: in.err, nonInterErr: nonInt.err,
		cut: errors.Join(in.cut, nonInt.cut), truncated: in.truncated || nonInt.truncated}
	return out
}

// merge joins logs, drops the duplicates a record in both would make, and
// orders the result newest first.
func merge(logs ...[]diagnosis.SignIn) []diagnosis.SignIn {
	var out []diagnosis.SignIn
	seen := map[string]bool{}
	for _, l := range logs {
		for _, s := range l {
			if s.ID != "" && seen[s.ID] {
				continue
			}
			seen[s.ID] = true
			out = append(out, s)
		}
	}
	slices.SortStableFunc(out, func(a, b diagnosis.SignIn) int { return b.CreatedDateTime.Compare(a.CreatedDateTime) })
	return out
}

// logRead is what one sign-in log gave.
type logRead struct {
	signIns   []diagnosis.SignIn
	err       error // the first page failed: nothing read
	cut       error // a later page failed: signIns is partial
	truncated bool  // max reached with pages left
}

func (r *run) readLog(ctx context.Context, first result, p part, max int) logRead {
	var l logRead
	if first.err != nil {
		l.err = first.err
		return l
	}
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
		if err := r.pages(ctx, p, next, add); err != nil {
			l.cut = &incompleteError{err: err}
		}
	}
	return l
}

// signIns puts a read into snap and says what is missing.
func (r *run) signIns(snap *diagnosis.Snapshot, read signInRead) {
	if read.err != nil {
		r.warn(snap, warning(diagnosis.WarnSignInLogsUnavailable, permAuditLog, read.err), read.err, partSignIns)
		return
	}
	snap.SignInsRead = true
	snap.SignIns = read.signIns
	if read.nonInterErr != nil {
		w := diagnosis.Warning{Code: diagnosis.WarnSignInLogsUnavailable, Reason: reasonNonInter}
		r.warn(snap, w, read.nonInterErr, partBetaSignIns)
	}
	if read.cut != nil {
		markIncomplete(snap)
		r.warn(snap, warning(diagnosis.WarnPartialSignIns, permAuditLog, read.cut), read.cut, partSignIns)
	}
	if read.truncated {
		r.warn(snap, diagnosis.Warning{Code: diagnosis.WarnPartialSignIns, Reason: reasonTrunc,
			Args: map[string]string{"count": strconv.Itoa(len(read.signIns))}}, nil, partSignIns)
	}
	for _, s := range snap.SignIns {
		if strings.EqualFold(s.ConditionalAccessStatus, "failure") && len(s.AppliedPolicies) == 0 {
			r.warn(snap, diagnosis.Warning{Code: diagnosis.WarnPoliciesUnavailable, Reason: reasonHidden,
				Args: map[string]string{"permission": permPolicy}}, nil, partSignIns)
			break
		}
	}
}

// queryValue percent-encodes a query value with %20 for spaces: OData does
// not read "+" as a space everywhere.
func queryValue(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
}

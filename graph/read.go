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

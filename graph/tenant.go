package graph

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"

	"github.com/onboard-check/onboard-check/diagnosis"
)

// The tenant's reads — CA policies, named locations, security defaults —
// are the same for every diagnosis. Each comes from the cache, or from the
// one read in flight in this process (flight), or is led by this diagnosis
// inside its own $batch; the leader caches what it read for PolicyTTL.
type tenantRead struct {
	parts []*sharedPart
	calls []call // what this diagnosis leads
}

type sharedPart struct {
	id   string // call id and flight key
	part part
	url  string
	// read decodes the leader's answer (following pages); load decodes a
	// cache entry; apply puts the value, or the failure, into a snapshot.
	read  func(ctx context.Context, r *run, first result) (any, error)
	load  func(b []byte) (any, bool)
	apply func(r *run, snap *diagnosis.Snapshot, v any, err error)

	hit  bool
	val  any
	call *flightCall
	lead bool
}

// tenant plans the tenant reads of one diagnosis.
func (r *run) tenant(ctx context.Context, useCache bool) *tenantRead {
	c := r.c
	t := &tenantRead{parts: []*sharedPart{
		{id: "policies", part: partPolicies, url: c.v1 + "/identity/conditionalAccess/policies",
			read: readPolicies, load: loadJSON[cachedPolicies], apply: applyPolicies},
		{id: "locations", part: partLocations, url: c.v1 + "/identity/conditionalAccess/namedLocations",
			read: readLocations, load: loadJSON[cachedLocations], apply: applyLocations},
		{id: "securityDefaults", part: partSecurityDefaults, url: c.v1 + "/policies/identitySecurityDefaultsEnforcementPolicy",
			read: readSecurityDefaults, load: loadJSON[cachedDefaults], apply: applySecurityDefaults},
	}}
	for _, p := range t.parts {
		if useCache && c.cache != nil {
			if b, ok, err := c.cache.Bytes(ctx, c.keys.tenant(p.id)); err == nil && ok {
				if v, ok := p.load(b); ok {
					p.hit, p.val = true, v
					continue
				}
			}
		}
		p.call, p.lead = c.flights.join("tenant:" + p.id)
		if p.lead {
			t.calls = append(t.calls, call{id: p.id, part: p.part, prefer: true, url: p.url})
		}
	}
	return t
}

// collect waits for every tenant read and puts it into snap. A leader
// always finishes its flight here, whatever happened to its diagnosis.
func (t *tenantRead) collect(ctx context.Context, r *run, res map[string]*pending, snap *diagnosis.Snapshot) {
	for _, p := range t.parts {
		var v any
		var err error
		switch {
		case p.hit:
			v = p.val
		case p.lead:
			v, err = p.read(ctx, r, res[p.id].wait())
			if err == nil {
				if b, merr := json.Marshal(v); merr == nil && r.c.cache != nil {
					if serr := r.c.cache.SetBytes(ctx, r.c.keys.tenant(p.id), b, r.c.cfg.PolicyTTL); serr != nil {
						r.c.log.Warn("graph cache write failed", "err", serr)
					}
				}
			}
			r.c.flights.finish("tenant:"+p.id, p.call, v, err)
		default:
			select {
			case <-p.call.done:
				v, err = p.call.val, p.call.err
			case <-ctx.Done():
				err = context.Cause(ctx)
			}
		}
		p.apply(r, snap, v, err)
	}
}

func loadJSON[T any](b []byte) (any, bool) {
	var v T
	if json.Unmarshal(b, &v) != nil {
		return nil, false
	}
	return v, true
}

// cachedDefaults is the security defaults policy; Enabled nil means the
// answer did not say.
type cachedDefaults struct {
	Enabled *bool `json:"isEnabled"`
}

func readPolicies(ctx context.Context, r *run, first result) (any, error) {
	if first.err != nil {
		return nil, first.err
	}
	var wires []policyWire
	add := func(body []byte) (string, bool, error) {
		var page policyPage
		if err := decodeObject(body, &page); err != nil {
			return "", true, fmt.Errorf("decode policies: %w", err)
		}
		for _, w := range page.Value {
			if w != nil {
				wires = append(wires, *w)
			}
		}
		return page.NextLink, false, nil
	}
	next, _, err := add(first.body)
	if err == nil {
		err = r.pages(ctx, partPolicies, next, add)
	}
	if err != nil {
		return nil, err
	}
	r.strengths(ctx, wires)
	out := make([]diagnosis.Policy, 0, len(wires))
	for _, w := range wires {
		out = append(out, toPolicy(w))
	}
	return cachedPolicies{Policies: out}, nil
}

// strengths completes the authentication strengths that a policy names by
// id only (a response without them expanded): each is read once, from
// /identity/conditionalAccess/authenticationStrength/policies/{id}. One
// that cannot be read keeps its id and name.
// https://learn.microsoft.com/graph/api/authenticationstrengthpolicy-get
func (r *run) strengths(ctx context.Context, wires []policyWire) {
	need := map[string]bool{}
	var calls []call
	for _, w := range wires {
		if g := w.GrantControls; g != nil && g.AuthenticationStrength != nil {
			a := g.AuthenticationStrength
			if a.ID != "" && len(a.AllowedCombinations) == 0 && !need[a.ID] {
				need[a.ID] = true
				calls = append(calls, call{id: "strength:" + a.ID, part: partStrength, prefer: true,
					url: r.c.v1 + "/identity/conditionalAccess/authenticationStrength/policies/" + url.PathEscape(a.ID)})
			}
		}
	}
	if len(calls) == 0 {
		return
	}
	res := r.c.start(ctx, calls, &r.trips, &r.wg)
	got := map[string]strengthWire{}
	for id := range need {
		a := res["strength:"+id].wait()
		if a.err != nil {
			r.c.log.Warn("graph authentication strength unreadable", "status", statusOf(a.err), "err", a.err)
			continue
		}
		if s, err := decodeStrength(a.body); err == nil {
			got[id] = s
		}
	}
	for i := range wires {
		if g := wires[i].GrantControls; g != nil && g.AuthenticationStrength != nil {
			if s, ok := got[g.AuthenticationStrength.ID]; ok {
				g.AuthenticationStrength = &s
			}
		}
	}
}

func applyPolicies(r *run, snap *diagnosis.Snapshot, v any, err error) {
	if err != nil {
		r.warn(snap, warning(diagnosis.WarnPoliciesUnavailable, permPolicy, err), err, partPolicies)
		return
	}
	if p, ok := v.(cachedPolicies); ok {
		snap.Policies, snap.PoliciesRead = p.Policies, true
	}
}

func readLocations(ctx context.Context, r *run, first result) (any, error) {
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
	if err != nil {
		return nil, err
	}
	return cachedLocations{Locations: out}, nil
}

func applyLocations(r *run, snap *diagnosis.Snapshot, v any, err error) {
	if err != nil {
		r.warn(snap, warning(diagnosis.WarnPoliciesUnavailable, permPolicy, err), err, partLocations)
		return
	}
	if l, ok := v.(cachedLocations); ok {
		snap.NamedLocations = l.Locations
	}
}

// readSecurityDefaults reads identitySecurityDefaultsEnforcementPolicy.
// https://learn.microsoft.com/graph/api/identitysecuritydefaultsenforcementpolicy-get
func readSecurityDefaults(_ context.Context, _ *run, first result) (any, error) {
	if first.err != nil {
		return nil, first.err
	}
	var d cachedDefaults
	if err := decodeObject(first.body, &d); err != nil {
		return nil, fmt.Errorf("decode security defaults: %w", err)
	}
	if d.Enabled == nil {
		return nil, errors.New("decode security defaults: no isEnabled")
	}
	return d, nil
}

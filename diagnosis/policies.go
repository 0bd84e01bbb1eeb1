package diagnosis

import (
	"slices"
	"strconv"
	"strings"
	"time"
)

func (d *run) policyByID(id string) (Policy, bool) {
	if d.policies == nil {
		d.policies = make(map[string]int, len(d.snap.Policies))
		for i, p := range d.snap.Policies {
			d.policies[strings.ToLower(p.ID)] = i
		}
	}
	i, ok := d.policies[strings.ToLower(id)]
	if !ok {
		return Policy{}, false
	}
	return d.snap.Policies[i], true
}

// ref describes a policy for a finding, preferring the tenant's definition
// over the sign-in log's copy.
func (d *run) ref(id, name string, controls []string) PolicyRef {
	if p, ok := d.policyByID(id); ok {
		return PolicyRef{ID: p.ID, DisplayName: p.DisplayName, State: p.State, Controls: nonNil(p.Controls())}
	}
	norm := make([]string, 0, len(controls))
	for _, c := range controls {
		norm = append(norm, normalizeControl(c))
	}
	state := PolicyEnabled // the log says it was enforced then
	if d.snap.PoliciesRead {
		// Deleted, renamed, or hidden from the app: say so, never "on".
		state = PolicyMissing
		d.warn(Warning{Code: WarnPoliciesUnavailable, Reason: "policy_missing", Args: map[string]string{"policy": name, "id": id}})
	}
	return PolicyRef{ID: id, DisplayName: name, State: state, Controls: norm}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// reportOnly finds report-only policies that failed or interrupted a sign-in.
func (d *run) reportOnly() {
	byPolicy := map[string]*group{}        // lower-case policy id -> its group
	quoted := map[*group]map[string]bool{} // sign-in ids a group holds
	for _, s := range d.signIns {
		for _, p := range s.AppliedPolicies {
			r := strings.ToLower(p.Result)
			if r != "reportonlyfailure" && r != "reportonlyinterrupted" {
				continue
			}
			g := byPolicy[strings.ToLower(p.ID)]
			if g == nil {
				ref := d.ref(p.ID, p.DisplayName, p.EnforcedGrantControls)
				if ref.State != PolicyMissing {
					ref.State = PolicyReportOnly
				}
				g = &group{code: CodeCAReportOnlyFailure, policies: []PolicyRef{ref}, never: true, appID: s.AppID, appName: s.AppDisplayName}
				if tp, ok := d.policyByID(p.ID); ok && tp.ManagedByMicrosoft {
					g.managed = true
				}
				byPolicy[strings.ToLower(p.ID)] = g
				d.groups = append(d.groups, g)
				quoted[g] = map[string]bool{}
			}
			if !quoted[g][s.ID] {
				quoted[g][s.ID] = true
				g.signIns = append(g.signIns, s)
			}
		}
	}
}

// onboardingRequests returns hypothetical sign-ins to the apps the query is
// about: the named app, else every onboarding target. Location, platform and
// device are unknown.
func (d *run) onboardingRequests() []Request {
	if d.requests != nil {
		return d.requests
	}
	apps := d.e.apps.Onboarding()
	if d.app != nil {
		apps = []App{*d.app}
	}
	out := make([]Request, 0, len(apps))
	for _, a := range apps {
		r := d.base
		r.Apps = appIDs(a)
		r.ClientAppType = "browser"
		r.UserRisk, r.SignInRisk, r.TransferMethod = "", "", ""
		out = append(out, r)
	}
	d.requests = out
	return out
}

// appliesToOnboarding evaluates p against the onboarding requests and
// returns the best match with its evaluation. The user and the app must be
// targeted for certain; only what a future sign-in brings (location,
// platform) may be open, never something the bot cannot read.
func (d *run) appliesToOnboarding(p Policy) (Evaluation, bool) {
	ev, ok, _ := d.onboardingEval(p)
	return ev, ok
}

// onboardingEval is appliesToOnboarding that also names the first
// condition the bot cannot read (see warnsUnknown) on which the policy's
// applying to the user depends.
func (d *run) onboardingEval(p Policy) (best Evaluation, found bool, unknown string) {
	reqs := d.onboardingRequests()
	// Judging the user first spares evaluating every app.
	if len(reqs) == 0 || d.ev.users(p.Conditions.Users, reqs[0]).Match == MatchNo {
		return best, false, ""
	}
	for _, r := range reqs {
		if m := d.ev.applications(p.Conditions.Applications, r); m.Match == MatchNo {
			continue
		}
		ev := d.ev.Evaluate(p, r)
		if ev.Match == MatchNo {
			continue
		}
		if u := firstUnknown(ev); u != "" {
			if unknown == "" && condMatch(ev, "users") != MatchNo {
				unknown = u
			}
			continue
		}
		if condMatch(ev, "users") != MatchYes || condMatch(ev, "applications") != MatchYes {
			continue
		}
		if !found || ev.Match > best.Match {
			best, found = ev, true
		}
	}
	return best, found, unknown
}

// firstUnknown names the first condition of ev that depends on something
// the bot cannot read.
func firstUnknown(ev Evaluation) string {
	for _, c := range ev.Conditions {
		if c.Match == MatchMaybe && c.Unknown != "" {
			return c.Unknown
		}
	}
	return ""
}

func condMatch(ev Evaluation, name string) Match {
	for _, c := range ev.Conditions {
		if c.Name == name {
			return c.Match
		}
	}
	return MatchNo
}

// shortFrequency is the longest sign-in frequency that still expires tokens
// within an onboarding working session.
const shortFrequency = 8 * time.Hour

// signInFrequency reports sign-in frequency controls that keep expiring
// tokens: 70043/70044 in the log, or an enabled policy with "every time" or
// a short interval on the apps the query is about.
func (d *run) signInFrequency() {
	var evidence []*SignIn
	for _, s := range d.signIns {
		if info, ok := d.e.kb.Lookup(s.ErrorCode); ok && info.Finding == CodeCASignInFrequency {
			evidence = append(evidence, s)
		}
	}
	seen := map[string]bool{}
	for _, p := range d.snap.Policies {
		sif := p.Session
		if p.State != PolicyEnabled || sif == nil || sif.SignInFrequency == nil || !sif.SignInFrequency.IsEnabled {
			continue
		}
		var own []*SignIn
		for _, s := range evidence {
			if d.ev.Evaluate(p, d.request(s)).Match != MatchNo || appliedWith(s, p.ID, "signinfrequency") {
				own = append(own, s)
			}
		}
		short := sif.SignInFrequency.Period() <= shortFrequency
		if len(own) == 0 && !short {
			continue
		}
		if _, ok := d.appliesToOnboarding(p); !ok && len(own) == 0 {
			continue
		}
		seen[p.ID] = true
		d.groups = append(d.groups, &group{code: CodeCASignInFrequency, never: true, signIns: own,
			policies: []PolicyRef{d.ref(p.ID, p.DisplayName, nil)}, condition: frequencyText(sif.SignInFrequency),
			errorCode: lastError(own)})
	}
	// Evidence no known policy explains still deserves a finding.
	var orphan []*SignIn
	for _, s := range evidence {
		if !slices.ContainsFunc(d.groups, func(g *group) bool {
			return g.code == CodeCASignInFrequency && slices.ContainsFunc(g.signIns, func(x *SignIn) bool { return x.ID == s.ID })
		}) {
			orphan = append(orphan, s)
		}
	}
	if len(orphan) > 0 {
		var refs []PolicyRef
		for _, s := range orphan {
			for _, ap := range s.AppliedPolicies {
				if containsFold(ap.EnforcedSessionControls, "SignInFrequency") && !seen[ap.ID] {
					seen[ap.ID] = true
					refs = append(refs, d.ref(ap.ID, ap.DisplayName, nil))
				}
			}
		}
		d.groups = append(d.groups, &group{code: CodeCASignInFrequency, never: true, signIns: orphan, policies: refs, errorCode: lastError(orphan)})
	}
}

// lastError is the error code of the newest sign-in; s is oldest first.
func lastError(s []*SignIn) int {
	if len(s) == 0 {
		return 0
	}
	return s[len(s)-1].ErrorCode
}

func appliedWith(s *SignIn, policyID, control string) bool {
	for _, ap := range s.AppliedPolicies {
		if strings.EqualFold(ap.ID, policyID) && containsFold(ap.EnforcedSessionControls, control) {
			return true
		}
	}
	return false
}

func frequencyText(f *SignInFrequency) string {
	if f.Interval == "everyTime" {
		return "everyTime"
	}
	return strconv.Itoa(f.Value) + " " + f.Type
}

// proactive warns of enabled policies that target the user for the apps the
// query is about with a control the account may not meet, where no failure
// has shown them yet.
func (d *run) proactive() {
	named := map[string]bool{}
	for _, g := range d.groups {
		for _, r := range g.policies {
			named[strings.ToLower(r.ID)] = true
		}
	}
	for _, p := range d.snap.Policies {
		if p.State != PolicyEnabled || named[strings.ToLower(p.ID)] || d.metBefore(p.ID) {
			continue
		}
		hard := len(p.HardControls()) > 0
		if !hard && !warnable(p) {
			continue
		}
		ev, ok, unknown := d.onboardingEval(p)
		if warnsUnknown(unknown) {
			d.warn(Warning{Code: WarnConditionUnreadable, Reason: "condition_" + unknown,
				Args: map[string]string{"policy": p.DisplayName}})
		}
		if !ok || !hard {
			continue
		}
		var open []string
		for _, c := range ev.Conditions {
			if c.Match == MatchMaybe {
				open = append(open, d.ConditionText(c))
			}
		}
		named[strings.ToLower(p.ID)] = true
		d.groups = append(d.groups, &group{code: CodeCAPolicyApplies, never: true,
			policies: []PolicyRef{d.ref(p.ID, p.DisplayName, nil)}, condition: strings.Join(open, " ")})
	}
}

// metBefore reports whether a sign-in in the window satisfied the
// policy's grant controls.
func (d *run) metBefore(id string) bool {
	if d.met == nil {
		d.met = map[string]bool{}
		for _, s := range d.signIns {
			for _, ap := range s.AppliedPolicies {
				if strings.EqualFold(ap.Result, "success") && len(ap.EnforcedGrantControls) > 0 {
					d.met[strings.ToLower(ap.ID)] = true
				}
			}
		}
	}
	return d.met[strings.ToLower(id)]
}

// warnable reports whether a policy carries a condition the bot cannot
// read, so that it deserves a look even without a hard control.
func warnable(p Policy) bool {
	c := p.Conditions
	return len(c.InsiderRisk) > 0 || c.Applications.ApplicationFilter != nil ||
		len(c.Applications.IncludeAuthContexts) > 0 && len(c.Applications.IncludeApplications) == 0 ||
		c.Devices != nil && c.Devices.FilterRule != "" ||
		guestTenantsEnumerated(c.Users.IncludeGuests) || guestTenantsEnumerated(c.Users.ExcludeGuests)
}

func guestTenantsEnumerated(g *GuestCondition) bool { return g != nil && !g.AllTenants }

// securityDefaults explains what security defaults demand of the account
// when they are on (the tenant's setting, or, where it was not read, the
// account's sign-ins in the window naming them): they are not a Conditional
// Access policy, and no policy list shows them.
func (d *run) securityDefaults() {
	g := &group{code: CodeSecurityDefaults, never: true}
	if sd := d.snap.SecurityDefaults; sd != nil {
		if sd.Enabled {
			d.groups = append(d.groups, g)
		}
		return
	}
	for _, s := range d.signIns {
		for _, p := range s.AuthenticationRequirementPolicies {
			switch strings.ToLower(p.RequirementProvider) {
			case "securitydefaults", "mfaregistrationrequiredbysecuritydefaults":
				g.signIns = append(g.signIns, s)
			}
		}
	}
	if len(g.signIns) > 0 {
		g.signIns = slices.Compact(g.signIns)
		d.groups = append(d.groups, g)
	}
}

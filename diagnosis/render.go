package diagnosis

import (
	"slices"
	"strconv"
	"strings"
)

// finding renders a group into the requester's language.
func (d *run) finding(g *group, u *User) Finding {
	f := Finding{Code: g.code, Severity: g.code.Severity(), Resolved: g.resolved, ErrorCode: g.errorCode,
		Policies: g.policies, Remediation: []string{}}
	if g.appID != "" {
		name := g.appName
		if a, ok := d.e.apps.ByID(g.appID); ok && name == "" {
			name = a.DisplayName
		}
		f.App = &AppRef{ID: g.appID, DisplayName: name}
	}
	newest := g.signIns
	if len(newest) > 5 {
		newest = newest[len(newest)-5:]
	}
	for i := len(newest) - 1; i >= 0; i-- {
		s := newest[i]
		f.SignIns = append(f.SignIns, SignInRef{ID: s.ID, CreatedDateTime: s.CreatedDateTime, AppDisplayName: s.AppDisplayName,
			ErrorCode: s.ErrorCode, IPAddress: s.IPAddress, CorrelationID: s.CorrelationID})
	}
	if len(g.signIns) > 0 {
		f.latest = g.signIns[len(g.signIns)-1].CreatedDateTime
	}

	args := d.args(g, u)
	key := g.code.textKey()
	f.Title = d.t(key+".title", args...)
	f.Detail = d.t(key+".detail", args...)
	if g.source != "" {
		f.Detail = d.t("detail.mfa_source", args...)
	}
	if g.errorCode != 0 {
		if et, ok := d.e.kb.Text(g.errorCode, d.lang); ok && !g.code.info().OwnText {
			f.Detail = d.t("detail.with_code", "detail", f.Detail, "code", strconv.Itoa(g.errorCode), "explanation", et.Explanation)
			f.Remediation = append(f.Remediation, et.Remediation...)
		} else {
			f.Detail = d.t("detail.with_reason", "detail", f.Detail, "code", strconv.Itoa(g.errorCode), "reason", g.reason)
		}
	}
	if proof := d.proof(g); len(proof) > 0 {
		f.Detail += " " + strings.Join(proof, " ")
	}
	if g.source != "" {
		// Not a policy: the policy steps do not apply.
		f.Remediation = append(f.Remediation, d.e.text.List(d.lang, "steps."+g.source, args...)...)
	} else {
		f.Remediation = append(f.Remediation, d.e.text.List(d.lang, key+".steps", args...)...)
	}
	if len(g.policies) > 0 && d.hasLocationCondition(g.policies) {
		f.Remediation = append(f.Remediation, d.e.text.List(d.lang, key+".steps_location", args...)...)
	}
	if g.managed {
		f.Remediation = append(f.Remediation, d.e.text.List(d.lang, key+".steps_managed", args...)...)
	}
	if g.code == CodeSecurityDefaults && len(d.snap.Roles) > 0 {
		f.Remediation = append(f.Remediation, d.e.text.List(d.lang, key+".steps_admin", args...)...)
	}
	if g.resolved {
		f.Remediation = append([]string{d.t("step.resolved")}, f.Remediation...)
	}
	f.References = d.references(g, u)
	return f
}

func (d *run) hasLocationCondition(refs []PolicyRef) bool {
	for _, r := range refs {
		if p, ok := d.policyByID(r.ID); ok && p.Conditions.Locations != nil {
			return true
		}
	}
	return false
}

// args are the values finding texts may use.
func (d *run) args(g *group, u *User) []string {
	policy, controls := "", ""
	var names, ctl []string
	for _, p := range g.policies {
		names = append(names, p.DisplayName)
		ctl = append(ctl, p.Controls...)
	}
	policy = strings.Join(names, ", ")
	var ctlNames []string
	for _, c := range slices.Compact(ctl) {
		ctlNames = append(ctlNames, d.e.controlName(c, d.lang))
	}
	controls = strings.Join(ctlNames, ", ")
	if policy == "" {
		policy = d.t("word.unknown_policy")
		if g.source != "" {
			policy = d.t("word." + g.source)
		}
	}
	policyLink := PolicyURL("")
	if len(g.policies) > 0 {
		policyLink = PolicyURL(g.policies[0].ID)
	}
	app := g.appName
	if app == "" && d.app != nil {
		app = d.app.DisplayName
	}
	if app == "" {
		app = d.t("word.admin_portals")
	}
	var when, ip, corr string
	if n := len(g.signIns); n > 0 {
		last := g.signIns[n-1]
		when = last.CreatedDateTime.UTC().Format("2006-01-02 15:04 UTC")
		ip, corr = last.IPAddress, last.CorrelationID
	}
	user, userID := d.q.User, ""
	if u != nil {
		user, userID = u.UserPrincipalName, u.ID
	}
	strength, _, methods := d.strength(g)
	phase := ""
	if g.code == CodeMandatoryMFA {
		phase = d.t("word.mandatory_phase_" + strconv.Itoa(mandatoryPhase(g.appID)))
	}
	condition := g.condition
	if g.code == CodeCASignInFrequency {
		if condition == "everyTime" {
			condition = d.t("word.every_time")
		} else if condition == "" {
			condition = d.t("word.unknown_frequency")
		}
	}
	return []string{
		"policy", policy, "policyLink", policyLink, "controls", controls, "app", app,
		"count", strconv.Itoa(len(g.signIns)), "when", when, "ip", ip, "correlationId", corr,
		"user", user, "userLink", UserURL(userID), "signInsLink", entraSignInLogsURL,
		"locationsLink", entraLocationsURL, "code", strconv.Itoa(g.errorCode), "lookup", LookupURL(g.errorCode),
		"reason", g.reason, "condition", condition, "frequency", condition,
		"strength", strength, "methods", methods, "phase", phase,
	}
}

// references lists documentation and admin center links for a finding.
func (d *run) references(g *group, u *User) []string {
	var refs []string
	for _, p := range g.policies {
		refs = append(refs, PolicyURL(p.ID))
	}
	if len(g.signIns) > 0 {
		refs = append(refs, entraSignInLogsURL)
	}
	if u != nil && g.code.info().UserLink {
		refs = append(refs, UserURL(u.ID))
	}
	refs = append(refs, learnRefs(g.code)...)
	if g.code.info().Lookup && g.errorCode != 0 {
		refs = append(refs, LookupURL(g.errorCode))
	}
	return slices.Compact(refs)
}

// ConditionText renders the evaluator's reasoning on one condition in the
// requester's language, naming the location keywords in words.
func (d *run) ConditionText(c Condition) string {
	return d.e.ConditionText(c, d.lang)
}

// ConditionText renders the evaluator's reasoning on one condition in lang.
func (e *Engine) ConditionText(c Condition, lang string) string {
	args := slices.Clone(c.Args)
	for i := 1; i < len(args); i += 2 {
		if args[i-1] == "levels" {
			parts := strings.Split(args[i], ", ")
			for j, p := range parts {
				if !containsFold(knownLevels, p) {
					parts[j] = e.text.T(lang, "word.unknown_value", "value", p)
				}
			}
			args[i] = strings.Join(parts, ", ")
			continue
		}
		if args[i-1] != "locations" && args[i-1] != "location" {
			continue
		}
		parts := strings.Split(args[i], ", ")
		for j, p := range parts {
			switch {
			case strings.EqualFold(p, "AllTrusted"):
				parts[j] = e.text.T(lang, "word.all_trusted")
			case strings.EqualFold(p, "All"):
				parts[j] = e.text.T(lang, "word.all_locations")
			}
		}
		args[i] = strings.Join(parts, ", ")
	}
	return e.text.T(lang, c.Reason, args...)
}

// knownLevels are the members of Graph's riskLevel and insiderRiskLevel
// enums; anything else in a policy is shown as "unknown (value)".
var knownLevels = []string{"low", "medium", "high", "none", "hidden", "minor", "moderate", "elevated"}

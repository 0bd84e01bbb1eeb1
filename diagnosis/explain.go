package diagnosis

import "strings"

// PolicyExplanation is one Conditional Access policy judged against a
// sign-in of the diagnosed user to the apps a diagnosis is about.
type PolicyExplanation struct {
	Policy Policy
	// Match is the best outcome over those apps: MatchYes when the policy
	// applies, MatchMaybe when it depends on something the bot cannot see
	// yet (location, device, risk), MatchNo when it does not apply.
	Match Match
	// Conditions are the evaluator's reasons, one sentence per condition,
	// in the requested language.
	Conditions []string
	// Link is the policy's page in the Entra admin center.
	Link string
}

// FindPolicies returns the policies an admin's words name: the one whose id
// or display name equals arg (case-insensitive), else every policy whose
// display name starts with arg.
func FindPolicies(policies []Policy, arg string) []Policy {
	var found []Policy
	prefix := strings.ToLower(arg)
	for _, p := range policies {
		if strings.EqualFold(p.ID, arg) || strings.EqualFold(p.DisplayName, arg) {
			return []Policy{p}
		}
		if strings.HasPrefix(strings.ToLower(p.DisplayName), prefix) {
			found = append(found, p)
		}
	}
	return found
}

// ExplainPolicy judges the policy with id policyID in snap against a
// browser sign-in of snap's user to q.App (every onboarding app when q.App
// is empty or unknown) and explains it in lang. Where and from which
// device the user will sign in is unknown, so conditions on them stay
// open. It reports false when snap holds no such policy.
func (e *Engine) ExplainPolicy(snap Snapshot, q Query, policyID, lang string) (PolicyExplanation, bool) {
	i := -1
	for j := range snap.Policies {
		if strings.EqualFold(snap.Policies[j].ID, policyID) {
			i = j
			break
		}
	}
	if i < 0 {
		return PolicyExplanation{}, false
	}
	if NormalizeLang(lang) == "" {
		lang = FallbackLang
	}
	lang = NormalizeLang(lang)
	p := snap.Policies[i]
	ev := NewEvaluator(e.apps, snap.NamedLocations)
	r := NewRequest(snap)
	// A future sign-in: its risk and how it authenticates are unknown.
	r.UserRisk, r.SignInRisk, r.TransferMethod = "", "", ""
	apps := e.apps.Onboarding()
	if q.App != "" {
		if a, ok := e.apps.Lookup(q.App); ok {
			apps = []App{a}
		}
	}
	best := Evaluation{Policy: p}
	for _, a := range apps {
		r.Apps = appIDs(a)
		if got := ev.Evaluate(p, r); got.Match > best.Match || best.Conditions == nil {
			best = got
		}
	}
	out := PolicyExplanation{Policy: p, Match: best.Match, Link: PolicyURL(p.ID)}
	for _, c := range best.Conditions {
		out.Conditions = append(out.Conditions, e.ConditionText(c, lang))
	}
	return out, true
}

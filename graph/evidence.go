package graph

import (
	"strings"
	"time"

	"github.com/onboard-check/onboard-check/diagnosis"
)

// signInEvidence copies what a sign-in says about how it was judged: the
// authentication steps, where an MFA demand came from, the tenants, the
// networks it matched, and how the session was handed over.
func signInEvidence(w signInWire, s *diagnosis.SignIn) {
	for _, d := range w.AuthenticationDetails {
		s.AuthenticationDetails = append(s.AuthenticationDetails, diagnosis.AuthenticationDetail{
			Method:           d.Method,
			MethodDetail:     d.MethodDetail,
			StepDateTime:     parseTime(d.StepDateTime),
			StepRequirement:  d.StepRequirement,
			StepResultDetail: d.StepResult,
			Succeeded:        isTrue(d.Succeeded),
		})
	}
	s.AuthenticationRequirement = w.AuthenticationRequirement
	for _, p := range w.AuthenticationRequirementPolicies {
		if p.RequirementProvider == "" && p.Detail == "" {
			continue
		}
		s.AuthenticationRequirementPolicies = append(s.AuthenticationRequirementPolicies,
			diagnosis.RequirementPolicy{RequirementProvider: p.RequirementProvider, Detail: p.Detail})
	}
	s.AuthenticationProtocol = w.AuthenticationProtocol
	s.OriginalTransferMethod = w.OriginalTransferMethod
	s.HomeTenantID = w.HomeTenantID
	s.ResourceTenantID = w.ResourceTenantID
	s.CrossTenantAccessType = w.CrossTenantAccessType
	for _, n := range w.NetworkLocationDetails {
		if n.NetworkType == "" && len(nonEmpty(n.NetworkNames)) == 0 {
			continue
		}
		s.NetworkLocationDetails = append(s.NetworkLocationDetails,
			diagnosis.NetworkLocationDetail{NetworkType: n.NetworkType, NetworkNames: nonEmpty(n.NetworkNames)})
	}
}

// appliedEvidence copies why a policy applied or did not: the conditions
// (as names, whether the log sent a number or a flags string), the rules
// that matched, the session controls not met and the authentication
// strength's result.
func appliedEvidence(p appliedPolicyWire, a *diagnosis.AppliedPolicy) {
	a.ConditionsSatisfied = flagNames(p.ConditionsSatisfied, conditionNames)
	a.ConditionsNotSatisfied = flagNames(p.ConditionsNotSatisfied, conditionNames)
	a.IncludeRulesSatisfied = rules(p.IncludeRulesSatisfied)
	a.ExcludeRulesSatisfied = rules(p.ExcludeRulesSatisfied)
	a.SessionControlsNotSatisfied = nonEmpty(p.SessionControlsNotSatisfied)
	if s := p.AuthenticationStrength; s != nil && (s.ID != "" || s.DisplayName != "" || s.Result != "") {
		a.AuthenticationStrength = &diagnosis.AppliedAuthenticationStrength{ID: s.ID, DisplayName: s.DisplayName, Result: s.Result}
	}
}

func rules(in []ruleWire) []diagnosis.RuleSatisfied {
	var out []diagnosis.RuleSatisfied
	for _, r := range in {
		cond := strings.Join(flagNames(r.Condition, conditionNames), ",")
		if cond == "" && r.Rule == "" {
			continue
		}
		out = append(out, diagnosis.RuleSatisfied{Condition: cond, Rule: r.Rule})
	}
	return out
}

// managedPrefix starts the display name of every Microsoft-managed policy.
//
// Graph has no property that says a policy is Microsoft-managed: the
// conditionalAccessPolicy resource documents no createdBy, and templateId
// is set as well on a policy an administrator created from a template, so
// it cannot tell the two apart. What Graph does carry is the name
// Microsoft gives these policies and does not let an administrator change
// (they cannot be renamed or deleted), e.g. "Microsoft-managed: Multifactor
// authentication for admins accessing Microsoft Admin Portals". The name is
// therefore the test; an administrator's own copy of such a policy is
// renamed by the portal's duplicate action, so it does not carry the prefix
// as its start.
// https://learn.microsoft.com/entra/identity/conditional-access/managed-policies
const managedPrefix = "microsoft-managed:"

// policyEvidence copies a policy's template, times and origin.
func policyEvidence(w policyWire, p *diagnosis.Policy) {
	p.TemplateID = w.TemplateID
	p.CreatedDateTime = timePtr(w.CreatedDateTime)
	p.ModifiedDateTime = timePtr(w.ModifiedDateTime)
	p.ManagedByMicrosoft = strings.HasPrefix(strings.ToLower(strings.TrimSpace(w.DisplayName)), managedPrefix)
}

func timePtr(s string) *time.Time {
	t := parseTime(s)
	if t.IsZero() {
		return nil
	}
	return &t
}

// conditionsEvidence copies the conditions that apply to workload
// identities, insider risk and authentication flows, and the app filter.
// Flags values (insiderRiskLevels, transferMethods) arrive as one
// comma-separated string and are split into names.
func conditionsEvidence(c conditionsWire, out *diagnosis.Conditions) {
	out.ServicePrincipalRisk = nonEmpty(c.ServicePrincipalRiskLevels)
	out.InsiderRisk = flagNames(c.InsiderRiskLevels, insiderRiskNames)
	if f := c.AuthenticationFlows; f != nil {
		if m := flagNames(f.TransferMethods, transferMethodNames); len(m) > 0 {
			out.AuthenticationFlows = &diagnosis.AuthenticationFlows{TransferMethods: m}
		}
	}
	if a := c.Applications; a != nil && a.ApplicationFilter != nil && (a.ApplicationFilter.Mode != "" || a.ApplicationFilter.Rule != "") {
		out.Applications.ApplicationFilter = &diagnosis.Filter{Mode: a.ApplicationFilter.Mode, Rule: a.ApplicationFilter.Rule}
	}
}

// toStrength reads an authentication strength with the method combinations
// that satisfy it.
func toStrength(a strengthWire) *diagnosis.AuthenticationStrength {
	return &diagnosis.AuthenticationStrength{
		ID:                    a.ID,
		DisplayName:           a.DisplayName,
		Description:           a.Description,
		PolicyType:            a.PolicyType,
		RequirementsSatisfied: a.RequirementsSatisfied,
		AllowedCombinations:   nonEmpty(a.AllowedCombinations),
	}
}

// setPerUserMFA records the per-user MFA state, verbatim.
func setPerUserMFA(snap *diagnosis.Snapshot, state string) { snap.PerUserMFAState = state }

// setSecurityDefaults records whether security defaults are on.
func setSecurityDefaults(snap *diagnosis.Snapshot, enabled bool) {
	snap.SecurityDefaults = &diagnosis.SecurityDefaults{Enabled: enabled}
}

// markIncomplete records that a sign-in page could not be read.
func markIncomplete(snap *diagnosis.Snapshot) { snap.SignInsIncomplete = true }

package diagnosis

import (
	"slices"
	"strconv"
	"strings"
)

// This file turns what a sign-in log says beyond its error code into
// sentences of a finding: how the MFA prompt went, which named network
// matched, what demanded MFA, a guest's home tenant, the authentication
// strength a policy asked for and the methods that satisfy it.

// proof returns the evidence sentences for a group, in the requester's
// language; none when the log carries nothing beyond the basics.
func (d *run) proof(g *group) []string {
	if len(g.signIns) == 0 {
		return nil
	}
	var out []string
	declined, unanswered := 0, 0
	for _, s := range g.signIns {
		for _, a := range s.AuthenticationDetails {
			r := strings.ToLower(a.StepResultDetail)
			switch {
			case a.Succeeded:
			case strings.Contains(r, "declined"):
				declined++
			case strings.Contains(r, "respond") || strings.Contains(r, "timed out") || strings.Contains(r, "timeout"):
				unanswered++
			}
		}
	}
	if declined > 0 {
		out = append(out, d.t("proof.mfa_declined", "count", strconv.Itoa(declined)))
	}
	if unanswered > 0 {
		out = append(out, d.t("proof.mfa_unanswered", "count", strconv.Itoa(unanswered)))
	}
	last := g.signIns[len(g.signIns)-1]
	var networks []string
	for _, n := range last.NetworkLocationDetails {
		networks = append(networks, n.NetworkNames...)
	}
	if len(networks) > 0 {
		out = append(out, d.t("proof.network", "networks", strings.Join(slices.Compact(networks), ", ")))
	}
	var sources []string
	for _, p := range last.AuthenticationRequirementPolicies {
		sources = append(sources, d.requirementName(p.RequirementProvider))
	}
	if len(sources) > 0 {
		out = append(out, d.t("proof.mfa_source", "sources", strings.Join(slices.Compact(sources), ", ")))
	}
	if last.HomeTenantID != "" && last.ResourceTenantID != "" && !strings.EqualFold(last.HomeTenantID, last.ResourceTenantID) {
		access := last.CrossTenantAccessType
		if access == "" {
			access = "none"
		}
		out = append(out, d.t("proof.cross_tenant", "home", last.HomeTenantID, "access", d.enumName("access", access)))
	}
	if name, result, methods := d.strength(g); name != "" && g.code != CodeCAAuthStrengthUnregistered {
		out = append(out, d.t("proof.strength", "strength", name, "result", result, "methods", methods))
	}
	return out
}

// requirementName names a requirementProvider in words.
func (d *run) requirementName(p string) string {
	return d.enumName("requirement", p)
}

// enumName renders a Graph enum value through the catalog key
// "<kind>.<value>"; a value the catalog does not know is shown as
// "unknown (value)".
func (d *run) enumName(kind, v string) string {
	key := kind + "." + v
	if d.e.text.Has(FallbackLang, key) {
		return d.t(key)
	}
	return d.t("word.unknown_value", "value", v)
}

// Built-in authentication strengths and their allowed combinations, for
// a policy read without its strength expanded.
var builtInStrengths = map[string][]string{
	"00000000-0000-0000-0000-000000000002": {"windowsHelloForBusiness", "fido2", "x509CertificateMultiFactor", "deviceBasedPush",
		"temporaryAccessPassOneTime", "temporaryAccessPassMultiUse", "password,microsoftAuthenticatorPush", "password,softwareOath",
		"password,hardwareOath", "password,sms", "password,voice", "federatedMultiFactor"},
	"00000000-0000-0000-0000-000000000003": {"windowsHelloForBusiness", "fido2", "x509CertificateMultiFactor", "deviceBasedPush"},
	"00000000-0000-0000-0000-000000000004": {"windowsHelloForBusiness", "fido2", "x509CertificateMultiFactor"},
}

// strength finds the authentication strength behind a group: the name, the
// log's result in words, and the methods that satisfy it in plain words.
func (d *run) strength(g *group) (name, result, methods string) {
	var id string
	for _, s := range slices.Backward(g.signIns) {
		for _, ap := range s.AppliedPolicies {
			if ap.AuthenticationStrength == nil || !slices.ContainsFunc(g.policies, func(r PolicyRef) bool { return strings.EqualFold(r.ID, ap.ID) }) {
				continue
			}
			id, name = ap.AuthenticationStrength.ID, ap.AuthenticationStrength.DisplayName
			if ap.AuthenticationStrength.Result != "" {
				result = d.enumName("strength_result", ap.AuthenticationStrength.Result)
			}
			break
		}
		if name != "" {
			break
		}
	}
	var combos []string
	for _, r := range g.policies {
		p, ok := d.policyByID(r.ID)
		if !ok || p.Grant == nil || p.Grant.AuthenticationStrength == nil {
			continue
		}
		as := p.Grant.AuthenticationStrength
		if name == "" {
			id, name = as.ID, as.DisplayName
		}
		if strings.EqualFold(as.ID, id) || id == "" {
			combos = as.AllowedCombinations
		}
		break
	}
	if name == "" {
		return "", "", ""
	}
	if len(combos) == 0 {
		combos = builtInStrengths[strings.ToLower(id)]
	}
	if result == "" {
		result = d.t("word.unknown")
	}
	var words []string
	for _, c := range combos {
		var parts []string
		for _, m := range strings.Split(c, ",") {
			parts = append(parts, d.enumName("method", strings.TrimSpace(m)))
		}
		words = append(words, strings.Join(parts, " + "))
	}
	methods = strings.Join(slices.Compact(words), "; ")
	if methods == "" {
		methods = d.t("word.unknown")
	}
	return name, result, methods
}

package diagnosis_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/onboard-check/onboard-check/diagnosis"
)

// TestEvidence covers what real sign-in logs carry beyond the error code:
// it must reach the finding, and MFA that no policy asked for must not be
// blamed on one.
func TestEvidence(t *testing.T) {
	t.Parallel()
	e := newEngine(t)
	q := diagnosis.Query{User: "adele@contoso.com"}
	mfa := policy(func(p *diagnosis.Policy) {
		p.ID, p.DisplayName = "mfa-admins", "CA001 MFA for admins"
		p.Grant.BuiltInControls = []string{"mfa"}
		p.Conditions.Users = diagnosis.UserConditions{IncludeRoles: []string{gaRole}}
	})
	declined := func(s diagnosis.SignIn) diagnosis.SignIn {
		s.AuthenticationDetails = append(s.AuthenticationDetails,
			diagnosis.AuthenticationDetail{Method: "Password", Succeeded: true, StepResultDetail: "Correct password"},
			diagnosis.AuthenticationDetail{Method: "Mobile app notification", StepResultDetail: "MFA denied; user declined the authentication"})
		return s
	}
	detail := func(d diagnosis.Diagnosis, code diagnosis.FindingCode) string {
		t.Helper()
		f, ok := find(d, code)
		if !ok {
			t.Fatalf("findings %v; want %s", codes(d), code)
		}
		return f.Detail
	}

	t.Run("declined prompts, named network, MFA source", func(t *testing.T) {
		s1, s2 := declined(signIn("a", 40, 500121, failed(mfa.ID, "Mfa"))), declined(signIn("b", 20, 500121, failed(mfa.ID, "Mfa")))
		s2.NetworkLocationDetails = []diagnosis.NetworkLocationDetail{{NetworkType: "namedNetwork", NetworkNames: []string{"HQ-VPN"}}}
		s2.AuthenticationRequirementPolicies = []diagnosis.RequirementPolicy{{RequirementProvider: "multiConditionalAccess"}, {RequirementProvider: "someNewProvider"}}
		got := detail(e.Diagnose(snapshot([]diagnosis.SignIn{s1, s2}, mfa), q, "en"), diagnosis.CodeCAMFARequired)
		for _, want := range []string{"declined the MFA prompt 2 time(s)", "named location(s) HQ-VPN", "came from: Conditional Access, unknown (someNewProvider)"} {
			if !strings.Contains(got, want) {
				t.Errorf("detail %q lacks %q", got, want)
			}
		}
	})
	t.Run("cross-tenant sign-in", func(t *testing.T) {
		s := signIn("a", 20, 50126)
		s.HomeTenantID, s.ResourceTenantID, s.CrossTenantAccessType = fabrikamTenant, "contoso-tenant", "b2bCollaboration"
		got := detail(e.Diagnose(snapshot([]diagnosis.SignIn{s}), q, "nl"), diagnosis.CodeInvalidCredentials)
		if !strings.Contains(got, fabrikamTenant) || !strings.Contains(got, "B2B-samenwerking") {
			t.Errorf("detail %q lacks the home tenant and access type", got)
		}
	})
	t.Run("authentication strength is named with its methods", func(t *testing.T) {
		strong := policy(func(p *diagnosis.Policy) {
			p.ID, p.DisplayName = "strong", "CA060 Phishing-resistant"
			p.Grant.BuiltInControls = nil
			p.Grant.AuthenticationStrength = &diagnosis.AuthenticationStrength{ID: "00000000-0000-0000-0000-000000000004",
				DisplayName: "Phishing-resistant MFA", AllowedCombinations: []string{"windowsHelloForBusiness", "fido2", "x509CertificateMultiFactor", "password,futureMethod"}}
		})
		ap := failed(strong.ID, "RequireAuthenticationStrength")
		ap.AuthenticationStrength = &diagnosis.AppliedAuthenticationStrength{ID: "00000000-0000-0000-0000-000000000004", DisplayName: "Phishing-resistant MFA", Result: "singleChallengeRequired"}
		got := detail(e.Diagnose(snapshot([]diagnosis.SignIn{signIn("a", 20, 50074, ap)}, strong), q, "en"), diagnosis.CodeCAMFARequired)
		if !strings.Contains(got, "Phishing-resistant MFA (result: one more challenge required)") ||
			!strings.Contains(got, "Windows Hello for Business; passkey (FIDO2); certificate-based authentication; password + unknown (futureMethod)") {
			t.Errorf("detail %q does not name the strength and its methods", got)
		}
		ap.AuthenticationStrength.Result = "multipleRegistrationsRequired"
		d := e.Diagnose(snapshot([]diagnosis.SignIn{signIn("a", 20, 50074, ap)}, strong), q, "en")
		f, ok := find(d, diagnosis.CodeCAAuthStrengthUnregistered)
		if !ok || !slices.ContainsFunc(f.Remediation, func(s string) bool { return strings.Contains(s, "Temporary Access Pass") }) {
			t.Errorf("findings %v; want %s with a Temporary Access Pass step", codes(d), diagnosis.CodeCAAuthStrengthUnregistered)
		}
	})
	t.Run("per-user MFA is not a policy", func(t *testing.T) {
		snap := snapshot([]diagnosis.SignIn{signIn("a", 20, 50076)}, mfa)
		snap.PerUserMFAState = "enforced"
		d := e.Diagnose(snap, q, "en")
		f, ok := find(d, diagnosis.CodeCAMFARequired)
		if !ok || len(f.Policies) != 0 || !strings.Contains(f.Title, "per-user MFA") {
			t.Errorf("finding %+v; want per-user MFA named and no policy blamed", f)
		}
	})
	t.Run("mandatory MFA only when nothing else explains it", func(t *testing.T) {
		cli := signIn("a", 20, 50076)
		cli.AppID, cli.AppDisplayName = "04b07795-8ddb-461a-bbee-02f9e1bf7b46", "Microsoft Azure CLI"
		d := e.Diagnose(snapshot([]diagnosis.SignIn{cli}), q, "en")
		if f, ok := find(d, diagnosis.CodeMandatoryMFA); !ok || !strings.Contains(f.Detail, "phase 2") {
			t.Errorf("findings %v; want mandatory_mfa_required, phase 2", codes(d))
		}
		d = e.Diagnose(snapshot([]diagnosis.SignIn{cli}, mfa), q, "en")
		if _, ok := find(d, diagnosis.CodeMandatoryMFA); ok {
			t.Errorf("findings %v: an MFA policy that applies explains it", codes(d))
		}
		exo := signIn("b", 20, 50076)
		exo.AppID, exo.ResourceID = exoID, exoID
		if _, ok := find(e.Diagnose(snapshot([]diagnosis.SignIn{exo}), q, "en"), diagnosis.CodeMandatoryMFA); ok {
			t.Error("Exchange Online is not under mandatory MFA for Azure")
		}
	})
	t.Run("security defaults on", func(t *testing.T) {
		snap := snapshot([]diagnosis.SignIn{signIn("ok", 20, 0)})
		snap.SecurityDefaults = &diagnosis.SecurityDefaults{Enabled: true}
		d := e.Diagnose(snap, q, "en")
		f, ok := find(d, diagnosis.CodeSecurityDefaults)
		if !ok || d.Verdict != diagnosis.VerdictHealthy || !slices.ContainsFunc(f.Remediation, func(s string) bool { return strings.Contains(s, "administrator role") }) {
			t.Errorf("findings %v verdict %s; want security_defaults_enabled with the admin step, healthy", codes(d), d.Verdict)
		}
		snap.SecurityDefaults.Enabled = false
		if _, ok := find(e.Diagnose(snap, q, "en"), diagnosis.CodeSecurityDefaults); ok {
			t.Error("security defaults reported while off")
		}
	})
	t.Run("incomplete log is never healthy", func(t *testing.T) {
		snap := snapshot([]diagnosis.SignIn{signIn("ok", 20, 0)})
		snap.SignInsIncomplete = true
		d := e.Diagnose(snap, q, "en")
		if d.Verdict == diagnosis.VerdictHealthy || !slices.ContainsFunc(d.Warnings, func(w diagnosis.Warning) bool { return w.Code == diagnosis.WarnPartialSignIns }) {
			t.Errorf("verdict %s warnings %v; want not healthy and partial_sign_ins", d.Verdict, d.Warnings)
		}
	})
	t.Run("unknown risk level in an explanation", func(t *testing.T) {
		p := policy(func(p *diagnosis.Policy) { p.Conditions.SignInRisk = []string{"high", "extreme"} })
		x, ok := e.ExplainPolicy(snapshot(nil, p), diagnosis.Query{}, p.ID, "en")
		if !ok || x.Match != diagnosis.MatchMaybe || !slices.ContainsFunc(x.Conditions, func(s string) bool {
			return strings.Contains(s, "depends on risk (unknown)") && strings.Contains(s, "high, unknown (extreme)")
		}) {
			t.Errorf("explanation %+v; want 'depends on risk (unknown)' with the unknown level shown as such", x)
		}
	})
}

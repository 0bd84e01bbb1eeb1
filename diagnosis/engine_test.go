package diagnosis_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/onboard-check/onboard-check/diagnosis"
)

// snapshot is a one-user tenant: adele, a Global Administrator in IT Admins.
func snapshot(signIns []diagnosis.SignIn, policies ...diagnosis.Policy) diagnosis.Snapshot {
	return diagnosis.Snapshot{
		User:           member(),
		Groups:         []diagnosis.Group{{ID: adminsGrp, DisplayName: "IT Admins"}},
		Roles:          []diagnosis.Role{{ID: "r1", DisplayName: "Global Administrator", RoleTemplateID: gaRole}},
		SignIns:        signIns,
		Policies:       policies,
		NamedLocations: testLocations(),
		SignInsRead:    true, PoliciesRead: true, MembershipsRead: true,
	}
}

// signIn is one of adele's sign-ins to the Azure portal, minutes before testNow.
func signIn(id string, minutes, code int, applied ...diagnosis.AppliedPolicy) diagnosis.SignIn {
	s := diagnosis.SignIn{
		ID: id, CreatedDateTime: testNow.Add(-time.Duration(minutes) * time.Minute), UserID: userID,
		UserPrincipalName: "adele@contoso.com", AppID: portalID, AppDisplayName: "Azure Portal",
		ResourceID: armID, IPAddress: "198.51.100.8", ClientAppUsed: "Browser", ErrorCode: code,
		CorrelationID: "corr-" + id, Interactive: true, AppliedPolicies: applied,
		Device: diagnosis.Device{OperatingSystem: "Windows10"}, Location: diagnosis.Location{CountryOrRegion: "NL"},
	}
	if code != 0 {
		s.FailureReason = "failure " + id
		if len(applied) > 0 {
			s.ConditionalAccessStatus = "failure"
		}
	}
	return s
}

func failed(id string, controls ...string) diagnosis.AppliedPolicy {
	return diagnosis.AppliedPolicy{ID: id, DisplayName: "Policy " + id, EnforcedGrantControls: controls, Result: "failure"}
}

func find(d diagnosis.Diagnosis, code diagnosis.FindingCode) (diagnosis.Finding, bool) {
	i := slices.IndexFunc(d.Findings, func(f diagnosis.Finding) bool { return f.Code == code })
	if i < 0 {
		return diagnosis.Finding{}, false
	}
	return d.Findings[i], true
}

func TestDiagnose(t *testing.T) {
	t.Parallel()
	e := newEngine(t)
	q := diagnosis.Query{User: "adele@contoso.com"}
	block := policy(func(p *diagnosis.Policy) {
		p.ID, p.DisplayName = "block-untrusted", "CA015 Block untrusted"
		p.Conditions.Locations = &diagnosis.LocationConditions{Include: []string{"All"}, Exclude: []string{"AllTrusted"}}
	})

	t.Run("failure then success is resolved", func(t *testing.T) {
		d := e.Diagnose(snapshot([]diagnosis.SignIn{
			signIn("a", 60, 53003, failed(block.ID, "Block")),
			signIn("b", 10, 0),
		}, block), q, "en")
		f, ok := find(d, diagnosis.CodeCABlock)
		if !ok || !f.Resolved {
			t.Fatalf("ca_block resolved = %v (found %v); want resolved", f.Resolved, ok)
		}
		if d.Verdict != diagnosis.VerdictAtRisk {
			t.Errorf("verdict = %s, want at_risk (a resolved critical finding)", d.Verdict)
		}
	})
	t.Run("success then failure is not resolved", func(t *testing.T) {
		d := e.Diagnose(snapshot([]diagnosis.SignIn{
			signIn("b", 60, 0),
			signIn("a", 10, 53003, failed(block.ID, "Block")),
		}, block), q, "en")
		if f, ok := find(d, diagnosis.CodeCABlock); !ok || f.Resolved {
			t.Fatalf("ca_block = %+v, %v; want unresolved", f, ok)
		}
		if d.Verdict != diagnosis.VerdictBlocked {
			t.Errorf("verdict = %s, want blocked", d.Verdict)
		}
	})
	t.Run("success to another app does not resolve", func(t *testing.T) {
		other := signIn("b", 5, 0)
		other.AppID, other.ResourceID = exoID, exoID
		d := e.Diagnose(snapshot([]diagnosis.SignIn{signIn("a", 10, 53003, failed(block.ID, "Block")), other}, block), q, "en")
		if f, _ := find(d, diagnosis.CodeCABlock); f.Resolved {
			t.Error("a success to Exchange resolved a block on the Azure portal")
		}
	})
	t.Run("other users' sign-ins are ignored", func(t *testing.T) {
		lee := signIn("lee", 5, 50126)
		lee.UserID, lee.UserPrincipalName = "1a6893ad-a463-54ad-ab3b-57baabfc787b", "lee@contoso.com"
		d := e.Diagnose(snapshot([]diagnosis.SignIn{lee, signIn("own", 30, 0)}), q, "en")
		if _, ok := find(d, diagnosis.CodeInvalidCredentials); ok || d.Stats.SignIns != 1 {
			t.Errorf("diagnosis used lee's sign-in: findings %v, stats %+v", codes(d), d.Stats)
		}
		b, _ := json.Marshal(d)
		if strings.Contains(string(b), "lee") {
			t.Errorf("diagnosis mentions another user: %s", b)
		}
	})
	t.Run("sign-ins outside the window are ignored", func(t *testing.T) {
		old := signIn("old", 60*24*10, 53003, failed(block.ID, "Block"))
		d := e.Diagnose(snapshot([]diagnosis.SignIn{old}, block), q, "en")
		if _, ok := find(d, diagnosis.CodeCABlock); ok {
			t.Error("a sign-in from ten days ago was used with a seven-day window")
		}
	})
	t.Run("block without applied policies is explained by the evaluator", func(t *testing.T) {
		s := signIn("a", 10, 53003)
		s.ConditionalAccessStatus = "failure"
		d := e.Diagnose(snapshot([]diagnosis.SignIn{s}, block), q, "en")
		f, ok := find(d, diagnosis.CodeCABlock)
		if !ok || len(f.Policies) != 1 || f.Policies[0].ID != block.ID {
			t.Fatalf("ca_block = %+v; want it to name %s", f, block.ID)
		}
		if !slices.ContainsFunc(d.Warnings, func(w diagnosis.Warning) bool {
			return w.Code == diagnosis.WarnPoliciesUnavailable && strings.Contains(w.Message, "Policy.Read.All")
		}) {
			t.Errorf("warnings %v; want the hidden policies named with Policy.Read.All", d.Warnings)
		}
	})
	t.Run("unknown error code", func(t *testing.T) {
		d := e.Diagnose(snapshot([]diagnosis.SignIn{signIn("a", 10, 9999999)}), q, "en")
		f, ok := find(d, diagnosis.CodeUnknownError)
		if !ok || f.ErrorCode != 9999999 || !strings.Contains(f.Detail, "failure a") {
			t.Fatalf("unknown_error = %+v; want the code and the failure reason", f)
		}
		if !slices.Contains(f.References, diagnosis.LookupURL(9999999)) {
			t.Errorf("references %v lack the lookup link", f.References)
		}
	})
	t.Run("unknown code on a risky sign-in is Identity Protection", func(t *testing.T) {
		s := signIn("a", 10, 9999999)
		s.RiskState, s.RiskLevelDuringSignIn = "atRisk", "high"
		d := e.Diagnose(snapshot([]diagnosis.SignIn{s}), q, "en")
		if _, ok := find(d, diagnosis.CodeRiskBlocked); !ok {
			t.Errorf("findings %v; want risk_blocked", codes(d))
		}
	})
	t.Run("disabled account without sign-ins", func(t *testing.T) {
		snap := snapshot(nil)
		snap.User.AccountEnabled = false
		d := e.Diagnose(snap, q, "en")
		if f, ok := find(d, diagnosis.CodeAccountDisabled); !ok || f.Resolved || d.Verdict != diagnosis.VerdictBlocked {
			t.Errorf("findings %v verdict %s; want an unresolved account_disabled and blocked", codes(d), d.Verdict)
		}
	})
	t.Run("user not found", func(t *testing.T) {
		d := e.Diagnose(diagnosis.Snapshot{SignInsRead: true, PoliciesRead: true}, diagnosis.Query{User: "adel@contoso.com"}, "en")
		if d.Verdict != diagnosis.VerdictUnknown || d.User != nil {
			t.Errorf("verdict %s user %v; want unknown and null", d.Verdict, d.User)
		}
		if _, ok := find(d, diagnosis.CodeUserNotFound); !ok {
			t.Errorf("findings %v lack user_not_found", codes(d))
		}
	})
	t.Run("nothing readable is unknown", func(t *testing.T) {
		snap := snapshot(nil)
		snap.SignInsRead, snap.PoliciesRead = false, false
		snap.Warnings = []diagnosis.Warning{{Code: diagnosis.WarnSignInLogsUnavailable, Reason: "unavailable"}, {Code: diagnosis.WarnPoliciesUnavailable, Reason: "unavailable"}}
		d := e.Diagnose(snap, q, "nl")
		if d.Verdict != diagnosis.VerdictUnknown {
			t.Errorf("verdict = %s, want unknown", d.Verdict)
		}
		for _, w := range d.Warnings {
			if w.Message == "" || strings.HasPrefix(w.Message, "warning.") {
				t.Errorf("warning %s has no message: %q", w.Code, w.Message)
			}
		}
	})
	t.Run("healthy has the token_expired finding", func(t *testing.T) {
		d := e.Diagnose(snapshot([]diagnosis.SignIn{signIn("ok", 30, 0)}), q, "en")
		if d.Verdict != diagnosis.VerdictHealthy {
			t.Fatalf("verdict = %s, want healthy; findings %v", d.Verdict, codes(d))
		}
		if f, ok := find(d, diagnosis.CodeTokenExpired); !ok || f.Severity != diagnosis.SeverityInfo {
			t.Errorf("findings %v; want token_expired (info)", codes(d))
		}
	})
	t.Run("report-only failure", func(t *testing.T) {
		ro := block
		ro.State = diagnosis.PolicyReportOnly
		s := signIn("a", 30, 0, diagnosis.AppliedPolicy{ID: ro.ID, DisplayName: ro.DisplayName, EnforcedGrantControls: []string{"Block"}, Result: "reportOnlyFailure"})
		d := e.Diagnose(snapshot([]diagnosis.SignIn{s}, ro), q, "en")
		f, ok := find(d, diagnosis.CodeCAReportOnlyFailure)
		if !ok || f.Policies[0].State != diagnosis.PolicyReportOnly || d.Verdict != diagnosis.VerdictAtRisk {
			t.Errorf("finding %+v verdict %s; want report-only policy, at_risk", f, d.Verdict)
		}
		if _, ok := find(d, diagnosis.CodeCAPolicyApplies); ok {
			t.Error("a report-only policy was reported as ca_policy_applies")
		}
	})
	t.Run("proactive: no sign-ins, a block applies outside trusted locations", func(t *testing.T) {
		d := e.Diagnose(snapshot(nil, block), q, "en")
		f, ok := find(d, diagnosis.CodeCAPolicyApplies)
		if !ok || f.Policies[0].ID != block.ID || d.Verdict != diagnosis.VerdictAtRisk {
			t.Errorf("findings %v verdict %s; want ca_policy_applies naming %s", codes(d), d.Verdict, block.ID)
		}
		if !slices.ContainsFunc(d.Warnings, func(w diagnosis.Warning) bool { return w.Code == diagnosis.WarnNoSignInsInWindow }) {
			t.Errorf("warnings %v lack no_sign_ins_in_window", d.Warnings)
		}
	})
	t.Run("proactive: excluded user is healthy", func(t *testing.T) {
		p := block
		p.Conditions.Users.ExcludeGroups = []string{adminsGrp}
		if d := e.Diagnose(snapshot(nil, p), q, "en"); d.Verdict != diagnosis.VerdictHealthy {
			t.Errorf("verdict %s findings %v; want healthy", d.Verdict, codes(d))
		}
	})
	t.Run("proactive: MFA alone is not flagged", func(t *testing.T) {
		p := policy(func(p *diagnosis.Policy) { p.Grant.BuiltInControls = []string{"mfa"} })
		if d := e.Diagnose(snapshot(nil, p), q, "en"); d.Verdict != diagnosis.VerdictHealthy {
			t.Errorf("verdict %s findings %v; want healthy", d.Verdict, codes(d))
		}
	})
	t.Run("app filter", func(t *testing.T) {
		exo := signIn("x", 10, 50126)
		exo.AppID, exo.ResourceID = exoID, exoID
		d := e.Diagnose(snapshot([]diagnosis.SignIn{exo, signIn("p", 20, 0)}), diagnosis.Query{User: "adele@contoso.com", App: "azure-portal"}, "en")
		if _, ok := find(d, diagnosis.CodeInvalidCredentials); ok || d.Stats.SignIns != 1 {
			t.Errorf("--app azure-portal kept an Exchange failure: %v %+v", codes(d), d.Stats)
		}
	})
	t.Run("ordering: critical first, then newest", func(t *testing.T) {
		d := e.Diagnose(snapshot([]diagnosis.SignIn{
			signIn("cred", 50, 50126),
			signIn("blk1", 40, 53003, failed(block.ID, "Block")),
			signIn("mfa", 30, 50076, failed("mfa-pol", "Mfa")),
		}, block), q, "en")
		if len(d.Findings) < 3 || d.Findings[0].Code != diagnosis.CodeCAMFARequired || d.Findings[1].Code != diagnosis.CodeCABlock {
			t.Errorf("order = %v; want ca_mfa_required, ca_block, then warnings", codes(d))
		}
	})
	t.Run("every finding has text in both languages", func(t *testing.T) {
		for _, lang := range diagnosis.Languages() {
			d := e.Diagnose(snapshot([]diagnosis.SignIn{signIn("a", 10, 53003, failed(block.ID, "Block"))}, block), q, lang)
			for _, f := range d.Findings {
				if strings.Contains(f.Title, "{") || strings.Contains(f.Detail, "{") || strings.HasPrefix(f.Title, "finding.") {
					t.Errorf("%s: unfilled text: %q / %q", lang, f.Title, f.Detail)
				}
			}
		}
	})
}

func TestDiagnosisJSON(t *testing.T) {
	t.Parallel()
	e := newEngine(t)
	d := e.Diagnose(snapshot(nil), diagnosis.Query{User: "adele@contoso.com"}, "en")
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"schemaVersion", "query", "user", "verdict", "summary", "findings", "stats", "warnings"} {
		if _, ok := doc[k]; !ok {
			t.Errorf("document lacks %q: %s", k, b)
		}
	}
	for _, f := range doc["findings"].([]any) {
		m := f.(map[string]any)
		for _, k := range []string{"code", "severity", "resolved", "title", "remediation"} {
			if _, ok := m[k]; !ok {
				t.Errorf("finding lacks %q: %v", k, m)
			}
		}
	}
}

func TestParseWindow(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]time.Duration{"72h": 72 * time.Hour, "7d": 7 * 24 * time.Hour, "30d": 30 * 24 * time.Hour, "90m": 90 * time.Minute} {
		if got, err := diagnosis.ParseWindow(in); err != nil || got != want {
			t.Errorf("ParseWindow(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "0d", "-1h", "31d", "721h", "week", "7 d"} {
		if _, err := diagnosis.ParseWindow(in); err == nil {
			t.Errorf("ParseWindow(%q) accepted", in)
		}
	}
}

package demo_test

import (
	"slices"
	"testing"
	"time"

	"github.com/onboard-check/onboard-check/diagnosis"
	"github.com/onboard-check/onboard-check/diagnosis/demo"
)

var now = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

// demoUsers is the README's table of the sample tenant: who shows what.
var demoUsers = []struct {
	user    string
	verdict diagnosis.Verdict
	code    diagnosis.FindingCode
	policy  string // display name prefix of the policy the finding names
}{
	{"adele@contoso.com", diagnosis.VerdictBlocked, diagnosis.CodeCABlock, "CA015"},
	{"lidia@contoso.com", diagnosis.VerdictBlocked, diagnosis.CodeCAMFARequired, "CA001"},
	{"nestor@contoso.com", diagnosis.VerdictBlocked, diagnosis.CodeMFARegistration, ""},
	{"johanna@contoso.com", diagnosis.VerdictBlocked, diagnosis.CodeCACompliantDevice, "CA030"},
	{"isaiah@contoso.com", diagnosis.VerdictBlocked, diagnosis.CodeCADomainJoinedDevice, "CA025"},
	{"pradeep@contoso.com", diagnosis.VerdictBlocked, diagnosis.CodeCAApprovedApp, "CA035"},
	{"grady@contoso.com", diagnosis.VerdictBlocked, diagnosis.CodeCAOtherControl, "CA040"},
	{"diego@contoso.com", diagnosis.VerdictBlocked, diagnosis.CodeAccountDisabled, ""},
	{"lynne@contoso.com", diagnosis.VerdictBlocked, diagnosis.CodeAccountLocked, ""},
	{"miriam@contoso.com", diagnosis.VerdictBlocked, diagnosis.CodePasswordExpired, ""},
	{"joni@contoso.com", diagnosis.VerdictAtRisk, diagnosis.CodeInvalidCredentials, ""},
	{"allan@contoso.com", diagnosis.VerdictBlocked, diagnosis.CodeConsentRequired, ""},
	{"irvin@contoso.com", diagnosis.VerdictBlocked, diagnosis.CodeAppAssignmentRequired, ""},
	{"henrietta@contoso.com", diagnosis.VerdictBlocked, diagnosis.CodeRiskBlocked, ""},
	{"adel@contoso.com", diagnosis.VerdictUnknown, diagnosis.CodeUserNotFound, ""},
	{"debra@contoso.com", diagnosis.VerdictAtRisk, diagnosis.CodeSessionExpired, ""},
	{"megan@contoso.com", diagnosis.VerdictAtRisk, diagnosis.CodeCASignInFrequency, "CA045"},
	{"patti@contoso.com", diagnosis.VerdictAtRisk, diagnosis.CodeCAReportOnlyFailure, "CA055"},
	{"alex@contoso.com", diagnosis.VerdictAtRisk, diagnosis.CodeCAPolicyApplies, "CA015"},
	{"emily@contoso.com", diagnosis.VerdictHealthy, diagnosis.CodeTokenExpired, ""},
	{"enrico@contoso.com", diagnosis.VerdictAtRisk, diagnosis.CodeUnknownError, ""},
	{"lee@contoso.com", diagnosis.VerdictAtRisk, diagnosis.CodeCAMFARequired, "CA001"},
	{"conor.o'brien@contoso.com", diagnosis.VerdictHealthy, diagnosis.CodeTokenExpired, ""},
	{"patti_fabrikam.com#EXT#@contoso.onmicrosoft.com", diagnosis.VerdictHealthy, diagnosis.CodeTokenExpired, ""},
	{"breakglass@contoso.com", diagnosis.VerdictHealthy, diagnosis.CodeTokenExpired, ""},
	{"christie@contoso.com", diagnosis.VerdictBlocked, diagnosis.CodeCAAuthStrengthUnregistered, "CA060"},
	{"brian@contoso.com", diagnosis.VerdictBlocked, diagnosis.CodeMandatoryMFA, ""},
	{"ben@contoso.com", diagnosis.VerdictBlocked, diagnosis.CodeSecurityDefaults, ""},
}

// TestDefaultTenant checks that the sample tenant shows every finding code
// and that each account shows what the README says.
func TestDefaultTenant(t *testing.T) {
	t.Parallel()
	tenant, err := demo.Default(now)
	if err != nil {
		t.Fatal(err)
	}
	e, err := diagnosis.NewEngine(func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	seen := map[diagnosis.FindingCode]bool{}
	for _, u := range demoUsers {
		for _, lang := range diagnosis.Languages() {
			d, _, err := e.Run(t.Context(), tenant, diagnosis.Query{User: u.user}, lang)
			if err != nil {
				t.Fatalf("%s: %v", u.user, err)
			}
			if d.Verdict != u.verdict {
				t.Errorf("%s: verdict %s, want %s", u.user, d.Verdict, u.verdict)
			}
			i := slices.IndexFunc(d.Findings, func(f diagnosis.Finding) bool { return f.Code == u.code })
			if i < 0 {
				t.Errorf("%s: no %s finding", u.user, u.code)
				continue
			}
			if u.policy != "" && !slices.ContainsFunc(d.Findings[i].Policies, func(p diagnosis.PolicyRef) bool {
				return len(p.DisplayName) >= len(u.policy) && p.DisplayName[:len(u.policy)] == u.policy
			}) {
				t.Errorf("%s: %s names %v, want %s", u.user, u.code, d.Findings[i].Policies, u.policy)
			}
			for _, f := range d.Findings {
				seen[f.Code] = true
			}
		}
	}
	for _, c := range diagnosis.AllCodes() {
		if !seen[c] {
			t.Errorf("no demo account shows %s", c)
		}
	}
	if len(tenant.Users())+1 != len(demoUsers) { // adel@ is the typo that is not there
		t.Errorf("the tenant has %d accounts, the table %d: keep the README in step", len(tenant.Users()), len(demoUsers)-1)
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	for _, in := range []string{`{`, `{"signIns":[{"createdDateTime":"-x"}]}`, `{"signIns":[{"createdDateTime":"yesterday"}]}`} {
		if _, err := demo.Parse([]byte(in), now); err == nil {
			t.Errorf("Parse(%s) accepted", in)
		}
	}
}

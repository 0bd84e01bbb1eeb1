package diagnosis_test

import (
	"testing"

	"github.com/onboard-check/onboard-check/diagnosis"
	"github.com/onboard-check/onboard-check/diagnosis/demo"
)

// raisedByRules are the codes no AADSTS code leads to: the engine raises
// them from policies, report-only results or the account's state.
var raisedByRules = map[diagnosis.FindingCode]bool{
	diagnosis.CodeCAReportOnlyFailure: true,
	diagnosis.CodeCAPolicyApplies:     true,
	// the log's authentication strength result, not its error code
	diagnosis.CodeCAAuthStrengthUnregistered: true,
	// an MFA failure on Azure management that no policy explains
	diagnosis.CodeMandatoryMFA: true,
	// the tenant's setting
	diagnosis.CodeSecurityDefaults: true,
}

// TestCodeTable holds every finding code to its texts in every language,
// an account of the sample tenant that shows it, and a knowledge-base
// mapping (or a rule that raises it without one).
func TestCodeTable(t *testing.T) {
	t.Parallel()
	e := newEngine(t)
	text, kb := e.Text(), e.KnowledgeBase()
	mapped := map[diagnosis.FindingCode]bool{}
	for _, c := range kb.Codes() {
		info, _ := kb.Lookup(c)
		mapped[info.Finding] = true
	}
	tenant, err := demo.Default(testNow)
	if err != nil {
		t.Fatal(err)
	}
	shown := map[diagnosis.FindingCode]bool{}
	users := []string{"nobody-here@contoso.com"} // user_not_found
	for _, u := range tenant.Users() {
		users = append(users, u.UserPrincipalName)
	}
	for _, u := range users {
		d, _, err := e.Run(t.Context(), tenant, diagnosis.Query{User: u}, "en")
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range d.Findings {
			shown[f.Code] = true
		}
	}
	seen := map[diagnosis.FindingCode]bool{}
	for _, c := range diagnosis.AllCodes() {
		if seen[c] {
			t.Errorf("%s is listed twice", c)
		}
		seen[c] = true
		if !c.Valid() {
			t.Errorf("%s is not Valid", c)
		}
		switch c.Severity() {
		case diagnosis.SeverityCritical, diagnosis.SeverityWarning, diagnosis.SeverityInfo:
		default:
			t.Errorf("%s has severity %q", c, c.Severity())
		}
		for _, lang := range diagnosis.Languages() {
			for _, k := range []string{".title", ".detail", ".steps"} {
				if !text.Has(lang, "finding."+string(c)+k) {
					t.Errorf("%s: finding %s has no %s text", lang, c, k)
				}
			}
		}
		if !shown[c] {
			t.Errorf("no account of the sample tenant shows %s", c)
		}
		if mapped[c] == raisedByRules[c] {
			t.Errorf("%s: knowledge-base mapping %v, raised by rules %v: exactly one must hold", c, mapped[c], raisedByRules[c])
		}
	}
	if diagnosis.FindingCode("no_such_code").Valid() {
		t.Error("an unknown code is Valid")
	}
}

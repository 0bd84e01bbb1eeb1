package diagnosis

import "strings"

// control is one row of the control vocabulary: a grant or session control
// as a policy names it (Graph's builtInControls, plus the names this
// package gives the other parts of grantControls and sessionControls), the
// strings the sign-in log's enforcedGrantControls and
// enforcedSessionControls use for it, and the finding its failure becomes.
type control struct {
	// Name is the policy vocabulary: a builtInControls value, or
	// authenticationStrength, termsOfUse, signInFrequency.
	Name string
	// Log are the strings the sign-in log uses (compared case-insensitively).
	Log []string
	// Finding is what a sign-in that failed this control becomes.
	// CodeCAOtherControl marks a control with no finding of its own.
	Finding FindingCode
	// Hard marks a control a new admin may well not meet by signing in
	// again: a device state or a client app the helpdesk cannot provide.
	Hard bool
	// Session marks a session control, not a grant control.
	Session bool
}

// controlTable is the control vocabulary. Graph documents builtInControls
// as block, mfa, compliantDevice, domainJoinedDevice, approvedApplication,
// compliantApplication, passwordChange, unknownFutureValue and (behind
// Prefer: include-unknown-enum-members) riskRemediation
// (https://learn.microsoft.com/graph/api/resources/conditionalaccessgrantcontrols).
// A value not in the table is an unknown control: it is never read as
// block, and it shows as "unknown (value)".
var controlTable = []control{
	{Name: "block", Log: []string{"Block"}, Finding: CodeCABlock, Hard: true},
	{Name: "mfa", Log: []string{"Mfa"}, Finding: CodeCAMFARequired},
	{Name: "compliantDevice", Log: []string{"RequireCompliantDevice"}, Finding: CodeCACompliantDevice, Hard: true},
	{Name: "domainJoinedDevice", Log: []string{"RequireDomainJoinedDevice"}, Finding: CodeCADomainJoinedDevice, Hard: true},
	{Name: "approvedApplication", Log: []string{"RequireApprovedApp"}, Finding: CodeCAApprovedApp, Hard: true},
	{Name: "compliantApplication", Log: []string{"RequireCompliantApp"}, Finding: CodeCAApprovedApp, Hard: true},
	{Name: "passwordChange", Log: []string{"PasswordChange", "RequirePasswordChange"}, Finding: CodeCAOtherControl},
	{Name: "riskRemediation", Log: []string{"RiskRemediation"}, Finding: CodeCAOtherControl},
	{Name: "authenticationStrength", Log: []string{"RequireAuthenticationStrength", "AuthenticationStrength"}, Finding: CodeCAMFARequired},
	{Name: "termsOfUse", Log: []string{"TermsOfUse"}, Finding: CodeCAOtherControl},
	{Name: "signInFrequency", Log: []string{"SignInFrequency"}, Session: true},
}

// controlIndex maps every lower-case name and log string to its row.
var controlIndex = func() map[string]*control {
	m := map[string]*control{}
	for i := range controlTable {
		c := &controlTable[i]
		m[strings.ToLower(c.Name)] = c
		for _, l := range c.Log {
			m[strings.ToLower(l)] = c
		}
	}
	return m
}()

// lookupControl finds a control by its policy name or its log string.
func lookupControl(s string) (*control, bool) {
	c, ok := controlIndex[strings.ToLower(strings.TrimSpace(s))]
	return c, ok
}

// normalizeControl maps a control string from a policy or the sign-in log
// to the policy vocabulary; an unknown value comes back as it is.
func normalizeControl(s string) string {
	if c, ok := lookupControl(s); ok {
		return c.Name
	}
	return s
}

// controlCode maps a failed policy's enforced grant controls to a finding:
// block wins, then the last control with a finding of its own; anything
// else (terms of use, password change, an unknown control) is
// CodeCAOtherControl.
func controlCode(controls []string) FindingCode {
	code := CodeCAOtherControl
	for _, s := range controls {
		c, ok := lookupControl(s)
		if !ok || c.Session {
			continue
		}
		if c.Finding == CodeCABlock {
			return CodeCABlock
		}
		if c.Finding != CodeCAOtherControl {
			code = c.Finding
		}
	}
	return code
}

// wantControl reports whether a policy control explains a finding code.
// An unknown control can explain only CodeCAOtherControl.
func wantControl(code FindingCode, s string) bool {
	c, ok := lookupControl(s)
	if !ok {
		return code == CodeCAOtherControl
	}
	if c.Session {
		return false
	}
	if code == CodeMFARegistration {
		return c.Finding == CodeCAMFARequired
	}
	return c.Finding == code
}

// isHardControl reports whether a grant control is one a new admin may well
// not meet: a device state or an app the helpdesk cannot satisfy by
// signing in again.
func isHardControl(s string) bool {
	c, ok := lookupControl(s)
	return ok && c.Hard
}

// Controls lists what a policy demands: its grant controls (block, mfa,
// compliantDevice, …, authenticationStrength, termsOfUse, custom controls)
// and its sign-in frequency session control.
func (p *Policy) Controls() []string {
	var out []string
	if g := p.Grant; g != nil {
		out = append(out, g.BuiltInControls...)
		if g.AuthenticationStrength != nil {
			out = append(out, "authenticationStrength")
		}
		if len(g.TermsOfUse) > 0 {
			out = append(out, "termsOfUse")
		}
		out = append(out, g.CustomAuthenticationFactors...)
	}
	if s := p.Session; s != nil && s.SignInFrequency != nil && s.SignInFrequency.IsEnabled {
		out = append(out, "signInFrequency")
	}
	return out
}

// HardControls returns the grant controls of p that an account may not be
// able to meet (block, device state, approved app). With the OR operator
// they count only when every alternative is hard.
func (p *Policy) HardControls() []string {
	g := p.Grant
	if g == nil {
		return nil
	}
	var hard []string
	soft := g.AuthenticationStrength != nil || len(g.TermsOfUse) > 0 || len(g.CustomAuthenticationFactors) > 0
	for _, c := range g.BuiltInControls {
		if isHardControl(c) {
			hard = append(hard, c)
		} else {
			soft = true
		}
	}
	if containsFold(hard, "block") {
		return []string{"block"}
	}
	if strings.EqualFold(g.Operator, "OR") && soft {
		return nil
	}
	return hard
}

// controlName names a control in lang: the catalog's words for a known
// one, "unknown (value)" for one the vocabulary does not hold.
func (e *Engine) controlName(s, lang string) string {
	if c, ok := lookupControl(s); ok {
		if key := "control." + c.Name; e.text.Has(FallbackLang, key) {
			return e.text.T(lang, key)
		}
	}
	return e.text.T(lang, "word.unknown_value", "value", s)
}

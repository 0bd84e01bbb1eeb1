package diagnosis

import (
	"slices"
	"strings"
)

// What a condition may depend on that the bot cannot read: the value of
// Condition.Unknown. A policy whose evaluation holds one is never reported
// as applying; the named ones also raise a warning that says so.
const (
	unknownRisk         = "risk"
	unknownTransfer     = "transfer_method"
	unknownInsiderRisk  = "insider_risk"
	unknownAppFilter    = "application_filter"
	unknownAuthContext  = "authentication_context"
	unknownDeviceFilter = "device_filter"
	unknownGuestTenant  = "guest_tenant"
)

// warnsUnknown reports whether an unreadable condition deserves a named
// warning: the ones a helpdesk cannot reason about without the bot's help.
func warnsUnknown(u string) bool {
	switch u {
	case unknownInsiderRisk, unknownAppFilter, unknownAuthContext, unknownDeviceFilter, unknownGuestTenant:
		return true
	}
	return false
}

// workloadOnly reports whether a policy targets workload identities
// (service principals) rather than users: it then never applies to a
// user's sign-in.
func workloadOnly(c Conditions) bool {
	if len(c.ServicePrincipalRisk) > 0 {
		return true
	}
	sp := c.ClientApps
	return sp != nil && len(sp.IncludeServicePrincipals) > 0
}

// guestKind classifies the user for includeGuestsOrExternalUsers, using
// the sign-in's cross-tenant access type where the log gives one.
func guestKind(u *User, r Request) string {
	switch strings.ToLower(r.CrossTenantAccessType) {
	case "b2bdirectconnect":
		return "b2bDirectConnectUser"
	case "serviceprovider":
		return "serviceProvider"
	}
	ext := strings.Contains(strings.ToUpper(u.UserPrincipalName), "#EXT#")
	switch {
	case strings.EqualFold(u.UserType, "Guest") && ext:
		return "b2bCollaborationGuest"
	case strings.EqualFold(u.UserType, "Guest"):
		return "internalGuest"
	case ext:
		return "b2bCollaborationMember"
	}
	return ""
}

// guestMatch reports whether the guest condition covers the user: by guest
// type, and for enumerated external tenants by the home tenant the sign-in
// log gives. Without one the answer is MatchMaybe.
func guestMatch(g *GuestCondition, u *User, r Request) Match {
	if g == nil {
		return MatchNo
	}
	kind := guestKind(u, r)
	if kind == "" || !slices.ContainsFunc(g.Types, func(t string) bool { return strings.EqualFold(strings.TrimSpace(t), kind) }) {
		return MatchNo
	}
	if g.AllTenants || kind == "internalGuest" {
		return MatchYes
	}
	if r.HomeTenant == "" {
		return MatchMaybe
	}
	if containsFold(g.TenantIDs, r.HomeTenant) {
		return MatchYes
	}
	return MatchNo
}

// devices judges a device filter. An unregistered device has every
// attribute null: a positive operator (-eq, -contains, -startsWith,
// -endsWith, -in) on null is false, a negative one is true. A registered
// device is judged on the attributes the sign-in log carries; a rule on
// any other attribute, or a future sign-in's device, is unknown.
func devices(c *DeviceConditions, r Request) Condition {
	if c == nil || c.FilterRule == "" {
		return Condition{Name: "devices", Match: MatchYes, Reason: "why.device_any"}
	}
	cond := Condition{Name: "devices", Args: []string{"rule", c.FilterRule}}
	if r.Device == nil {
		cond.Match, cond.Reason, cond.Unknown = MatchMaybe, "why.device_filter", unknownDeviceFilter
		return cond
	}
	matches, known := evalDeviceRule(c.FilterRule, r.Device)
	if !known {
		cond.Match, cond.Reason, cond.Unknown = MatchMaybe, "why.device_filter_unknown", unknownDeviceFilter
		return cond
	}
	exclude := strings.EqualFold(c.FilterMode, "exclude")
	switch {
	case matches && exclude:
		cond.Reason = "why.device_filter_excluded"
	case matches:
		cond.Match, cond.Reason = MatchYes, "why.device_filter_included"
	case exclude:
		cond.Match, cond.Reason = MatchYes, "why.device_filter_not_excluded"
	default:
		cond.Reason = "why.device_filter_not_included"
	}
	return cond
}

// evalDeviceRule evaluates a device filter rule of comparisons joined by
// -and or -or (no nesting) against a device from the sign-in log. known is
// false when the rule uses an attribute the log does not carry for a
// registered device, or a shape this evaluator does not read.
func evalDeviceRule(rule string, d *Device) (matches, known bool) {
	rule = strings.TrimSpace(rule)
	for strings.HasPrefix(rule, "(") && strings.HasSuffix(rule, ")") {
		rule = strings.TrimSpace(rule[1 : len(rule)-1])
	}
	if strings.ContainsAny(rule, "()") {
		return false, false
	}
	lower := strings.ToLower(rule)
	if strings.Contains(lower, " -or ") {
		if strings.Contains(lower, " -and ") {
			return false, false
		}
		for _, part := range splitFold(rule, " -or ") {
			m, ok := evalDeviceRule(part, d)
			if !ok {
				return false, false
			}
			if m {
				return true, true
			}
		}
		return false, true
	}
	if strings.Contains(lower, " -and ") {
		for _, part := range splitFold(rule, " -and ") {
			m, ok := evalDeviceRule(part, d)
			if !ok {
				return false, false
			}
			if !m {
				return false, true
			}
		}
		return true, true
	}
	f := strings.Fields(rule)
	if len(f) < 3 || !strings.HasPrefix(strings.ToLower(f[0]), "device.") {
		return false, false
	}
	attr, op := strings.ToLower(strings.TrimPrefix(strings.ToLower(f[0]), "device.")), strings.ToLower(f[1])
	want := strings.Trim(strings.Join(f[2:], " "), `"'`)
	negative := strings.HasPrefix(op, "-not") || op == "-ne"
	if d.DeviceID == "" { // unregistered: every attribute is null
		return negative, true
	}
	var have string
	switch attr {
	case "deviceid":
		have = d.DeviceID
	case "displayname":
		have = d.DisplayName
	case "iscompliant":
		have = "false"
		if d.IsCompliant {
			have = "true"
		}
	case "trusttype":
		switch strings.ToLower(d.TrustType) {
		case "azure ad joined", "microsoft entra joined":
			have = "AzureAD"
		case "hybrid azure ad joined", "microsoft entra hybrid joined":
			have = "ServerAD"
		case "azure ad registered", "microsoft entra registered":
			have = "Workplace"
		default:
			return false, false
		}
	default:
		return false, false
	}
	var hit bool
	switch strings.TrimPrefix(strings.TrimPrefix(op, "-not"), "-") {
	case "eq", "ne":
		hit = strings.EqualFold(have, want)
	case "contains":
		hit = strings.Contains(strings.ToLower(have), strings.ToLower(want))
	case "startswith":
		hit = strings.HasPrefix(strings.ToLower(have), strings.ToLower(want))
	case "endswith":
		hit = strings.HasSuffix(strings.ToLower(have), strings.ToLower(want))
	case "in":
		list := strings.Trim(want, "[]")
		hit = slices.ContainsFunc(strings.Split(list, ","), func(x string) bool {
			return strings.EqualFold(strings.Trim(strings.TrimSpace(x), `"'`), have)
		})
	default:
		return false, false
	}
	return hit != negative, true
}

// splitFold splits s around every case-insensitive instance of sep.
func splitFold(s, sep string) []string {
	var out []string
	lower, lsep := strings.ToLower(s), strings.ToLower(sep)
	for {
		i := strings.Index(lower, lsep)
		if i < 0 {
			return append(out, s)
		}
		out = append(out, s[:i])
		s, lower = s[i+len(sep):], lower[i+len(sep):]
	}
}

// risk judges user and sign-in risk levels against what the sign-in log
// says; without it the policy depends on risk the bot does not know.
func risk(userLevels, signInLevels []string, r Request) Condition {
	cond := Condition{Name: "risk", Match: MatchYes, Reason: "why.risk_any"}
	if len(userLevels)+len(signInLevels) == 0 {
		return cond
	}
	check := func(levels []string, have string) Match {
		switch {
		case len(levels) == 0:
			return MatchYes
		case have == "":
			return MatchMaybe
		case containsFold(levels, have):
			return MatchYes
		}
		return MatchNo
	}
	switch min(check(userLevels, r.UserRisk), check(signInLevels, r.SignInRisk)) {
	case MatchNo:
		cond.Match, cond.Reason = MatchNo, "why.risk_not_met"
	case MatchMaybe:
		levels := slices.Compact(append(slices.Clone(userLevels), signInLevels...))
		cond.Match, cond.Reason, cond.Unknown = MatchMaybe, "why.risk_unknown", unknownRisk
		cond.Args = []string{"levels", strings.Join(levels, ", ")}
	default:
		cond.Reason = "why.risk_met"
	}
	return cond
}

// authenticationFlows judges a transfer-method condition (device code flow,
// authentication transfer) against how the sign-in authenticated.
func authenticationFlows(f *AuthenticationFlows, r Request) Condition {
	cond := Condition{Name: "authenticationFlows", Args: []string{"flows", strings.Join(f.TransferMethods, ", ")}}
	switch {
	case r.TransferMethod == "":
		cond.Match, cond.Reason, cond.Unknown = MatchMaybe, "why.flow_unknown", unknownTransfer
	case containsFold(f.TransferMethods, r.TransferMethod):
		cond.Match, cond.Reason = MatchYes, "why.flow_included"
	default:
		cond.Reason = "why.flow_not_targeted"
	}
	return cond
}

// insiderRisk is Microsoft Purview's insider risk level, which Graph does
// not give an app that reads sign-ins: the policy depends on it.
func insiderRisk(levels []string) Condition {
	return Condition{Name: "insiderRisk", Match: MatchMaybe, Reason: "why.insider_risk", Unknown: unknownInsiderRisk,
		Args: []string{"levels", strings.Join(levels, ", ")}}
}

// transferMethod reads how a sign-in handed authentication over, from
// originalTransferMethod or else authenticationProtocol; "" when the log
// does not say.
func transferMethod(s *SignIn) string {
	switch strings.ToLower(s.OriginalTransferMethod) {
	case "devicecodeflow":
		return "deviceCodeFlow"
	case "authenticationtransfer":
		return "authenticationTransfer"
	case "none":
		return "none"
	}
	switch strings.ToLower(s.AuthenticationProtocol) {
	case "devicecode":
		return "deviceCodeFlow"
	case "authenticationtransfer":
		return "authenticationTransfer"
	case "oauth2", "saml20", "wsfed", "ropc", "nativeauth", "none":
		return "none"
	}
	return ""
}

// signInRisk reads a sign-in's risk level; "" when the log hides it.
func signInRisk(s *SignIn) string {
	switch l := strings.ToLower(s.RiskLevelDuringSignIn); l {
	case "none", "low", "medium", "high":
		return l
	}
	return ""
}

// userRisk reads what a sign-in says of the user's risk: none when the
// user was not at risk; "" when the level is not in the log.
func userRisk(s *SignIn) string {
	switch strings.ToLower(s.RiskState) {
	case "none", "remediated", "dismissed", "confirmedsafe":
		return "none"
	}
	return ""
}

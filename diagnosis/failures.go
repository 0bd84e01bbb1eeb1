package diagnosis

import (
	"slices"
	"strconv"
	"strings"
	"time"
)

// selectSignIns keeps the user's own sign-ins in the window for the app.
func (d *run) selectSignIns() {
	u := d.snap.User
	d.signIns = make([]*SignIn, 0, len(d.snap.SignIns))
	for i := range d.snap.SignIns {
		s := &d.snap.SignIns[i]
		own := strings.EqualFold(s.UserID, u.ID) ||
			(s.UserID == "" && s.UserPrincipalName != "" && strings.EqualFold(s.UserPrincipalName, u.UserPrincipalName))
		if !own {
			continue
		}
		if s.CreatedDateTime.Before(d.q.Since) || s.CreatedDateTime.After(d.q.Until) {
			continue
		}
		if d.app != nil && !d.signInTouches(s, *d.app) {
			continue
		}
		d.signIns = append(d.signIns, s)
	}
	slices.SortStableFunc(d.signIns, func(a, b *SignIn) int { return a.CreatedDateTime.Compare(b.CreatedDateTime) })
}

// appIDs returns the ids an app stands for: its own and its related ones.
func appIDs(a App) []string { return append([]string{a.AppID}, a.Related...) }

func (d *run) signInTouches(s *SignIn, a App) bool {
	return containsFold(appIDs(a), s.AppID) || containsFold(appIDs(a), s.ResourceID)
}

func (d *run) interrupt(code int) bool {
	info, ok := d.e.kb.Lookup(code)
	return ok && info.Interrupt
}

// request builds the evaluator's view of a real sign-in.
func (d *run) request(s *SignIn) Request {
	r := d.base
	r.Apps = []string{s.AppID}
	if s.ResourceID != "" && !strings.EqualFold(s.ResourceID, s.AppID) {
		r.Apps = append(r.Apps, s.ResourceID)
	}
	r.ClientAppType = ClientAppType(s.ClientAppUsed)
	r.Platform = Platform(s.Device.OperatingSystem)
	r.IP, r.Country = s.IPAddress, s.Location.CountryOrRegion
	r.SignInRisk, r.UserRisk = signInRisk(s), userRisk(s)
	r.TransferMethod = transferMethod(s)
	if s.HomeTenantID != "" {
		r.HomeTenant, r.CrossTenantAccessType = s.HomeTenantID, s.CrossTenantAccessType
	}
	r.Device = &s.Device
	return r
}

// failures classifies every failed sign-in of the user.
func (d *run) failures() {
	for _, s := range d.signIns {
		if !s.Failed() {
			continue
		}
		info, known := d.e.kb.Lookup(s.ErrorCode)
		if known && info.Interrupt {
			continue
		}
		var failed []AppliedPolicy
		for _, p := range s.AppliedPolicies {
			if strings.EqualFold(p.Result, "failure") {
				failed = append(failed, p)
			}
		}
		code := CodeUnknownError
		if known {
			code = info.Finding
		}
		// The log's failed policies say more than an unknown or a generic
		// Conditional Access code (50131, 53003's kin without a control).
		if len(failed) > 0 && (!known || code == CodeCAOtherControl) {
			var controls []string
			for _, p := range failed {
				controls = append(controls, p.EnforcedGrantControls...)
			}
			code = controlCode(controls)
		}
		// An unknown refusal of a sign-in Identity Protection marked risky,
		// with no Conditional Access failure, is Identity Protection's block.
		if code == CodeUnknownError && len(failed) == 0 && risky(s) {
			code = CodeRiskBlocked
		}
		if code == CodeCASignInFrequency {
			continue // judged with the policies in signInFrequency
		}
		if code == CodeUserNotFound || code == CodeTokenExpired {
			continue // the account exists; an expired token is the default advice
		}
		// An authentication strength the account cannot satisfy at all
		// needs a method registered, not another attempt.
		if isCA(code) && strengthUnregistered(failed) {
			code = CodeCAAuthStrengthUnregistered
		}
		var b blame
		source := mfaSource(s, d.snap)
		switch {
		case isCA(code) && source != "" && len(failed) == 0 && (code == CodeCAMFARequired || code == CodeMFARegistration):
			// Security defaults or per-user MFA asked, not a policy.
			b = blame{ids: "source:" + source}
		case isCA(code):
			b = d.blamePolicies(code, s, failed)
		}
		if code == CodeCAMFARequired && len(b.refs) == 0 && source == "" && azureManagement(s) {
			code = CodeMandatoryMFA
		}
		g := d.add(code, s, b)
		if strings.HasPrefix(b.ids, "source:") {
			g.source = source
		}
	}
}

// strengthUnregistered reports whether a failed policy's authentication
// strength result says the account has no method that satisfies it.
func strengthUnregistered(failed []AppliedPolicy) bool {
	for _, p := range failed {
		if p.AuthenticationStrength == nil {
			continue
		}
		switch strings.ToLower(p.AuthenticationStrength.Result) {
		case "cannotsatisfy", "cannotsatisfyduetocombinationconfiguration",
			"singleregistrationrequired", "multipleregistrationsrequired":
			return true
		}
	}
	return false
}

// mfaSource names what demanded MFA when it was not Conditional Access:
// "security_defaults" or "per_user_mfa", from the sign-in's
// authenticationRequirementPolicies, else from the tenant's settings; ""
// when Conditional Access or nothing known asked.
func mfaSource(s *SignIn, snap Snapshot) string {
	ca := false
	for _, p := range s.AuthenticationRequirementPolicies {
		switch strings.ToLower(p.RequirementProvider) {
		case "securitydefaults", "mfaregistrationrequiredbysecuritydefaults":
			return "security_defaults"
		case "user":
			return "per_user_mfa"
		case "v1conditionalaccess", "multiconditionalaccess", "v1conditionalaccessdependency",
			"v1conditionalaccesspolicyidrequested", "mfaregistrationrequiredbymulticonditionalaccess", "authenticationstrengths":
			ca = true
		}
	}
	if ca || len(s.AuthenticationRequirementPolicies) > 0 {
		return ""
	}
	if snap.SecurityDefaults != nil && snap.SecurityDefaults.Enabled {
		return "security_defaults"
	}
	switch strings.ToLower(snap.PerUserMFAState) {
	case "enabled", "enforced":
		return "per_user_mfa"
	}
	return ""
}

// Apps under Microsoft's mandatory MFA for Azure: phase 1 the Azure portal
// (whose app id the Entra and Intune admin centers share), phase 2 Azure
// CLI, Azure PowerShell and every client of Azure Resource Manager.
const (
	appAzurePortal      = "c44b4083-3bb0-49c1-b47d-974e53cbdf3c"
	appAzureCLI         = "04b07795-8ddb-461a-bbee-02f9e1bf7b46"
	appAzurePowerShell  = "1950a258-227b-4e31-a9cf-717495945fc2"
	appServiceManagment = "797f4846-ba00-4fd7-ba43-dac1f8f63013"
)

// azureManagement reports whether a sign-in is to an app under Microsoft's
// mandatory MFA for Azure.
func azureManagement(s *SignIn) bool {
	for _, id := range []string{s.AppID, s.ResourceID} {
		switch strings.ToLower(id) {
		case appAzurePortal, appAzureCLI, appAzurePowerShell, appServiceManagment:
			return true
		}
	}
	return false
}

// mandatoryPhase is 1 for the portals, 2 for command-line and other
// Resource Manager clients.
func mandatoryPhase(appID string) int {
	if strings.EqualFold(appID, appAzurePortal) {
		return 1
	}
	return 2
}

// risky reports whether Identity Protection flagged the sign-in or its user.
func risky(s *SignIn) bool {
	switch strings.ToLower(s.RiskState) {
	case "atrisk", "confirmedcompromised":
		return true
	}
	return strings.EqualFold(s.RiskLevelDuringSignIn, "high")
}

// blame is the policies behind a failure, with their sorted ids joined:
// the part of a group's key they make.
type blame struct {
	refs []PolicyRef
	ids  string
}

func newBlame(refs []PolicyRef) blame {
	ids := make([]string, 0, len(refs))
	for _, r := range refs {
		ids = append(ids, r.ID)
	}
	slices.Sort(ids)
	return blame{refs: refs, ids: strings.Join(ids, "|")}
}

// blamePolicies names the policies behind a Conditional Access failure:
// those the sign-in log shows failing, else those the evaluator finds
// applying to the sign-in with a matching control.
func (d *run) blamePolicies(code FindingCode, s *SignIn, failed []AppliedPolicy) blame {
	var refs []PolicyRef
	for _, p := range failed {
		refs = append(refs, d.ref(p.ID, p.DisplayName, p.EnforcedGrantControls))
	}
	if len(refs) > 0 {
		return newBlame(refs)
	}
	if code == CodeMFARegistration {
		return blame{}
	}
	r := d.request(s)
	// Sign-ins repeat from the same apps and places: judge each once.
	dev := r.Device
	key := strings.Join(append([]string{string(code), r.ClientAppType, r.Platform, r.IP, r.Country, r.SignInRisk,
		r.UserRisk, r.TransferMethod, r.HomeTenant, r.CrossTenantAccessType,
		dev.DeviceID, dev.DisplayName, dev.TrustType, strconv.FormatBool(dev.IsCompliant)}, r.Apps...), "|")
	if b, ok := d.blamed[key]; ok {
		return b
	}
	for _, p := range d.snap.Policies {
		if p.State != PolicyEnabled || !slices.ContainsFunc(p.Controls(), func(c string) bool { return wantControl(code, c) }) {
			continue
		}
		if d.ev.Evaluate(p, r).Match != MatchNo {
			refs = append(refs, d.ref(p.ID, p.DisplayName, nil))
		}
	}
	if d.blamed == nil {
		d.blamed = map[string]blame{}
	}
	b := newBlame(refs)
	d.blamed[key] = b
	return b
}

// groupKey tells failure groups apart: one finding per code, app, error
// code and set of policies.
type groupKey struct {
	code      FindingCode
	app       string // lower case
	errorCode int
	policies  string // blame.ids
}

// add puts a sign-in into the group of its finding.
func (d *run) add(code FindingCode, s *SignIn, b blame) *group {
	key := groupKey{code: code, app: strings.ToLower(s.AppID), errorCode: s.ErrorCode, policies: b.ids}
	if g, ok := d.byKey[key]; ok {
		g.signIns = append(g.signIns, s)
		g.reason = s.FailureReason
		return g
	}
	g := &group{code: code, errorCode: s.ErrorCode, appID: s.AppID, appName: s.AppDisplayName,
		resource: s.ResourceID, reason: s.FailureReason, policies: b.refs, signIns: []*SignIn{s}}
	if d.byKey == nil {
		d.byKey = map[groupKey]*group{}
	}
	d.byKey[key] = g
	d.groups = append(d.groups, g)
	return g
}

// accountState reports a disabled account even when no sign-in shows it.
func (d *run) accountState() {
	u := d.snap.User
	for _, g := range d.groups {
		if g.code == CodeAccountDisabled {
			g.never = !u.AccountEnabled
			g.resolved = u.AccountEnabled
			return
		}
	}
	if !u.AccountEnabled {
		d.groups = append(d.groups, &group{code: CodeAccountDisabled, never: true})
	}
}

// resolve marks failures followed by a successful sign-in to the same app
// (and resource) as resolved.
func (d *run) resolve() {
	// The newest success per app and resource, per app without a resource,
	// and per app whatever the resource.
	byResource, noResource, anyResource := map[string]time.Time{}, map[string]time.Time{}, map[string]time.Time{}
	later := func(m map[string]time.Time, k string, t time.Time) {
		if t.After(m[k]) {
			m[k] = t
		}
	}
	for _, s := range d.signIns {
		if s.Failed() {
			continue
		}
		app := strings.ToLower(s.AppID)
		later(anyResource, app, s.CreatedDateTime)
		if s.ResourceID == "" {
			later(noResource, app, s.CreatedDateTime)
		} else {
			later(byResource, app+"|"+strings.ToLower(s.ResourceID), s.CreatedDateTime)
		}
	}
	for _, g := range d.groups {
		if g.never || g.resolved || len(g.signIns) == 0 {
			continue
		}
		last := g.signIns[len(g.signIns)-1]
		app := strings.ToLower(last.AppID)
		if last.ResourceID == "" {
			g.resolved = anyResource[app].After(last.CreatedDateTime)
			continue
		}
		g.resolved = byResource[app+"|"+strings.ToLower(last.ResourceID)].After(last.CreatedDateTime) ||
			noResource[app].After(last.CreatedDateTime)
	}
}

package diagnosis

import (
	"cmp"
	"context"
	_ "embed"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

//go:embed text_en.json
var textEN []byte

//go:embed text_nl.json
var textNL []byte

// Entra admin center and documentation addresses used in findings.
const (
	entraPolicyURL     = "https://entra.microsoft.com/#view/Microsoft_AAD_ConditionalAccess/PolicyBlade/policyId/"
	entraUserURL       = "https://entra.microsoft.com/#view/Microsoft_AAD_UsersAndTenants/UserProfileMenuBlade/~/overview/userId/"
	entraSignInLogsURL = "https://entra.microsoft.com/#view/Microsoft_AAD_IAM/SignInLogsList.ReactView"
	entraLocationsURL  = "https://entra.microsoft.com/#view/Microsoft_AAD_ConditionalAccess/ConditionalAccessBlade/~/NamedLocations"
)

// DefaultWindow is the sign-in window when a query names none (SPEC §4).
const DefaultWindow = 7 * 24 * time.Hour

// MaxWindow is the longest sign-in window Entra keeps (SPEC §4).
const MaxWindow = 30 * 24 * time.Hour

// shortFrequency is the longest sign-in frequency that still expires tokens
// within an onboarding working session.
const shortFrequency = 8 * time.Hour

// Engine turns a Snapshot into a Diagnosis. It does no I/O of its own and is
// safe for concurrent use.
type Engine struct {
	apps *Catalog
	kb   *KnowledgeBase
	text *Text
	now  func() time.Time
}

// NewEngine loads the embedded app catalog, error-code knowledge base and
// text catalogs. now is the clock used for the default window; nil means
// time.Now.
func NewEngine(now func() time.Time) (*Engine, error) {
	if now == nil {
		now = time.Now
	}
	apps, err := LoadCatalog()
	if err != nil {
		return nil, err
	}
	kb, err := LoadKnowledgeBase()
	if err != nil {
		return nil, err
	}
	text, err := ParseText(map[string][]byte{"en": textEN, "nl": textNL})
	if err != nil {
		return nil, err
	}
	return &Engine{apps: apps, kb: kb, text: text, now: now}, nil
}

// Apps returns the app catalog.
func (e *Engine) Apps() *Catalog { return e.apps }

// KnowledgeBase returns the error-code knowledge base.
func (e *Engine) KnowledgeBase() *KnowledgeBase { return e.kb }

// Text returns the domain text catalog.
func (e *Engine) Text() *Text { return e.text }

// Now returns the engine's clock reading.
func (e *Engine) Now() time.Time { return e.now() }

// Normalize fills in the query's defaults: a window of DefaultWindow ending
// now, and a window no longer than MaxWindow.
func (e *Engine) Normalize(q Query) Query {
	if q.Until.IsZero() {
		q.Until = e.now().UTC().Truncate(time.Second)
	}
	if q.Since.IsZero() {
		q.Since = q.Until.Add(-DefaultWindow)
	}
	if q.Until.Sub(q.Since) > MaxWindow {
		q.Since = q.Until.Add(-MaxWindow)
	}
	q.Since, q.Until = q.Since.UTC(), q.Until.UTC()
	return q
}

// Run reads a snapshot from src and diagnoses it in lang. It returns an
// error only when the source could read nothing.
func (e *Engine) Run(ctx context.Context, src Source, q Query, lang string) (Diagnosis, Snapshot, error) {
	q = e.Normalize(q)
	snap, err := src.Snapshot(ctx, q)
	if err != nil {
		return Diagnosis{}, Snapshot{}, fmt.Errorf("read snapshot: %w", err)
	}
	return e.Diagnose(snap, q, lang), snap, nil
}

// Diagnose judges one snapshot. It never fails: what the snapshot lacks
// becomes warnings and, at worst, the verdict unknown.
func (e *Engine) Diagnose(snap Snapshot, q Query, lang string) Diagnosis {
	q = e.Normalize(q)
	if NormalizeLang(lang) == "" {
		lang = FallbackLang
	}
	lang = NormalizeLang(lang)
	d := &run{e: e, lang: lang, snap: snap, q: q, ev: NewEvaluator(e.apps, snap.NamedLocations)}
	return d.diagnose()
}

// run holds the state of one diagnosis.
type run struct {
	e    *Engine
	lang string
	snap Snapshot
	q    Query
	ev   *Evaluator
	base Request
	app  *App // the app the query names, if any

	signIns  []SignIn       // the user's own, in the window, oldest first
	policies map[string]int // lower-case policy id -> index in snap.Policies
	groups   []*group
	byKey    map[string]*group      // failure groups by code, app, error and policies
	blamed   map[string][]PolicyRef // evaluator blame by code and sign-in conditions
	met      map[string]bool        // policies a sign-in in the window satisfied
	warnings []Warning
}

// group gathers the sign-ins behind one finding.
type group struct {
	code      FindingCode
	errorCode int
	appID     string
	appName   string
	resource  string
	reason    string // failure reason of the newest sign-in
	policies  []PolicyRef
	signIns   []SignIn
	resolved  bool
	never     bool // a standing condition that a later success does not lift
	condition string
}

func (d *run) t(key string, args ...string) string { return d.e.text.T(d.lang, key, args...) }

func (d *run) diagnose() Diagnosis {
	out := Diagnosis{
		SchemaVersion: SchemaVersion,
		Query:         QueryInfo{User: d.q.User, App: d.q.App, Since: d.q.Since, Until: d.q.Until},
		Findings:      []Finding{},
		Warnings:      []Warning{},
	}
	if d.q.App != "" {
		if a, ok := d.e.apps.Lookup(d.q.App); ok {
			d.app = &a
		}
	}
	for _, w := range d.snap.Warnings {
		d.warn(w)
	}
	u := d.snap.User
	if u == nil {
		f := d.finding(&group{code: CodeUserNotFound}, nil)
		out.Findings = append(out.Findings, f)
		out.Verdict = VerdictUnknown
		out.Summary = d.t("summary.not_found", "user", d.q.User)
		out.Warnings = append(out.Warnings, d.warnings...)
		return out
	}
	out.User = &UserInfo{ID: u.ID, UserPrincipalName: u.UserPrincipalName, DisplayName: u.DisplayName, AccountEnabled: u.AccountEnabled, UserType: u.UserType}
	d.base = NewRequest(d.snap)

	d.selectSignIns()
	d.failures()
	d.reportOnly()
	d.signInFrequency()
	d.accountState()
	d.resolve()
	d.proactive()

	if d.snap.SignInsRead && len(d.signIns) == 0 {
		d.warn(Warning{Code: WarnNoSignInsInWindow})
	}
	// Graph leaves the applied policies out of sign-ins when the app lacks
	// Policy.Read.All: a Conditional Access failure that names none says so.
	for _, s := range d.signIns {
		if strings.EqualFold(s.ConditionalAccessStatus, "failure") && len(s.AppliedPolicies) == 0 {
			d.warn(Warning{Code: WarnPoliciesUnavailable, Reason: "policies_hidden", Args: map[string]string{"permission": "Policy.Read.All"}})
			break
		}
	}

	for _, g := range d.groups {
		out.Findings = append(out.Findings, d.finding(g, u))
	}
	out.Stats = Stats{SignIns: len(d.signIns), PoliciesEvaluated: len(d.snap.Policies)}
	for _, s := range d.signIns {
		if s.Failed() && !d.interrupt(s.ErrorCode) {
			out.Stats.Failures++
		}
	}

	out.Verdict = verdict(out.Findings)
	if !d.snap.SignInsRead && !d.snap.PoliciesRead {
		out.Verdict = VerdictUnknown
	}
	if out.Verdict == VerdictHealthy {
		out.Findings = append(out.Findings, d.finding(&group{code: CodeTokenExpired}, u))
	}
	sortFindings(out.Findings)
	out.Summary = d.summary(out, u)
	out.Warnings = append(out.Warnings, d.warnings...)
	return out
}

// warn adds a warning once per code and reason, rendering its message.
func (d *run) warn(w Warning) {
	for _, have := range d.warnings {
		if have.Code == w.Code && have.Reason == w.Reason {
			return
		}
	}
	if w.Message == "" {
		key := "warning." + string(w.Code)
		if w.Reason != "" && d.e.text.Has(FallbackLang, "warning."+w.Reason) {
			key = "warning." + w.Reason
		}
		var args []string
		for _, k := range sortedKeys(w.Args) {
			args = append(args, k, w.Args[k])
		}
		w.Message = d.t(key, args...)
	}
	d.warnings = append(d.warnings, w)
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// selectSignIns keeps the user's own sign-ins in the window for the app.
func (d *run) selectSignIns() {
	u := d.snap.User
	for _, s := range d.snap.SignIns {
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
	slices.SortStableFunc(d.signIns, func(a, b SignIn) int { return a.CreatedDateTime.Compare(b.CreatedDateTime) })
}

// appIDs returns the ids an app stands for: its own and its related ones.
func appIDs(a App) []string { return append([]string{a.AppID}, a.Related...) }

func (d *run) signInTouches(s SignIn, a App) bool {
	return containsFold(appIDs(a), s.AppID) || containsFold(appIDs(a), s.ResourceID)
}

func (d *run) interrupt(code int) bool {
	info, ok := d.e.kb.Lookup(code)
	return ok && info.Interrupt
}

// controlCode maps a failed policy's enforced grant controls to a finding.
func controlCode(controls []string) FindingCode {
	code := CodeCAOtherControl
	for _, c := range controls {
		switch strings.ToLower(c) {
		case "block":
			return CodeCABlock
		case "mfa", "requireauthenticationstrength", "authenticationstrength":
			code = CodeCAMFARequired
		case "compliantdevice", "requirecompliantdevice":
			code = CodeCACompliantDevice
		case "domainjoineddevice", "requiredomainjoineddevice":
			code = CodeCADomainJoinedDevice
		case "approvedapplication", "compliantapplication", "requireapprovedapp", "requirecompliantapp":
			code = CodeCAApprovedApp
		}
	}
	return code
}

// isCA reports whether a finding code is caused by a Conditional Access grant control.
func isCA(c FindingCode) bool {
	switch c {
	case CodeCABlock, CodeCAMFARequired, CodeMFARegistration, CodeCACompliantDevice,
		CodeCADomainJoinedDevice, CodeCAApprovedApp, CodeCAOtherControl:
		return true
	}
	return false
}

// wantControl reports whether a policy control explains a finding code.
func wantControl(c FindingCode, control string) bool {
	control = strings.ToLower(control)
	switch c {
	case CodeCABlock:
		return control == "block"
	case CodeCAMFARequired, CodeMFARegistration:
		return control == "mfa" || control == "authenticationstrength"
	case CodeCACompliantDevice:
		return control == "compliantdevice"
	case CodeCADomainJoinedDevice:
		return control == "domainjoineddevice"
	case CodeCAApprovedApp:
		return control == "approvedapplication" || control == "compliantapplication"
	case CodeCAOtherControl:
		return control == "termsofuse" || control == "passwordchange" || !isHardControl(control) && control != "mfa" && control != "authenticationstrength" && control != "signinfrequency"
	}
	return false
}

// request builds the evaluator's view of a real sign-in.
func (d *run) request(s SignIn) Request {
	r := d.base
	r.Apps = []string{s.AppID}
	if s.ResourceID != "" && !strings.EqualFold(s.ResourceID, s.AppID) {
		r.Apps = append(r.Apps, s.ResourceID)
	}
	r.ClientAppType = ClientAppType(s.ClientAppUsed)
	r.Platform = Platform(s.Device.OperatingSystem)
	r.IP, r.Country = s.IPAddress, s.Location.CountryOrRegion
	r.SignInRisk = s.RiskLevelDuringSignIn
	if r.SignInRisk == "hidden" {
		r.SignInRisk = ""
	}
	return r
}

func (d *run) policyByID(id string) (Policy, bool) {
	if d.policies == nil {
		d.policies = make(map[string]int, len(d.snap.Policies))
		for i, p := range d.snap.Policies {
			d.policies[strings.ToLower(p.ID)] = i
		}
	}
	i, ok := d.policies[strings.ToLower(id)]
	if !ok {
		return Policy{}, false
	}
	return d.snap.Policies[i], true
}

// ref describes a policy for a finding, preferring the tenant's definition
// over the sign-in log's copy.
func (d *run) ref(id, name string, controls []string) PolicyRef {
	if p, ok := d.policyByID(id); ok {
		return PolicyRef{ID: p.ID, DisplayName: p.DisplayName, State: p.State, Controls: nonNil(p.Controls())}
	}
	norm := make([]string, 0, len(controls))
	for _, c := range controls {
		norm = append(norm, normalizeControl(c))
	}
	return PolicyRef{ID: id, DisplayName: name, State: PolicyEnabled, Controls: norm}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// normalizeControl maps the sign-in log's control names (Block, Mfa,
// RequireCompliantDevice…) to the policy vocabulary.
func normalizeControl(c string) string {
	switch strings.ToLower(c) {
	case "block":
		return "block"
	case "mfa":
		return "mfa"
	case "requirecompliantdevice", "compliantdevice":
		return "compliantDevice"
	case "requiredomainjoineddevice", "domainjoineddevice":
		return "domainJoinedDevice"
	case "requireapprovedapp", "approvedapplication":
		return "approvedApplication"
	case "requirecompliantapp", "compliantapplication":
		return "compliantApplication"
	case "requireauthenticationstrength", "authenticationstrength":
		return "authenticationStrength"
	case "passwordchange", "requirepasswordchange":
		return "passwordChange"
	case "signinfrequency":
		return "signInFrequency"
	}
	return c
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
		var refs []PolicyRef
		if isCA(code) {
			refs = d.blamePolicies(code, s, failed)
		}
		d.add(code, s, refs)
	}
}

// risky reports whether Identity Protection flagged the sign-in or its user.
func risky(s SignIn) bool {
	switch strings.ToLower(s.RiskState) {
	case "atrisk", "confirmedcompromised":
		return true
	}
	return strings.EqualFold(s.RiskLevelDuringSignIn, "high")
}

// blamePolicies names the policies behind a Conditional Access failure:
// those the sign-in log shows failing, else those the evaluator finds
// applying to the sign-in with a matching control.
func (d *run) blamePolicies(code FindingCode, s SignIn, failed []AppliedPolicy) []PolicyRef {
	var refs []PolicyRef
	for _, p := range failed {
		refs = append(refs, d.ref(p.ID, p.DisplayName, p.EnforcedGrantControls))
	}
	if len(refs) > 0 {
		return refs
	}
	if code == CodeMFARegistration {
		return nil
	}
	r := d.request(s)
	// Sign-ins repeat from the same apps and places: judge each once.
	key := strings.Join(append([]string{string(code), r.ClientAppType, r.Platform, r.IP, r.Country, r.SignInRisk}, r.Apps...), "|")
	if refs, ok := d.blamed[key]; ok {
		return refs
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
		d.blamed = map[string][]PolicyRef{}
	}
	d.blamed[key] = refs
	return refs
}

// add puts a sign-in into the group of its finding.
func (d *run) add(code FindingCode, s SignIn, refs []PolicyRef) *group {
	ids := make([]string, 0, len(refs))
	for _, r := range refs {
		ids = append(ids, r.ID)
	}
	slices.Sort(ids)
	key := strings.Join(append([]string{string(code), strings.ToLower(s.AppID), strconv.Itoa(s.ErrorCode)}, ids...), "|")
	if g, ok := d.byKey[key]; ok {
		g.signIns = append(g.signIns, s)
		g.reason = s.FailureReason
		return g
	}
	g := &group{code: code, errorCode: s.ErrorCode, appID: s.AppID, appName: s.AppDisplayName,
		resource: s.ResourceID, reason: s.FailureReason, policies: refs, signIns: []SignIn{s}}
	if d.byKey == nil {
		d.byKey = map[string]*group{}
	}
	d.byKey[key] = g
	d.groups = append(d.groups, g)
	return g
}

func (g *group) policyIDs() []string {
	ids := make([]string, 0, len(g.policies))
	for _, p := range g.policies {
		ids = append(ids, p.ID)
	}
	slices.Sort(ids)
	return ids
}

func (g *group) names(id string) bool {
	return slices.ContainsFunc(g.policies, func(p PolicyRef) bool { return strings.EqualFold(p.ID, id) })
}

// reportOnly finds report-only policies that failed or interrupted a sign-in.
func (d *run) reportOnly() {
	for _, s := range d.signIns {
		for _, p := range s.AppliedPolicies {
			r := strings.ToLower(p.Result)
			if r != "reportonlyfailure" && r != "reportonlyinterrupted" {
				continue
			}
			ref := d.ref(p.ID, p.DisplayName, p.EnforcedGrantControls)
			ref.State = PolicyReportOnly
			var g *group
			for _, have := range d.groups {
				if have.code == CodeCAReportOnlyFailure && have.names(p.ID) {
					g = have
				}
			}
			if g == nil {
				g = &group{code: CodeCAReportOnlyFailure, policies: []PolicyRef{ref}, never: true, appID: s.AppID, appName: s.AppDisplayName}
				d.groups = append(d.groups, g)
			}
			if !slices.ContainsFunc(g.signIns, func(x SignIn) bool { return x.ID == s.ID }) {
				g.signIns = append(g.signIns, s)
			}
		}
	}
}

// onboardingRequests returns hypothetical sign-ins to the apps the query is
// about: the named app, else every onboarding target. Location, platform and
// device are unknown.
func (d *run) onboardingRequests() []Request {
	apps := d.e.apps.Onboarding()
	if d.app != nil {
		apps = []App{*d.app}
	}
	out := make([]Request, 0, len(apps))
	for _, a := range apps {
		r := d.base
		r.Apps = appIDs(a)
		r.ClientAppType = "browser"
		out = append(out, r)
	}
	return out
}

// appliesToOnboarding evaluates p against the onboarding requests and
// returns the best match with its evaluation.
func (d *run) appliesToOnboarding(p Policy) (Evaluation, bool) {
	var best Evaluation
	found := false
	for _, r := range d.onboardingRequests() {
		ev := d.ev.Evaluate(p, r)
		if ev.Match == MatchNo {
			continue
		}
		// The user and the app must be targeted for certain; only what a
		// future sign-in brings (location, platform, device) may be open.
		if condMatch(ev, "users") != MatchYes || condMatch(ev, "applications") != MatchYes {
			continue
		}
		if !found || ev.Match > best.Match {
			best, found = ev, true
		}
	}
	return best, found
}

func condMatch(ev Evaluation, name string) Match {
	for _, c := range ev.Conditions {
		if c.Name == name {
			return c.Match
		}
	}
	return MatchNo
}

// signInFrequency reports sign-in frequency controls that keep expiring
// tokens: 70043/70044 in the log, or an enabled policy with "every time" or
// a short interval on the apps the query is about.
func (d *run) signInFrequency() {
	var evidence []SignIn
	for _, s := range d.signIns {
		if info, ok := d.e.kb.Lookup(s.ErrorCode); ok && info.Finding == CodeCASignInFrequency {
			evidence = append(evidence, s)
		}
	}
	seen := map[string]bool{}
	for _, p := range d.snap.Policies {
		sif := p.Session
		if p.State != PolicyEnabled || sif == nil || sif.SignInFrequency == nil || !sif.SignInFrequency.IsEnabled {
			continue
		}
		var own []SignIn
		for _, s := range evidence {
			if d.ev.Evaluate(p, d.request(s)).Match != MatchNo || appliedWith(s, p.ID, "signinfrequency") {
				own = append(own, s)
			}
		}
		short := sif.SignInFrequency.Period() <= shortFrequency
		if len(own) == 0 && !short {
			continue
		}
		if _, ok := d.appliesToOnboarding(p); !ok && len(own) == 0 {
			continue
		}
		seen[p.ID] = true
		d.groups = append(d.groups, &group{code: CodeCASignInFrequency, never: true, signIns: own,
			policies: []PolicyRef{d.ref(p.ID, p.DisplayName, nil)}, condition: frequencyText(sif.SignInFrequency),
			errorCode: firstError(own)})
	}
	// Evidence no known policy explains still deserves a finding.
	var orphan []SignIn
	for _, s := range evidence {
		if !slices.ContainsFunc(d.groups, func(g *group) bool {
			return g.code == CodeCASignInFrequency && slices.ContainsFunc(g.signIns, func(x SignIn) bool { return x.ID == s.ID })
		}) {
			orphan = append(orphan, s)
		}
	}
	if len(orphan) > 0 {
		var refs []PolicyRef
		for _, s := range orphan {
			for _, ap := range s.AppliedPolicies {
				if containsFold(ap.EnforcedSessionControls, "SignInFrequency") && !seen[ap.ID] {
					seen[ap.ID] = true
					refs = append(refs, d.ref(ap.ID, ap.DisplayName, nil))
				}
			}
		}
		d.groups = append(d.groups, &group{code: CodeCASignInFrequency, never: true, signIns: orphan, policies: refs, errorCode: firstError(orphan)})
	}
}

func firstError(s []SignIn) int {
	if len(s) == 0 {
		return 0
	}
	return s[len(s)-1].ErrorCode
}

func appliedWith(s SignIn, policyID, control string) bool {
	for _, ap := range s.AppliedPolicies {
		if strings.EqualFold(ap.ID, policyID) && containsFold(ap.EnforcedSessionControls, control) {
			return true
		}
	}
	return false
}

func frequencyText(f *SignInFrequency) string {
	if f.Interval == "everyTime" {
		return "everyTime"
	}
	return strconv.Itoa(f.Value) + " " + f.Type
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

// proactive warns of enabled policies that target the user for the apps the
// query is about with a control the account may not meet, where no failure
// has shown them yet.
func (d *run) proactive() {
	for _, p := range d.snap.Policies {
		if p.State != PolicyEnabled || len(p.HardControls()) == 0 {
			continue
		}
		if slices.ContainsFunc(d.groups, func(g *group) bool { return g.names(p.ID) }) {
			continue
		}
		if d.metBefore(p.ID) {
			continue
		}
		ev, ok := d.appliesToOnboarding(p)
		if !ok {
			continue
		}
		var open []string
		for _, c := range ev.Conditions {
			if c.Match == MatchMaybe {
				open = append(open, d.ConditionText(c))
			}
		}
		d.groups = append(d.groups, &group{code: CodeCAPolicyApplies, never: true,
			policies: []PolicyRef{d.ref(p.ID, p.DisplayName, nil)}, condition: strings.Join(open, " ")})
	}
}

// metBefore reports whether a sign-in in the window satisfied the
// policy's grant controls.
func (d *run) metBefore(id string) bool {
	if d.met == nil {
		d.met = map[string]bool{}
		for _, s := range d.signIns {
			for _, ap := range s.AppliedPolicies {
				if strings.EqualFold(ap.Result, "success") && len(ap.EnforcedGrantControls) > 0 {
					d.met[strings.ToLower(ap.ID)] = true
				}
			}
		}
	}
	return d.met[strings.ToLower(id)]
}

// verdict applies SPEC §5's rules.
func verdict(fs []Finding) Verdict {
	v := VerdictHealthy
	for _, f := range fs {
		switch {
		case f.Code == CodeUserNotFound:
			return VerdictUnknown
		case f.Severity == SeverityCritical && !f.Resolved:
			v = VerdictBlocked
		case f.Severity == SeverityCritical || f.Severity == SeverityWarning:
			if v != VerdictBlocked {
				v = VerdictAtRisk
			}
		}
	}
	return v
}

// sortFindings orders most severe first, unresolved before resolved, then
// most recent evidence first.
func sortFindings(fs []Finding) {
	slices.SortStableFunc(fs, func(a, b Finding) int {
		if c := cmp.Compare(a.Severity.rank(), b.Severity.rank()); c != 0 {
			return c
		}
		if a.Resolved != b.Resolved {
			if a.Resolved {
				return 1
			}
			return -1
		}
		return b.latest.Compare(a.latest)
	})
}

func (d *run) summary(out Diagnosis, u *User) string {
	name := u.UserPrincipalName
	var top string
	if len(out.Findings) > 0 {
		top = out.Findings[0].Title
	}
	switch out.Verdict {
	case VerdictBlocked:
		return d.t("summary.blocked", "user", name, "finding", top)
	case VerdictAtRisk:
		return d.t("summary.at_risk", "user", name, "finding", top)
	case VerdictUnknown:
		return d.t("summary.unknown", "user", name)
	}
	return d.t("summary.healthy", "user", name)
}

// controlName names a policy control in the requester's language.
func (d *run) controlName(c string) string {
	key := "control." + normalizeControl(c)
	if d.e.text.Has(FallbackLang, key) {
		return d.t(key)
	}
	return c
}

// ConditionText renders the evaluator's reasoning on one condition in the
// requester's language, naming the location keywords in words.
func (d *run) ConditionText(c Condition) string {
	return d.e.ConditionText(c, d.lang)
}

// ConditionText renders the evaluator's reasoning on one condition in lang.
func (e *Engine) ConditionText(c Condition, lang string) string {
	args := slices.Clone(c.Args)
	for i := 1; i < len(args); i += 2 {
		if args[i-1] != "locations" && args[i-1] != "location" {
			continue
		}
		parts := strings.Split(args[i], ", ")
		for j, p := range parts {
			switch {
			case strings.EqualFold(p, "AllTrusted"):
				parts[j] = e.text.T(lang, "word.all_trusted")
			case strings.EqualFold(p, "All"):
				parts[j] = e.text.T(lang, "word.all_locations")
			}
		}
		args[i] = strings.Join(parts, ", ")
	}
	return e.text.T(lang, c.Reason, args...)
}

// finding renders a group into the requester's language.
func (d *run) finding(g *group, u *User) Finding {
	f := Finding{Code: g.code, Severity: g.code.Severity(), Resolved: g.resolved, ErrorCode: g.errorCode,
		Policies: g.policies, Remediation: []string{}}
	if g.appID != "" {
		name := g.appName
		if a, ok := d.e.apps.ByID(g.appID); ok && name == "" {
			name = a.DisplayName
		}
		f.App = &AppRef{ID: g.appID, DisplayName: name}
	}
	newest := g.signIns
	if len(newest) > 5 {
		newest = newest[len(newest)-5:]
	}
	for i := len(newest) - 1; i >= 0; i-- {
		s := newest[i]
		f.SignIns = append(f.SignIns, SignInRef{ID: s.ID, CreatedDateTime: s.CreatedDateTime, AppDisplayName: s.AppDisplayName,
			ErrorCode: s.ErrorCode, IPAddress: s.IPAddress, CorrelationID: s.CorrelationID})
	}
	if len(g.signIns) > 0 {
		f.latest = g.signIns[len(g.signIns)-1].CreatedDateTime
	}

	args := d.args(g, u)
	key := "finding." + string(g.code)
	f.Title = d.t(key+".title", args...)
	f.Detail = d.t(key+".detail", args...)
	if g.errorCode != 0 {
		if et, ok := d.e.kb.Text(g.errorCode, d.lang); ok {
			f.Detail = d.t("detail.with_code", "detail", f.Detail, "code", strconv.Itoa(g.errorCode), "explanation", et.Explanation)
			f.Remediation = append(f.Remediation, et.Remediation...)
		} else {
			f.Detail = d.t("detail.with_reason", "detail", f.Detail, "code", strconv.Itoa(g.errorCode), "reason", g.reason)
		}
	}
	f.Remediation = append(f.Remediation, d.e.text.List(d.lang, key+".steps", args...)...)
	if len(g.policies) > 0 && d.hasLocationCondition(g.policies) {
		f.Remediation = append(f.Remediation, d.e.text.List(d.lang, key+".steps_location", args...)...)
	}
	if g.resolved {
		f.Remediation = append([]string{d.t("step.resolved")}, f.Remediation...)
	}
	f.References = d.references(g, u)
	return f
}

func (d *run) hasLocationCondition(refs []PolicyRef) bool {
	for _, r := range refs {
		if p, ok := d.policyByID(r.ID); ok && p.Conditions.Locations != nil {
			return true
		}
	}
	return false
}

// args are the values finding texts may use.
func (d *run) args(g *group, u *User) []string {
	policy, controls := "", ""
	var names, ctl []string
	for _, p := range g.policies {
		names = append(names, p.DisplayName)
		ctl = append(ctl, p.Controls...)
	}
	policy = strings.Join(names, ", ")
	var ctlNames []string
	for _, c := range slices.Compact(ctl) {
		ctlNames = append(ctlNames, d.controlName(c))
	}
	controls = strings.Join(ctlNames, ", ")
	if policy == "" {
		policy = d.t("word.unknown_policy")
	}
	policyLink := entraPolicyURL
	if len(g.policies) > 0 {
		policyLink += g.policies[0].ID
	} else {
		policyLink = strings.TrimSuffix(strings.TrimSuffix(entraPolicyURL, "policyId/"), "PolicyBlade/") + "ConditionalAccessBlade/~/Policies"
	}
	app := g.appName
	if app == "" && d.app != nil {
		app = d.app.DisplayName
	}
	if app == "" {
		app = d.t("word.admin_portals")
	}
	var when, ip, corr string
	if n := len(g.signIns); n > 0 {
		last := g.signIns[n-1]
		when = last.CreatedDateTime.UTC().Format("2006-01-02 15:04 UTC")
		ip, corr = last.IPAddress, last.CorrelationID
	}
	user, userID := d.q.User, ""
	if u != nil {
		user, userID = u.UserPrincipalName, u.ID
	}
	condition := g.condition
	if g.code == CodeCASignInFrequency {
		if condition == "everyTime" {
			condition = d.t("word.every_time")
		} else if condition == "" {
			condition = d.t("word.unknown_frequency")
		}
	}
	return []string{
		"policy", policy, "policyLink", policyLink, "controls", controls, "app", app,
		"count", strconv.Itoa(len(g.signIns)), "when", when, "ip", ip, "correlationId", corr,
		"user", user, "userLink", entraUserURL + userID, "signInsLink", entraSignInLogsURL,
		"locationsLink", entraLocationsURL, "code", strconv.Itoa(g.errorCode), "lookup", LookupURL(g.errorCode),
		"reason", g.reason, "condition", condition, "frequency", condition,
	}
}

// references lists documentation and admin center links for a finding.
func (d *run) references(g *group, u *User) []string {
	var refs []string
	for _, p := range g.policies {
		refs = append(refs, entraPolicyURL+p.ID)
	}
	if len(g.signIns) > 0 {
		refs = append(refs, entraSignInLogsURL)
	}
	if u != nil && (g.code == CodeAccountDisabled || g.code == CodeAccountLocked || g.code == CodePasswordExpired || g.code == CodeMFARegistration) {
		refs = append(refs, entraUserURL+u.ID)
	}
	refs = append(refs, learnRefs(g.code)...)
	if g.code == CodeUnknownError && g.errorCode != 0 {
		refs = append(refs, LookupURL(g.errorCode))
	}
	return slices.Compact(refs)
}

// learnRefs returns the Microsoft Learn pages for a finding code.
func learnRefs(c FindingCode) []string {
	const learn = "https://learn.microsoft.com/entra/"
	switch c {
	case CodeCABlock, CodeCAOtherControl, CodeCAPolicyApplies:
		return []string{learn + "identity/conditional-access/troubleshoot-conditional-access", learn + "identity/conditional-access/what-if-tool"}
	case CodeCAMFARequired:
		return []string{learn + "identity/conditional-access/policy-admin-mfa", learn + "identity/authentication/howto-mfa-userdevicesettings"}
	case CodeMFARegistration:
		return []string{learn + "identity/authentication/howto-registration-mfa-sspr-combined", learn + "identity/authentication/howto-authentication-temporary-access-pass"}
	case CodeCACompliantDevice:
		return []string{learn + "identity/conditional-access/policy-all-users-device-compliance", "https://learn.microsoft.com/intune/intune-service/protect/device-compliance-get-started"}
	case CodeCADomainJoinedDevice:
		return []string{learn + "identity/devices/how-to-hybrid-join", learn + "identity/devices/troubleshoot-hybrid-join-windows-current"}
	case CodeCAApprovedApp:
		return []string{learn + "identity/conditional-access/policy-all-users-approved-app-or-app-protection"}
	case CodeAccountDisabled, CodeUserNotFound:
		return []string{learn + "fundamentals/how-to-manage-user-profile-info"}
	case CodeAccountLocked:
		return []string{learn + "identity/authentication/howto-password-smart-lockout"}
	case CodePasswordExpired, CodeInvalidCredentials:
		return []string{learn + "identity/authentication/concept-sspr-howitworks", learn + "fundamentals/users-reset-password-azure-portal"}
	case CodeConsentRequired:
		return []string{learn + "identity/enterprise-apps/grant-admin-consent"}
	case CodeAppAssignmentRequired:
		return []string{learn + "identity/enterprise-apps/assign-user-or-group-access-portal"}
	case CodeRiskBlocked:
		return []string{learn + "id-protection/howto-identity-protection-remediate-unblock"}
	case CodeSessionExpired, CodeTokenExpired:
		return []string{learn + "identity-platform/refresh-tokens", learn + "identity/conditional-access/concept-continuous-access-evaluation"}
	case CodeCASignInFrequency:
		return []string{learn + "identity/conditional-access/concept-session-lifetime"}
	case CodeCAReportOnlyFailure:
		return []string{learn + "identity/conditional-access/concept-conditional-access-report-only"}
	case CodeUnknownError:
		return []string{learn + "identity-platform/reference-error-codes"}
	}
	return nil
}

// ParseWindow reads a sign-in window as a Go duration ("72h") or a number
// of days ("7d"). It must be positive and at most MaxWindow.
func ParseWindow(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	var d time.Duration
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil {
			return 0, fmt.Errorf("window %q: not a number of days", s)
		}
		d = time.Duration(days) * 24 * time.Hour
	} else {
		var err error
		if d, err = time.ParseDuration(s); err != nil {
			return 0, fmt.Errorf("window %q: use a duration such as 72h or a number of days such as 7d", s)
		}
	}
	if d <= 0 || d > MaxWindow {
		return 0, fmt.Errorf("window %q: must be more than zero and at most 30 days", s)
	}
	return d, nil
}

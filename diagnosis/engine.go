package diagnosis

import (
	"cmp"
	"context"
	_ "embed"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

//go:embed text_en.json
var textEN []byte

//go:embed text_nl.json
var textNL []byte

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

	signIns  []*SignIn      // the user's own, in the window, oldest first
	policies map[string]int // lower-case policy id -> index in snap.Policies
	groups   []*group
	byKey    map[groupKey]*group // failure groups by code, app, error and policies
	blamed   map[string]blame    // evaluator blame by code and sign-in conditions
	requests []Request           // onboardingRequests, built once
	met      map[string]bool     // policies a sign-in in the window satisfied
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
	signIns   []*SignIn
	resolved  bool
	never     bool // a standing condition that a later success does not lift
	condition string
	// source names what demanded MFA when it was not Conditional Access:
	// "security_defaults" or "per_user_mfa".
	source string
	// managed marks a Microsoft-managed policy's report-only failure.
	managed bool
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
	d.securityDefaults()

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
	incomplete := d.snap.SignInsIncomplete && out.Verdict == VerdictHealthy
	if d.snap.SignInsIncomplete {
		d.warn(Warning{Code: WarnPartialSignIns, Reason: "incomplete"})
	}
	if incomplete {
		// Part of the log was not read: nothing found is not "healthy".
		out.Verdict = VerdictUnknown
	}
	if out.Verdict == VerdictHealthy {
		out.Findings = append(out.Findings, d.finding(&group{code: CodeTokenExpired}, u))
	}
	sortFindings(out.Findings)
	out.Summary = d.summary(out, u)
	if incomplete {
		out.Summary = d.t("summary.incomplete", "user", u.UserPrincipalName)
	}
	out.Warnings = append(out.Warnings, d.warnings...)
	return out
}

// warn adds a warning once per code and reason, rendering its message.
func (d *run) warn(w Warning) {
	for _, have := range d.warnings {
		if have.Code == w.Code && have.Reason == w.Reason && maps.Equal(have.Args, w.Args) {
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

// verdict: unknown without a user; blocked with an unresolved critical
// finding; at risk with a warning or a resolved critical one; else healthy.
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
	// Findings are large: sort pointers, then lay the values out in order.
	ps := make([]*Finding, len(fs))
	for i := range fs {
		ps[i] = &fs[i]
	}
	slices.SortStableFunc(ps, func(a, b *Finding) int {
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
	sorted := make([]Finding, len(fs))
	for i, p := range ps {
		sorted[i] = *p
	}
	copy(fs, sorted)
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

package diagnosis

import (
	"net/netip"
	"slices"
	"strings"
)

// Match is the outcome of one condition, or of a whole policy.
type Match int

// Outcomes. MatchMaybe means the condition depends on something the
// evaluator was not told (the location of a future sign-in, a device filter).
const (
	MatchNo Match = iota
	MatchMaybe
	MatchYes
)

func (m Match) String() string {
	switch m {
	case MatchYes:
		return "yes"
	case MatchMaybe:
		return "maybe"
	default:
		return "no"
	}
}

// Request describes one sign-in, real or hypothetical, for the evaluator.
// Empty fields are unknown: a policy conditioned on them may apply.
type Request struct {
	User *User
	// Groups and RoleTemplates are the user's transitive group ids and
	// directory role template ids. MembershipsKnown is false when they could
	// not be read: a policy that targets groups or roles then may apply.
	Groups           map[string]bool
	RoleTemplates    map[string]bool
	MembershipsKnown bool
	// Names maps lower-case group ids and role template ids to display
	// names, for the evaluator's explanations.
	Names map[string]string

	// Apps are the app ids the sign-in touches: the client app and the
	// resource (the Azure portal signs in to Azure Service Management).
	Apps []string
	// ClientAppType is browser, mobileAppsAndDesktopClients,
	// exchangeActiveSync or other; empty is a modern client.
	ClientAppType string
	Platform      string // android, iOS, windows, macOS, linux, windowsPhone
	IP            string
	Country       string // two-letter code
	// UserRisk and SignInRisk are Identity Protection levels (none, low,
	// medium, high); empty means unknown, and a policy with a risk
	// condition then depends on it.
	UserRisk   string
	SignInRisk string
	// TransferMethod is how authentication was handed over: none,
	// deviceCodeFlow or authenticationTransfer; empty means unknown.
	TransferMethod string
	// HomeTenant is the tenant id the user comes from, when the sign-in log
	// says (it differs from the resource tenant for a guest); empty means
	// unknown.
	HomeTenant string
	// CrossTenantAccessType is the log's crossTenantAccessType (b2bCollaboration,
	// b2bDirectConnect, serviceProvider…); empty means unknown.
	CrossTenantAccessType string
	// Device is the device of a sign-in as the log recorded it; nil means
	// unknown (a future sign-in). A device without DeviceID is unregistered.
	Device *Device
}

// name returns the display name of a group or role template id.
func (r Request) name(id string) string {
	if n := r.Names[strings.ToLower(id)]; n != "" {
		return n
	}
	return id
}

// NewRequest is the evaluator's view of the snapshot's user, before the
// app, client, platform and location of a sign-in are filled in. Like the
// What If tool it assumes a sign-in without risk and without device code
// or authentication transfer; set UserRisk, SignInRisk and TransferMethod
// to "" where they are unknown. The home tenant comes from the newest
// sign-in that names one.
func NewRequest(snap Snapshot) Request {
	r := Request{User: snap.User, Groups: map[string]bool{}, RoleTemplates: map[string]bool{},
		MembershipsKnown: snap.MembershipsRead, Names: map[string]string{},
		UserRisk: "none", SignInRisk: "none", TransferMethod: "none"}
	var newest *SignIn
	for i := range snap.SignIns {
		s := &snap.SignIns[i]
		if s.HomeTenantID != "" && (snap.User == nil || strings.EqualFold(s.UserID, snap.User.ID)) &&
			(newest == nil || s.CreatedDateTime.After(newest.CreatedDateTime)) {
			newest = s
		}
	}
	if newest != nil {
		r.HomeTenant, r.CrossTenantAccessType = newest.HomeTenantID, newest.CrossTenantAccessType
	}
	for _, g := range snap.Groups {
		r.Groups[strings.ToLower(g.ID)] = true
		r.Names[strings.ToLower(g.ID)] = g.DisplayName
	}
	for _, ro := range snap.Roles {
		r.RoleTemplates[strings.ToLower(ro.RoleTemplateID)] = true
		r.Names[strings.ToLower(ro.RoleTemplateID)] = ro.DisplayName
	}
	return r
}

// Condition is the evaluator's reasoning on one condition of a policy.
type Condition struct {
	Name   string // users, applications, clientAppTypes, platforms, locations, devices, risk
	Match  Match
	Reason string // catalog key under "why."
	Args   []string
	// Unknown names what the bot cannot read that the condition depends on
	// (see the unknown* constants); set only with MatchMaybe. A policy with
	// such a condition is never reported as applying.
	Unknown string
}

// Evaluation is one policy judged against one Request.
type Evaluation struct {
	Policy     Policy
	Match      Match // MatchNo when disabled or any condition fails
	Conditions []Condition
}

// Evaluator answers "does this policy apply to this sign-in?" as the
// Conditional Access What If tool does. It is safe for concurrent use.
type Evaluator struct {
	apps      *Catalog
	locations []NamedLocation
	nets      map[string][]netip.Prefix // location id -> parsed ranges
}

// NewEvaluator returns an evaluator over the tenant's named locations.
func NewEvaluator(apps *Catalog, locations []NamedLocation) *Evaluator {
	e := &Evaluator{apps: apps, locations: locations, nets: map[string][]netip.Prefix{}}
	for _, l := range locations {
		for _, r := range l.IPRanges {
			if p, err := netip.ParsePrefix(strings.TrimSpace(r)); err == nil {
				e.nets[l.ID] = append(e.nets[l.ID], p.Masked())
			}
		}
	}
	return e
}

// Evaluate judges p against r. A disabled policy never applies. A
// report-only policy is judged like an enabled one; callers look at
// Policy.State to report it as report-only.
func (e *Evaluator) Evaluate(p Policy, r Request) Evaluation {
	ev := Evaluation{Policy: p}
	if p.State == PolicyDisabled {
		ev.Conditions = append(ev.Conditions, Condition{Name: "state", Match: MatchNo, Reason: "why.disabled"})
		return ev
	}
	if workloadOnly(p.Conditions) {
		ev.Conditions = append(ev.Conditions, Condition{Name: "users", Match: MatchNo, Reason: "why.workload_identities"})
		return ev
	}
	c := p.Conditions
	ev.Conditions = []Condition{
		e.users(c.Users, r),
		e.applications(c.Applications, r),
		clientAppTypes(c.ClientAppTypes, r),
		platforms(c.Platforms, r),
		e.locationCondition(c.Locations, r),
		devices(c.Devices, r),
		risk(c.UserRisk, c.SignInRisk, r),
	}
	// Conditions most policies lack are judged only where present, so that
	// an explanation names what the policy actually holds.
	if c.AuthenticationFlows != nil && len(c.AuthenticationFlows.TransferMethods) > 0 {
		ev.Conditions = append(ev.Conditions, authenticationFlows(c.AuthenticationFlows, r))
	}
	if len(c.InsiderRisk) > 0 {
		ev.Conditions = append(ev.Conditions, insiderRisk(c.InsiderRisk))
	}
	ev.Match = MatchYes
	for _, c := range ev.Conditions {
		ev.Match = min(ev.Match, c.Match)
	}
	return ev
}

func containsFold(list []string, s string) bool {
	return slices.ContainsFunc(list, func(x string) bool { return strings.EqualFold(x, s) })
}

func anyIn(list []string, set map[string]bool) (string, bool) {
	for _, x := range list {
		if set[strings.ToLower(x)] {
			return x, true
		}
	}
	return "", false
}

func (e *Evaluator) users(c UserConditions, r Request) Condition {
	cond := Condition{Name: "users"}
	u := r.User
	if u == nil {
		cond.Match, cond.Reason = MatchMaybe, "why.user_unknown"
		return cond
	}
	if containsFold(c.ExcludeUsers, u.ID) {
		cond.Reason = "why.user_excluded"
		return cond
	}
	if containsFold(c.ExcludeUsers, "GuestsOrExternalUsers") && guestKind(u, r) != "" {
		cond.Reason = "why.guest_excluded"
		return cond
	}
	excludeGuest := guestMatch(c.ExcludeGuests, u, r)
	if excludeGuest == MatchYes {
		cond.Reason = "why.guest_excluded"
		return cond
	}
	if g, ok := anyIn(c.ExcludeGroups, r.Groups); ok {
		cond.Reason, cond.Args = "why.group_excluded", []string{"group", r.name(g)}
		return cond
	}
	if ro, ok := anyIn(c.ExcludeRoles, r.RoleTemplates); ok {
		cond.Reason, cond.Args = "why.role_excluded", []string{"role", r.name(ro)}
		return cond
	}
	// Exclusions by membership win; when memberships are unknown an
	// exclusion may still hold, so the best answer is "maybe".
	unknownExclusion := !r.MembershipsKnown && (len(c.ExcludeGroups) > 0 || len(c.ExcludeRoles) > 0)

	include := func(reason string, args ...string) Condition {
		cond.Match, cond.Reason, cond.Args = MatchYes, reason, args
		if unknownExclusion {
			cond.Match = MatchMaybe
		}
		if excludeGuest == MatchMaybe {
			cond.Match, cond.Reason, cond.Args, cond.Unknown = MatchMaybe, "why.guest_tenant_unknown", nil, unknownGuestTenant
		}
		return cond
	}
	switch {
	case containsFold(c.IncludeUsers, "None"):
		cond.Reason = "why.users_none"
		return cond
	case containsFold(c.IncludeUsers, "All"):
		return include("why.all_users")
	case containsFold(c.IncludeUsers, u.ID):
		return include("why.user_included")
	case containsFold(c.IncludeUsers, "GuestsOrExternalUsers") && guestKind(u, r) != "":
		return include("why.guest_included")
	}
	if m := guestMatch(c.IncludeGuests, u, r); m != MatchNo {
		cond = include("why.guest_included")
		if m == MatchMaybe {
			cond.Match, cond.Reason, cond.Unknown = MatchMaybe, "why.guest_tenant_unknown", unknownGuestTenant
		}
		return cond
	}
	if g, ok := anyIn(c.IncludeGroups, r.Groups); ok {
		return include("why.group_included", "group", r.name(g))
	}
	if ro, ok := anyIn(c.IncludeRoles, r.RoleTemplates); ok {
		return include("why.role_included", "role", r.name(ro))
	}
	if !r.MembershipsKnown && (len(c.IncludeGroups) > 0 || len(c.IncludeRoles) > 0) {
		cond.Match, cond.Reason = MatchMaybe, "why.memberships_unknown"
		return cond
	}
	cond.Reason = "why.user_not_targeted"
	return cond
}

// appMatches reports whether one entry of a policy's application list
// covers the app id.
func (e *Evaluator) appMatches(entry, appID string) bool {
	switch {
	case strings.EqualFold(entry, AppsAll):
		return true
	case strings.EqualFold(entry, AppsOffice365), strings.EqualFold(entry, AppsAdminPortals):
		return e.apps.InGroup(appID, entry)
	}
	return strings.EqualFold(entry, appID)
}

func (e *Evaluator) applications(c AppConditions, r Request) Condition {
	cond := Condition{Name: "applications"}
	if len(c.IncludeApplications) == 0 {
		if len(c.IncludeAuthContexts) > 0 {
			// An app asks for an authentication context (a PIM role
			// activation, a sensitive SharePoint site) when it wants
			// step-up; nothing tells the bot in advance whether it will.
			cond.Match, cond.Reason, cond.Unknown = MatchMaybe, "why.auth_context", unknownAuthContext
			cond.Args = []string{"contexts", strings.Join(c.IncludeAuthContexts, ", ")}
			return cond
		}
		cond.Reason = "why.user_actions_only"
		return cond
	}
	if len(r.Apps) == 0 {
		cond.Match, cond.Reason = MatchMaybe, "why.app_unknown"
		return cond
	}
	for _, app := range r.Apps {
		for _, x := range c.ExcludeApplications {
			if e.appMatches(x, app) {
				cond.Reason, cond.Args = "why.app_excluded", []string{"app", e.appName(app)}
				return cond
			}
		}
	}
	if containsFold(c.IncludeApplications, AppsNone) {
		cond.Reason = "why.apps_none"
		return cond
	}
	filter := c.ApplicationFilter
	if filter != nil && strings.TrimSpace(filter.Rule) == "" {
		filter = nil
	}
	for _, app := range r.Apps {
		for _, x := range c.IncludeApplications {
			if e.appMatches(x, app) {
				cond.Match, cond.Reason, cond.Args = MatchYes, "why.app_included", []string{"app", e.appName(app), "target", x}
				// An exclude filter on custom security attributes may
				// still take the app out; the bot cannot read them.
				if filter != nil && strings.EqualFold(filter.Mode, "exclude") {
					cond.Match, cond.Reason, cond.Unknown = MatchMaybe, "why.app_filter", unknownAppFilter
					cond.Args = []string{"app", e.appName(app), "rule", filter.Rule}
				}
				return cond
			}
		}
	}
	if filter != nil && strings.EqualFold(filter.Mode, "include") {
		cond.Match, cond.Reason, cond.Unknown = MatchMaybe, "why.app_filter", unknownAppFilter
		cond.Args = []string{"app", e.appName(r.Apps[0]), "rule", filter.Rule}
		return cond
	}
	cond.Reason = "why.app_not_targeted"
	return cond
}

func (e *Evaluator) appName(id string) string {
	if a, ok := e.apps.ByID(id); ok {
		return a.DisplayName
	}
	return id
}

// ClientAppType maps a sign-in's clientAppUsed to the policy vocabulary.
func ClientAppType(used string) string {
	switch strings.ToLower(strings.TrimSpace(used)) {
	case "", "browser":
		return "browser"
	case "mobile apps and desktop clients":
		return "mobileAppsAndDesktopClients"
	case "exchange activesync":
		return "exchangeActiveSync"
	default:
		return "other" // IMAP, POP, SMTP, MAPI, EWS and the other legacy protocols
	}
}

func clientAppTypes(types []string, r Request) Condition {
	cond := Condition{Name: "clientAppTypes"}
	if len(types) == 0 || containsFold(types, "all") {
		cond.Match, cond.Reason = MatchYes, "why.client_all"
		return cond
	}
	t := r.ClientAppType
	if t == "" {
		t = "browser"
	}
	if containsFold(types, t) {
		cond.Match, cond.Reason, cond.Args = MatchYes, "why.client_included", []string{"client", t}
		return cond
	}
	cond.Reason, cond.Args = "why.client_not_targeted", []string{"client", t}
	return cond
}

// Platform maps a sign-in's operating system to the policy vocabulary.
func Platform(os string) string {
	l := strings.ToLower(os)
	switch {
	case l == "":
		return ""
	case strings.Contains(l, "windows phone"):
		return "windowsPhone"
	case strings.HasPrefix(l, "windows"):
		return "windows"
	case strings.HasPrefix(l, "ios"), strings.HasPrefix(l, "ipad"):
		return "iOS"
	case strings.HasPrefix(l, "mac"):
		return "macOS"
	case strings.HasPrefix(l, "android"):
		return "android"
	case strings.Contains(l, "linux"), strings.Contains(l, "ubuntu"):
		return "linux"
	}
	return ""
}

func platforms(c *PlatformConditions, r Request) Condition {
	cond := Condition{Name: "platforms"}
	if c == nil || (len(c.Include) == 0 && len(c.Exclude) == 0) {
		cond.Match, cond.Reason = MatchYes, "why.platform_any"
		return cond
	}
	if r.Platform == "" {
		cond.Match, cond.Reason = MatchMaybe, "why.platform_unknown"
		return cond
	}
	if containsFold(c.Exclude, r.Platform) {
		cond.Reason, cond.Args = "why.platform_excluded", []string{"platform", r.Platform}
		return cond
	}
	if containsFold(c.Include, "all") || containsFold(c.Include, r.Platform) {
		cond.Match, cond.Reason, cond.Args = MatchYes, "why.platform_included", []string{"platform", r.Platform}
		return cond
	}
	cond.Reason, cond.Args = "why.platform_not_targeted", []string{"platform", r.Platform}
	return cond
}

// Locate returns the named locations an IP address or country falls in,
// and whether any of them is trusted.
func (e *Evaluator) Locate(ip, country string) (ids []string, trusted bool) {
	addr, err := netip.ParseAddr(strings.TrimSpace(ip))
	for _, l := range e.locations {
		hit := false
		if err == nil {
			for _, p := range e.nets[l.ID] {
				if p.Contains(addr) {
					hit = true
					break
				}
			}
		}
		if l.Kind == "country" {
			if country != "" && containsFold(l.Countries, country) {
				hit = true
			}
			if country == "" && ip != "" && l.IncludeUnknownCountries {
				hit = true
			}
		}
		if hit {
			ids = append(ids, l.ID)
			trusted = trusted || l.IsTrusted
		}
	}
	return ids, trusted
}

// LocationName returns a named location's display name, or the id.
func (e *Evaluator) LocationName(id string) string {
	for _, l := range e.locations {
		if strings.EqualFold(l.ID, id) {
			return l.DisplayName
		}
	}
	return id
}

func (e *Evaluator) locationCondition(c *LocationConditions, r Request) Condition {
	cond := Condition{Name: "locations"}
	if c == nil || (len(c.Include) == 0 && len(c.Exclude) == 0) {
		cond.Match, cond.Reason = MatchYes, "why.location_any"
		return cond
	}
	if r.IP == "" && r.Country == "" {
		if len(c.Exclude) == 0 && containsFold(c.Include, "All") {
			cond.Match, cond.Reason = MatchYes, "why.location_any"
			return cond
		}
		cond.Match, cond.Reason = MatchMaybe, "why.location_unknown"
		cond.Args = []string{"locations", e.describeLocations(c)}
		return cond
	}
	ids, trusted := e.Locate(r.IP, r.Country)
	where := r.IP
	if where == "" {
		where = r.Country
	}
	for _, x := range c.Exclude {
		if (strings.EqualFold(x, "AllTrusted") && trusted) || containsFold(ids, x) {
			cond.Reason, cond.Args = "why.location_excluded", []string{"ip", where, "location", e.LocationName(x)}
			return cond
		}
	}
	for _, x := range c.Include {
		if strings.EqualFold(x, "All") || (strings.EqualFold(x, "AllTrusted") && trusted) || containsFold(ids, x) {
			cond.Match, cond.Reason, cond.Args = MatchYes, "why.location_included", []string{"ip", where, "location", e.LocationName(x)}
			return cond
		}
	}
	cond.Reason, cond.Args = "why.location_not_targeted", []string{"ip", where}
	return cond
}

// describeLocations names the locations a policy excludes, for text.
func (e *Evaluator) describeLocations(c *LocationConditions) string {
	var names []string
	for _, x := range c.Exclude {
		names = append(names, e.LocationName(x))
	}
	if len(names) == 0 {
		for _, x := range c.Include {
			names = append(names, e.LocationName(x))
		}
	}
	return strings.Join(names, ", ")
}

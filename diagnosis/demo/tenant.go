package demo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/onboard-check/onboard-check/diagnosis"
)

// Tenant is a small Entra tenant held in memory: the directory, the
// Conditional Access configuration and the sign-in log. It serves
// snapshots as a diagnosis.Source. It is read-only after Parse and safe
// for concurrent use.
type Tenant struct {
	Name        string
	Description string
	Expect      Expect

	securityDefaults *diagnosis.SecurityDefaults

	users     []tenantUser
	groups    map[string]diagnosis.Group
	roles     map[string]diagnosis.Role
	policies  []diagnosis.Policy
	locations []diagnosis.NamedLocation
	signIns   []diagnosis.SignIn
	faults    map[string]Fault
}

type tenantUser struct {
	user     diagnosis.User
	memberOf []string
	perUser  string // per-user MFA state
}

// Fault makes one part of the tenant answer as a failing Graph would.
type Fault struct {
	Status     int    `json:"status"`
	Code       string `json:"code"`
	Message    string `json:"message"`
	RetryAfter int    `json:"retryAfter"`
	Times      int    `json:"times"` // requests that fail; -1 for all
	LatencyMS  int    `json:"latencyMs"`
}

// Expect is what a correct diagnosis of the tenant's test user says.
type Expect struct {
	User           string   `json:"user"`
	Args           []string `json:"args"`
	Verdict        string   `json:"verdict"`
	Findings       []string `json:"findings"`
	Resolved       []string `json:"resolved"`
	Absent         []string `json:"absent"`
	Policies       []string `json:"policies"`
	AbsentPolicies []string `json:"absentPolicies"`
	Warnings       []string `json:"warnings"`
	PageSize       int      `json:"pageSize"`
}

// ErrUnavailable is returned when a fault makes the tenant unreadable.
var ErrUnavailable = errors.New("tenant unavailable")

// Parse reads a tenant file (the shape of Microsoft Graph v1.0 objects; see
// the scenarios README). Sign-in times written "-N" are N minutes before now.
func Parse(b []byte, now time.Time) (*Tenant, error) {
	var w wireTenant
	if err := json.Unmarshal(b, &w); err != nil {
		return nil, fmt.Errorf("parse tenant: %w", err)
	}
	t := &Tenant{Name: w.Name, Description: w.Description, Expect: w.Expect,
		groups: map[string]diagnosis.Group{}, roles: map[string]diagnosis.Role{}, faults: w.Faults}
	for _, u := range w.Users {
		t.users = append(t.users, tenantUser{user: diagnosis.User{ID: u.ID, UserPrincipalName: u.UserPrincipalName,
			DisplayName: u.DisplayName, Mail: u.Mail, AccountEnabled: u.AccountEnabled == nil || *u.AccountEnabled,
			UserType: u.UserType, ExternalUserState: u.ExternalUserState}, memberOf: u.MemberOf})
		if r := u.AuthenticationRequirements; r != nil {
			t.users[len(t.users)-1].perUser = r.PerUserMFAState
		}
	}
	if sd := w.SecurityDefaults; sd != nil {
		t.securityDefaults = &diagnosis.SecurityDefaults{Enabled: sd.IsEnabled}
	}
	for _, g := range w.Groups {
		t.groups[strings.ToLower(g.ID)] = diagnosis.Group{ID: g.ID, DisplayName: g.DisplayName}
	}
	for _, r := range w.Roles {
		t.roles[strings.ToLower(r.ID)] = diagnosis.Role{ID: r.ID, DisplayName: r.DisplayName, RoleTemplateID: r.RoleTemplateID}
	}
	for _, p := range w.Policies {
		t.policies = append(t.policies, p.toPolicy())
	}
	for _, l := range w.NamedLocations {
		t.locations = append(t.locations, l.toNamedLocation())
	}
	for i, s := range w.SignIns {
		si, err := s.toSignIn(now)
		if err != nil {
			return nil, fmt.Errorf("parse tenant: sign-in %d: %w", i, err)
		}
		t.signIns = append(t.signIns, si)
	}
	return t, nil
}

// Users returns the tenant's accounts.
func (t *Tenant) Users() []diagnosis.User {
	out := make([]diagnosis.User, 0, len(t.users))
	for _, u := range t.users {
		out = append(out, u.user)
	}
	return out
}

// find resolves a user by object id or user principal name, as Graph's
// /users/{id | userPrincipalName} does.
func (t *Tenant) find(s string) (tenantUser, bool) {
	for _, u := range t.users {
		if strings.EqualFold(u.user.ID, s) || strings.EqualFold(u.user.UserPrincipalName, s) {
			return u, true
		}
	}
	return tenantUser{}, false
}

// fault returns the fault of one part if it fails every request. A fault
// that fails only a few requests is what a retrying client rides out.
func (t *Tenant) fault(part string) (Fault, bool) {
	f, ok := t.faults[part]
	if !ok || f.Status == 0 || f.Times >= 0 && f.Times <= 3 {
		return Fault{}, false
	}
	return f, true
}

// Snapshot implements diagnosis.Source.
func (t *Tenant) Snapshot(ctx context.Context, q diagnosis.Query) (diagnosis.Snapshot, error) {
	if err := ctx.Err(); err != nil {
		return diagnosis.Snapshot{}, err
	}
	if f, ok := t.fault("users"); ok {
		return diagnosis.Snapshot{}, fmt.Errorf("read user: status %d %s: %w", f.Status, f.Code, ErrUnavailable)
	}
	var snap diagnosis.Snapshot
	u, ok := t.find(q.User)
	if !ok {
		return snap, nil
	}
	user := u.user
	snap.User = &user
	snap.PerUserMFAState = u.perUser
	if t.securityDefaults != nil {
		sd := *t.securityDefaults
		snap.SecurityDefaults = &sd
	}

	if f, ok := t.fault("memberOf"); ok {
		snap.Warnings = append(snap.Warnings, faultWarning(diagnosis.WarnMembershipsUnavailable, f, "Directory.Read.All"))
	} else {
		snap.MembershipsRead = true
		for _, id := range u.memberOf {
			if g, ok := t.groups[strings.ToLower(id)]; ok {
				snap.Groups = append(snap.Groups, g)
			}
			if r, ok := t.roles[strings.ToLower(id)]; ok {
				snap.Roles = append(snap.Roles, r)
			}
		}
	}
	if f, ok := t.fault("policies"); ok {
		snap.Warnings = append(snap.Warnings, faultWarning(diagnosis.WarnPoliciesUnavailable, f, "Policy.Read.All"))
	} else {
		snap.PoliciesRead = true
		snap.Policies = append(snap.Policies, t.policies...)
	}
	if _, ok := t.fault("namedLocations"); !ok {
		snap.NamedLocations = append(snap.NamedLocations, t.locations...)
	}
	if f, ok := t.fault("signIns"); ok {
		snap.Warnings = append(snap.Warnings, faultWarning(diagnosis.WarnSignInLogsUnavailable, f, "AuditLog.Read.All"))
	} else {
		snap.SignInsRead = true
		for _, s := range t.signIns {
			if !strings.EqualFold(s.UserID, user.ID) {
				continue
			}
			if (!q.Since.IsZero() && s.CreatedDateTime.Before(q.Since)) || (!q.Until.IsZero() && s.CreatedDateTime.After(q.Until)) {
				continue
			}
			snap.SignIns = append(snap.SignIns, s)
		}
		// A page that stays unreadable after retries: what was read stands,
		// and the log is incomplete.
		if _, ok := t.fault("signInsPage"); ok {
			snap.SignInsIncomplete = true
		}
	}
	return snap, nil
}

// faultWarning turns a lasting fault into the warning a Graph source gives.
func faultWarning(code diagnosis.WarningCode, f Fault, permission string) diagnosis.Warning {
	w := diagnosis.Warning{Code: code}
	switch {
	case f.Status == 403 && f.Code == "Authentication_RequestFromNonPremiumTenantOrB2CTenant":
		w.Reason = "licence_required"
	case f.Status == 403:
		w.Reason, w.Args = "permission_missing", map[string]string{"permission": permission}
	case f.Status == 429:
		w.Reason = "throttled"
	default:
		w.Reason = "unavailable"
	}
	return w
}

// relativeTime reads "-N" as N minutes before now, else RFC 3339.
func relativeTime(s string, now time.Time) (time.Time, error) {
	if strings.HasPrefix(s, "-") {
		n, err := strconv.Atoi(s[1:])
		if err != nil {
			return time.Time{}, fmt.Errorf("createdDateTime %q: %w", s, err)
		}
		return now.Add(-time.Duration(n) * time.Minute).UTC(), nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("createdDateTime %q: %w", s, err)
	}
	return t.UTC(), nil
}

package graphtest

import (
	"github.com/onboard-check/onboard-check/diagnosis/demo"

	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Tenant is a tenant file: Graph objects kept as JSON maps, so that the
// fake answers with every property the file holds, and the test's faults
// and expectations.
type Tenant struct {
	Name           string           `json:"name"`
	Description    string           `json:"description"`
	TenantID       string           `json:"tenantId"`
	Users          []map[string]any `json:"users"`
	Groups         []map[string]any `json:"groups"`
	Roles          []map[string]any `json:"roles"`
	Policies       []map[string]any `json:"policies"`
	NamedLocations []map[string]any `json:"namedLocations"`
	SignIns        []map[string]any `json:"signIns"`
	// SecurityDefaults is the identitySecurityDefaultsEnforcementPolicy;
	// nil serves the documented body with isEnabled false.
	SecurityDefaults map[string]any `json:"securityDefaults"`
	// AuthenticationStrengthPolicies are served by id, for policies that
	// name a strength without expanding it.
	AuthenticationStrengthPolicies []map[string]any `json:"authenticationStrengthPolicies"`
	Faults                         map[string]Fault `json:"faults"`
	Expect                         Expect           `json:"expect"`
}

// Fault makes an endpoint answer as a failing Graph would. Endpoints:
// "users", "memberOf", "policies", "namedLocations", "signIns" (both logs),
// "betaSignIns" (the beta log only), "signInsNextPage" (a page after the
// first), "securityDefaults", "requirements", "authenticationStrength" and
// "batch" (the $batch request itself, v1.0 or beta).
type Fault struct {
	Status     int    `json:"status"`     // HTTP status; 0 with LatencyMS only slows down
	Code       string `json:"code"`       // Graph error code
	Message    string `json:"message"`    // Graph error message
	RetryAfter int    `json:"retryAfter"` // seconds; 0 sends no Retry-After
	// RetryAfterText is sent verbatim as Retry-After when set, e.g. "2.128".
	RetryAfterText string `json:"retryAfterText"`
	Times          int    `json:"times"`     // requests that fail; -1 or 0 for all
	LatencyMS      int    `json:"latencyMs"` // delay before answering
}

// Expect is what a correct diagnosis of the tenant's test user says; the
// sample tenant's package owns the type and its Problems check.
type Expect = demo.Expect

// ParseTenant reads a tenant file.
func ParseTenant(b []byte) (*Tenant, error) {
	var t Tenant
	if err := json.Unmarshal(b, &t); err != nil {
		return nil, fmt.Errorf("parse tenant: %w", err)
	}
	for i, s := range t.SignIns {
		if _, err := signInTime(s, time.Now()); err != nil {
			return nil, fmt.Errorf("parse tenant: sign-in %d: %w", i, err)
		}
	}
	return &t, nil
}

// LoadTenant reads a tenant file from disk, failing the test on error.
func LoadTenant(tb testing.TB, path string) *Tenant {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	t, err := ParseTenant(b)
	if err != nil {
		tb.Fatalf("%s: %v", path, err)
	}
	return t
}

// UserID returns the object id of the user with that UPN (any case), or "".
func (t *Tenant) UserID(upn string) string {
	for _, u := range t.Users {
		if strings.EqualFold(str(u["userPrincipalName"]), upn) {
			return str(u["id"])
		}
	}
	return ""
}

// SignInIDs returns the ids of the sign-ins logged for one user object id.
func (t *Tenant) SignInIDs(userID string) []string {
	var out []string
	for _, s := range t.SignIns {
		if strings.EqualFold(str(s["userId"]), userID) {
			out = append(out, str(s["id"]))
		}
	}
	return out
}

// signInTime reads createdDateTime: "-N" is N minutes before now.
func signInTime(s map[string]any, now time.Time) (time.Time, error) {
	v := str(s["createdDateTime"])
	if rest, ok := strings.CutPrefix(v, "-"); ok {
		n, err := strconv.Atoi(rest)
		if err != nil {
			return time.Time{}, fmt.Errorf("createdDateTime %q: %w", v, err)
		}
		return now.Add(-time.Duration(n) * time.Minute).UTC().Truncate(time.Second), nil
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return time.Time{}, fmt.Errorf("createdDateTime %q: %w", v, err)
	}
	return t.UTC(), nil
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// clone deep-copies a JSON object so that answers never share state.
func clone(m map[string]any) map[string]any {
	b, _ := json.Marshal(m)
	var out map[string]any
	_ = json.Unmarshal(b, &out)
	return out
}

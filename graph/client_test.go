package graph_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/google/go-cmp/cmp"

	"github.com/onboard-check/onboard-check/diagnosis"
	"github.com/onboard-check/onboard-check/graph"
	"github.com/onboard-check/onboard-check/graph/graphtest"
	"github.com/onboard-check/onboard-check/internal/secret"
)

const testToken = "eyJ0eXAiOiJKV1QiLCJhbGciOiJub25lIn0.test-token-4f2a"

// memCache is an in-memory graph.Cache; it honours TTLs on the (possibly
// fake) clock.
type memCache struct {
	mu sync.Mutex
	m  map[string]memEntry
}

type memEntry struct {
	b   []byte
	exp time.Time
}

func newMemCache() *memCache { return &memCache{m: map[string]memEntry{}} }

func (c *memCache) Bytes(_ context.Context, key string) ([]byte, bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[key]
	if !ok || time.Now().After(e.exp) {
		return nil, false, nil
	}
	return slices.Clone(e.b), true, nil
}

func (c *memCache) SetBytes(_ context.Context, key string, b []byte, ttl time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m[key] = memEntry{b: slices.Clone(b), exp: time.Now().Add(ttl)}
	return nil
}

// Claim is true for the first caller of a key until ttl ends.
func (c *memCache) Claim(_ context.Context, key string, ttl time.Duration) (bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	k := "claim:" + key
	if e, ok := c.m[k]; ok && !time.Now().After(e.exp) {
		return false, nil
	}
	c.m[k] = memEntry{exp: time.Now().Add(ttl)}
	return true, nil
}

func (c *memCache) keys() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for k := range c.m {
		out = append(out, k)
	}
	return out
}

func newClient(tb testing.TB, srv *graphtest.Server, cache graph.Cache, edit ...func(*graph.Config)) *graph.Client {
	tb.Helper()
	cfg := graph.Config{BaseURL: srv.URL(), Token: testToken, HTTPClient: srv.Client()}
	for _, e := range edit {
		e(&cfg)
	}
	var c *graph.Client
	var err error
	if cache == nil {
		c, err = graph.New(cfg, nil, nil)
	} else {
		c, err = graph.New(cfg, cache, nil)
	}
	if err != nil {
		tb.Fatalf("graph.New: %v", err)
	}
	return c
}

func week(user string) diagnosis.Query {
	now := time.Now()
	return diagnosis.Query{User: user, Since: now.Add(-7 * 24 * time.Hour), Until: now.Add(time.Minute)}
}

func loadTenant(tb testing.TB, name string) *graphtest.Tenant {
	tb.Helper()
	return graphtest.LoadTenant(tb, filepath.Join("testdata", name))
}

func signInIDs(s []diagnosis.SignIn) []string {
	var out []string
	for _, x := range s {
		out = append(out, x.ID)
	}
	slices.Sort(out)
	return out
}

func sorted(v []string) []string {
	v = slices.Clone(v)
	slices.Sort(v)
	return v
}

type warn struct{ Code, Reason string }

func warnings(s diagnosis.Snapshot) []warn {
	var out []warn
	for _, w := range s.Warnings {
		out = append(out, warn{string(w.Code), w.Reason})
		if w.Message != "" {
			out = append(out, warn{"message must be empty", w.Message})
		}
	}
	return out
}

var sourceWarnings = []string{"sign_in_logs_unavailable", "policies_unavailable", "memberships_unavailable", "partial_sign_ins"}

// Every example tenant through the real client against the fake Graph:
// exactly the target user's sign-ins (both logs), every policy and named
// location, and the warnings a source owes.
func TestSnapshotScenarios(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(filepath.Join("testdata", "scenarios", "*.json"))
	if err != nil || len(files) != 11 {
		t.Fatalf("scenario files: %v, %d found, want 11", err, len(files))
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".json"), func(t *testing.T) {
			t.Parallel()
			tenant := graphtest.LoadTenant(t, file)
			srv := graphtest.NewServer(t, tenant, graphtest.WithToken(testToken))
			c := newClient(t, srv, nil)
			snap, err := c.Snapshot(t.Context(), week(tenant.Expect.User))
			if err != nil {
				t.Fatalf("Snapshot(%q): %v", tenant.Expect.User, err)
			}
			for _, r := range srv.Requests() {
				if !r.Authorized {
					t.Errorf("%s %s reached Graph without a token", r.Method, r.Path)
				}
			}
			id := tenant.UserID(tenant.Expect.User)
			if id == "" {
				if snap.User != nil {
					t.Fatalf("Snapshot(%q).User = %+v, want nil", tenant.Expect.User, snap.User)
				}
				return
			}
			if snap.User == nil || snap.User.ID != id {
				t.Fatalf("Snapshot(%q).User = %+v, want id %s", tenant.Expect.User, snap.User, id)
			}
			var wantWarn []string
			for _, w := range tenant.Expect.Warnings {
				if slices.Contains(sourceWarnings, w) {
					wantWarn = append(wantWarn, w)
				}
			}
			var gotWarn []string
			for _, w := range snap.Warnings {
				gotWarn = append(gotWarn, string(w.Code))
			}
			if d := cmp.Diff(sorted(wantWarn), sorted(gotWarn)); d != "" {
				t.Errorf("warnings (-want +got):\n%s", d)
			}
			if _, fault := tenant.Faults["signIns"]; fault {
				if snap.SignInsRead || len(snap.SignIns) != 0 {
					t.Errorf("sign-ins read despite the fault: %d", len(snap.SignIns))
				}
			} else {
				if !snap.SignInsRead {
					t.Errorf("SignInsRead = false")
				}
				if d := cmp.Diff(sorted(tenant.SignInIDs(id)), signInIDs(snap.SignIns)); d != "" {
					t.Errorf("sign-ins (-want +got):\n%s", d)
				}
				for _, s := range snap.SignIns {
					if s.UserID != id {
						t.Errorf("sign-in %s belongs to %s", s.ID, s.UserID)
					}
				}
			}
			var wantPol, gotPol, wantLoc, gotLoc []string
			for _, p := range tenant.Policies {
				wantPol = append(wantPol, p["id"].(string))
			}
			for _, p := range snap.Policies {
				gotPol = append(gotPol, p.ID)
			}
			for _, l := range tenant.NamedLocations {
				wantLoc = append(wantLoc, l["id"].(string))
			}
			for _, l := range snap.NamedLocations {
				gotLoc = append(gotLoc, l.ID)
			}
			if d := cmp.Diff(sorted(wantPol), sorted(gotPol)); d != "" || !snap.PoliciesRead {
				t.Errorf("policies (read %v; -want +got):\n%s", snap.PoliciesRead, d)
			}
			if d := cmp.Diff(sorted(wantLoc), sorted(gotLoc)); d != "" {
				t.Errorf("named locations (-want +got):\n%s", d)
			}
			if !snap.MembershipsRead {
				t.Errorf("MembershipsRead = false")
			}
		})
	}
}

func TestSnapshotNoLicence(t *testing.T) {
	t.Parallel()
	srv := graphtest.NewServer(t, loadTenant(t, "scenarios/p08-no-license.json"))
	snap, err := newClient(t, srv, nil).Snapshot(t.Context(), week("megan@contoso.com"))
	if err != nil {
		t.Fatal(err)
	}
	want := []warn{{"sign_in_logs_unavailable", "licence_required"}}
	if d := cmp.Diff(want, warnings(snap)); d != "" {
		t.Errorf("warnings (-want +got):\n%s", d)
	}
}

func TestSnapshotReportOnlyResults(t *testing.T) {
	t.Parallel()
	srv := graphtest.NewServer(t, loadTenant(t, "scenarios/p06-report-only.json"))
	snap, err := newClient(t, srv, nil).Snapshot(t.Context(), week("adele@contoso.com"))
	if err != nil {
		t.Fatal(err)
	}
	var results []string
	for _, s := range snap.SignIns {
		for _, p := range s.AppliedPolicies {
			results = append(results, p.Result)
		}
	}
	if !slices.Contains(results, "reportOnlyFailure") {
		t.Errorf("applied policy results = %q, want reportOnlyFailure among them (Prefer: include-unknown-enum-members)", results)
	}
	for _, r := range srv.Requests() {
		if strings.HasSuffix(r.Path, "/auditLogs/signIns") && r.Header.Get("Prefer") != "include-unknown-enum-members" {
			t.Errorf("%s sent Prefer %q", r.Path, r.Header.Get("Prefer"))
		}
	}
}

// Apostrophes and B2B guests: the path segment is encoded, sign-ins are
// read by object id (the log keeps lower-case UPNs and guests' home UPNs),
// and the look-alike account's sign-ins never show up.
func TestSnapshotGuestsAndApostrophes(t *testing.T) {
	t.Parallel()
	tenant := loadTenant(t, "tenants/guests.json")
	tests := []struct {
		name, user, id, rawPath string
	}{
		{"apostrophe", "conor.o'brien@contoso.com", "0c0a0000-0000-4000-8000-00000000c001", "/v1.0/users/conor.o%27brien@contoso.com"},
		{"apostrophe upper case", "CONOR.O'BRIEN@CONTOSO.COM", "0c0a0000-0000-4000-8000-00000000c001", "/v1.0/users/CONOR.O%27BRIEN@CONTOSO.COM"},
		{"look-alike", "conor.obrien@contoso.com", "0c0a0000-0000-4000-8000-00000000c002", "/v1.0/users/conor.obrien@contoso.com"},
		{"guest", "patti_fabrikam.com#EXT#@contoso.onmicrosoft.com", "0c0a0000-0000-4000-8000-00000000e001", "/v1.0/users/patti_fabrikam.com%23EXT%23@contoso.onmicrosoft.com"},
		{"guest by object id", "0c0a0000-0000-4000-8000-00000000e001", "0c0a0000-0000-4000-8000-00000000e001", "/v1.0/users/0c0a0000-0000-4000-8000-00000000e001"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := graphtest.NewServer(t, tenant)
			snap, err := newClient(t, srv, nil).Snapshot(t.Context(), week(tt.user))
			if err != nil {
				t.Fatalf("Snapshot(%q): %v", tt.user, err)
			}
			if snap.User == nil || snap.User.ID != tt.id {
				t.Fatalf("Snapshot(%q).User = %+v, want id %s", tt.user, snap.User, tt.id)
			}
			if d := cmp.Diff(sorted(tenant.SignInIDs(tt.id)), signInIDs(snap.SignIns)); d != "" {
				t.Errorf("sign-ins (-want +got):\n%s", d)
			}
			if len(snap.Warnings) != 0 {
				t.Errorf("warnings = %v, want none", warnings(snap))
			}
			var paths []string
			for _, r := range srv.Requests() {
				paths = append(paths, r.RawPath)
			}
			if !slices.Contains(paths, tt.rawPath) {
				t.Errorf("requests %q lack %s", paths, tt.rawPath)
			}
		})
	}
}

func TestSnapshotUserNotFound(t *testing.T) {
	t.Parallel()
	srv := graphtest.NewServer(t, loadTenant(t, "scenarios/p07-not-found.json"))
	for _, user := range []string{"adel@contoso.com", "00000000-0000-4000-8000-000000000000"} {
		snap, err := newClient(t, srv, nil).Snapshot(t.Context(), week(user))
		if err != nil || snap.User != nil {
			t.Errorf("Snapshot(%q) = User %+v, err %v; want nil, nil", user, snap.User, err)
		}
	}
}

// The part that fails decides the warning; the rest of the diagnosis goes on.
func TestSnapshotPartialFailures(t *testing.T) {
	t.Parallel()
	denied := graphtest.Fault{Status: 403, Code: "Authorization_RequestDenied", Message: "Insufficient privileges to complete the operation.", Times: -1}
	down := graphtest.Fault{Status: 500, Code: "UnknownError", Times: -1}
	tests := []struct {
		name     string
		endpoint string
		fault    graphtest.Fault
		want     []warn
		args     map[string]string
		opts     []graphtest.Option
	}{
		{"sign-ins permission", "signIns", denied, []warn{{"sign_in_logs_unavailable", "permission_missing"}}, map[string]string{"permission": "AuditLog.Read.All"}, nil},
		{"policies permission", "policies", denied, []warn{{"policies_unavailable", "permission_missing"}}, map[string]string{"permission": "Policy.Read.All"}, nil},
		{"memberships permission", "memberOf", denied, []warn{{"memberships_unavailable", "permission_missing"}}, map[string]string{"permission": "Directory.Read.All"}, nil},
		{"named locations down", "namedLocations", down, []warn{{"policies_unavailable", "unavailable"}}, nil, nil},
		{"non-interactive log down, two reads", "betaSignIns", down, []warn{{"sign_in_logs_unavailable", "non_interactive_unavailable"}}, nil,
			[]graphtest.Option{graphtest.WithoutCombinedSignInFilter()}},
		{"beta log down, one read", "betaSignIns", down, []warn{{"sign_in_logs_unavailable", "unavailable"}}, nil, nil},
		{"sign-ins down", "signIns", down, []warn{{"sign_in_logs_unavailable", "unavailable"}}, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := graphtest.NewServer(t, loadTenant(t, "scenarios/p11-non-interactive.json"), append(tt.opts, graphtest.WithFault(tt.endpoint, tt.fault))...)
			snap, err := newClient(t, srv, nil).Snapshot(t.Context(), week("megan@contoso.com"))
			if err != nil {
				t.Fatalf("Snapshot: %v", err)
			}
			if d := cmp.Diff(tt.want, warnings(snap)); d != "" {
				t.Errorf("warnings (-want +got):\n%s", d)
			}
			if tt.args != nil && !cmp.Equal(snap.Warnings[0].Args, tt.args) {
				t.Errorf("warning args = %v, want %v", snap.Warnings[0].Args, tt.args)
			}
			if snap.User == nil {
				t.Errorf("User = nil despite a partial failure")
			}
			if tt.endpoint == "betaSignIns" && tt.opts != nil {
				if !snap.SignInsRead || len(snap.SignIns) != 1 || !snap.SignIns[0].Interactive {
					t.Errorf("interactive sign-ins = %d (read %v), want the 1 interactive one", len(snap.SignIns), snap.SignInsRead)
				}
			}
		})
	}
}

func TestSnapshotPoliciesHidden(t *testing.T) {
	t.Parallel()
	tenant := loadTenant(t, "scenarios/p01-untrusted-network.json")
	for _, s := range tenant.SignIns {
		s["appliedConditionalAccessPolicies"] = []any{} // as Graph answers without Policy.Read.All
	}
	srv := graphtest.NewServer(t, tenant)
	snap, err := newClient(t, srv, nil).Snapshot(t.Context(), week("adele@contoso.com"))
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]warn{{"policies_unavailable", "policies_hidden"}}, warnings(snap)); d != "" {
		t.Errorf("warnings (-want +got):\n%s", d)
	}
	if got := snap.Warnings[0].Args["permission"]; got != "Policy.Read.All" {
		t.Errorf("permission = %q, want Policy.Read.All", got)
	}
}

func TestSnapshotCredentialsRejected(t *testing.T) {
	t.Parallel()
	srv := graphtest.NewServer(t, loadTenant(t, "scenarios/p01-untrusted-network.json"), graphtest.WithToken("the-right-token"))
	_, err := newClient(t, srv, nil).Snapshot(t.Context(), week("adele@contoso.com"))
	if !errors.Is(err, graph.ErrCredentials) {
		t.Fatalf("Snapshot with a wrong token: err = %v, want ErrCredentials", err)
	}
	var ae *graph.APIError
	if !errors.As(err, &ae) || ae.Status != 401 || ae.Code != "InvalidAuthenticationToken" {
		t.Errorf("APIError = %+v, want 401 InvalidAuthenticationToken", ae)
	}
	checkNoSecrets(t, err.Error())
}

func TestSnapshotUnreachable(t *testing.T) {
	t.Parallel()
	c, err := graph.New(graph.Config{BaseURL: "http://127.0.0.1:1", Token: testToken}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Snapshot(t.Context(), week("conor.o'brien@contoso.com"))
	if !errors.Is(err, graph.ErrUnreachable) {
		t.Fatalf("Snapshot against a closed port: err = %v, want ErrUnreachable", err)
	}
	checkNoSecrets(t, err.Error())
}

type failingCredential struct{}

func (failingCredential) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{}, errors.New("AADSTS7000215: Invalid client secret provided")
}

func TestSnapshotNoToken(t *testing.T) {
	t.Parallel()
	srv := graphtest.NewServer(t, loadTenant(t, "scenarios/p05-healthy.json"))
	c := newClient(t, srv, nil, func(cfg *graph.Config) { cfg.Token, cfg.Credential = "", failingCredential{} })
	if err := c.Ping(t.Context()); !errors.Is(err, graph.ErrCredentials) {
		t.Errorf("Ping = %v, want ErrCredentials", err)
	}
	_, err := c.Snapshot(t.Context(), week("megan@contoso.com"))
	if !errors.Is(err, graph.ErrCredentials) {
		t.Errorf("Snapshot = %v, want ErrCredentials", err)
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d requests reached Graph without a token", n)
	}
}

func TestSnapshotBatchRefused(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) { // the CA budget waits on the fake clock
		tenant := loadTenant(t, "scenarios/p11-non-interactive.json")
		srv := graphtest.NewInMemory(t, tenant, graphtest.WithoutBatch())
		c := newClient(t, srv, nil)
		for run := range 2 {
			snap, err := c.Snapshot(t.Context(), week("megan@contoso.com"))
			if err != nil {
				t.Fatalf("run %d: %v", run, err)
			}
			if len(snap.Warnings) != 0 || len(snap.SignIns) != 4 || len(snap.Policies) != len(tenant.Policies) || !snap.MembershipsRead {
				t.Errorf("run %d: warnings %v, %d sign-ins, %d policies", run, warnings(snap), len(snap.SignIns), len(snap.Policies))
			}
		}
		var batches int
		for _, r := range srv.Requests() {
			if strings.HasSuffix(r.Path, "/$batch") {
				batches++
			}
		}
		if batches != 1 {
			t.Errorf("$batch tried %d times, want once (then parallel requests)", batches)
		}
	})
}

// The token goes to the configured host only: a nextLink elsewhere is not
// followed, and the other host hears nothing.
func TestTokenOnlyToGraphHost(t *testing.T) {
	t.Parallel()
	foreign := graphtest.NewServer(t, &graphtest.Tenant{})
	tenant := loadTenant(t, "scenarios/p04-every-time.json")
	srv := graphtest.NewServer(t, tenant, graphtest.WithPageSize(1), graphtest.WithNextLinkBase(foreign.URL()))
	snap, err := newClient(t, srv, nil).Snapshot(t.Context(), week("megan@contoso.com"))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(foreign.Requests()); n != 0 {
		t.Errorf("the foreign host received %d requests", n)
	}
	if !slices.Contains(warnings(snap), warn{"partial_sign_ins", "unavailable"}) {
		t.Errorf("warnings = %v, want partial_sign_ins", warnings(snap))
	}
}

func checkNoSecrets(tb testing.TB, s string) {
	tb.Helper()
	for _, secret := range []string{testToken, "Bearer", "o'brien", "o%27brien", "contoso.com", "$filter", "?"} {
		if strings.Contains(s, secret) {
			tb.Errorf("error text %q holds %q", s, secret)
		}
	}
}

func TestAPIErrorText(t *testing.T) {
	t.Parallel()
	e := &graph.APIError{Status: 403, Code: "Authorization_RequestDenied",
		Message: "Invalid filter clause: userPrincipalName eq 'conor.o''brien@contoso.com'", RequestID: "a1b2"}
	if got, want := e.Error(), "graph: status 403 Authorization_RequestDenied (request-id a1b2)"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	checkNoSecrets(t, e.Error())
}

func Example() {
	c, err := graph.New(graph.Config{Token: secret.Secret(os.Getenv("ONBOARD_GRAPH_TOKEN"))}, nil, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	_ = c // c.Snapshot(ctx, diagnosis.Query{User: "adele@contoso.com", Since: …, Until: …})
}

// TestSnapshotByMail finds an account by its email address when that is not
// its user principal name, with one more round trip and only then.
func TestSnapshotByMail(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) { // the CA budget waits on the fake clock
		tenant, err := graphtest.ParseTenant([]byte(`{"users":[
			{"id":"0b9e9d4c-6f0a-4d53-8a0e-3b8f0b0c2a11","userPrincipalName":"adele.vance@contoso.onmicrosoft.com","mail":"Adele@Contoso.com","accountEnabled":true,"userType":"Member","memberOf":[]},
			{"id":"7c1d2e3f-0000-4000-8000-000000000001","userPrincipalName":"a@contoso.com","mail":"shared@contoso.com","accountEnabled":true,"userType":"Member","memberOf":[]},
			{"id":"7c1d2e3f-0000-4000-8000-000000000002","userPrincipalName":"b@contoso.com","mail":"shared@contoso.com","accountEnabled":true,"userType":"Member","memberOf":[]}],
			"policies":[],"namedLocations":[],"signIns":[]}`))
		if err != nil {
			t.Fatal(err)
		}
		srv := graphtest.NewInMemory(t, tenant)
		c := newClient(t, srv, nil)
		snap, err := c.Snapshot(t.Context(), week("adele@contoso.com"))
		if err != nil || snap.User == nil || snap.User.ID != "0b9e9d4c-6f0a-4d53-8a0e-3b8f0b0c2a11" {
			t.Fatalf("Snapshot by mail = %+v, %v", snap.User, err)
		}
		// An address two accounts share names nobody.
		if snap, err := c.Snapshot(t.Context(), week("shared@contoso.com")); err != nil || snap.User != nil {
			t.Errorf("Snapshot of a shared mail = %+v, %v; want no user", snap.User, err)
		}
		if snap, err := c.Snapshot(t.Context(), week("nobody@contoso.com")); err != nil || snap.User != nil {
			t.Errorf("Snapshot of an unknown address = %+v, %v; want no user", snap.User, err)
		}
	})
}

// TestSnapshotWithoutTransitiveMemberOf falls back to direct memberships
// where transitiveMemberOf is not served.
func TestSnapshotWithoutTransitiveMemberOf(t *testing.T) {
	t.Parallel()
	srv := graphtest.NewServer(t, loadTenant(t, "scenarios/p09-proactive.json"), graphtest.WithoutTransitive())
	snap, err := newClient(t, srv, nil).Snapshot(t.Context(), week("alex@contoso.com"))
	if err != nil {
		t.Fatal(err)
	}
	if !snap.MembershipsRead || len(snap.Roles) != 1 || snap.Roles[0].RoleTemplateID != "62e90394-69f5-4237-9190-012177145e10" {
		t.Errorf("roles = %+v, read %v; want Global Administrator from memberOf", snap.Roles, snap.MembershipsRead)
	}
}

package graph_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/onboard-check/onboard-check/diagnosis"
	"github.com/onboard-check/onboard-check/graph"
	"github.com/onboard-check/onboard-check/graph/graphtest"
)

// These tests run on synctest's fake clock against the in-memory fake:
// Retry-After, rate limits and the budget cost no real time.

func statuses(srv *graphtest.Server, pathSuffix string) []int {
	var out []int
	for _, r := range srv.Requests() {
		if strings.HasSuffix(r.Path, pathSuffix) {
			out = append(out, r.Status)
		}
	}
	slices.Sort(out) // parallel requests arrive in any order
	return out
}

func TestRetry(t *testing.T) {
	tests := []struct {
		name      string
		endpoint  string
		fault     graphtest.Fault
		path      string
		want      []warn
		statuses  []int
		minWait   time.Duration
		signIns   int
		userError error
	}{
		{name: "sign-ins 429 once with Retry-After", endpoint: "signIns", fault: graphtest.Fault{Status: 429, Code: "TooManyRequests", RetryAfter: 7, Times: 1},
			path: "/auditLogs/signIns", statuses: []int{200, 429}, minWait: 7 * time.Second, signIns: 4},
		{name: "sign-ins 429 with a fractional Retry-After", endpoint: "signIns", fault: graphtest.Fault{Status: 429, Code: "TooManyRequests", RetryAfterText: "2.128", Times: 1},
			path: "/auditLogs/signIns", statuses: []int{200, 429}, minWait: 2128 * time.Millisecond, signIns: 4},
		{name: "policies 429 inside the batch, no Retry-After", endpoint: "policies", fault: graphtest.Fault{Status: 429, Code: "TooManyRequests", Times: 2},
			path: "/identity/conditionalAccess/policies", statuses: []int{200, 429, 429}, minWait: 3 * time.Second, signIns: 4},
		{name: "policies throttled out", endpoint: "policies", fault: graphtest.Fault{Status: 429, Code: "TooManyRequests", Times: -1},
			path: "/identity/conditionalAccess/policies", statuses: []int{429, 429, 429, 429}, signIns: 4,
			want: []warn{{"policies_unavailable", "throttled"}}},
		{name: "user 503 twice", endpoint: "users", fault: graphtest.Fault{Status: 503, Code: "ServiceUnavailable", RetryAfter: 2, Times: 2},
			path: "/v1.0/users/megan@contoso.com", statuses: []int{200, 503, 503}, minWait: 4 * time.Second, signIns: 4},
		{name: "sign-ins 503 for good", endpoint: "signIns", fault: graphtest.Fault{Status: 503, Code: "ServiceUnavailable", RetryAfter: 1, Times: -1},
			path: "/beta/auditLogs/signIns", statuses: []int{503, 503, 503, 503},
			want: []warn{{"sign_in_logs_unavailable", "unavailable"}}},
		{name: "Retry-After beyond the budget", endpoint: "signIns", fault: graphtest.Fault{Status: 429, Code: "TooManyRequests", RetryAfter: 120, Times: -1},
			path: "/beta/auditLogs/signIns", statuses: []int{429},
			want: []warn{{"sign_in_logs_unavailable", "throttled"}}},
		{name: "user 503 for good", endpoint: "users", fault: graphtest.Fault{Status: 503, Code: "ServiceUnavailable", Times: -1},
			path: "/v1.0/users/megan@contoso.com", statuses: []int{503, 503, 503, 503}, userError: graph.ErrUnreachable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				tenant := loadTenant(t, "scenarios/p11-non-interactive.json")
				srv := graphtest.NewInMemory(t, tenant, graphtest.WithFault(tt.endpoint, tt.fault))
				c := newClient(t, srv, nil)
				start := time.Now()
				snap, err := c.Snapshot(t.Context(), week("megan@contoso.com"))
				elapsed := time.Since(start)
				if tt.userError != nil {
					if !errors.Is(err, tt.userError) {
						t.Fatalf("Snapshot: err = %v, want %v", err, tt.userError)
					}
				} else if err != nil {
					t.Fatalf("Snapshot: %v", err)
				}
				if d := cmp.Diff(tt.want, warnings(snap)); d != "" {
					t.Errorf("warnings (-want +got):\n%s", d)
				}
				if d := cmp.Diff(tt.statuses, statuses(srv, tt.path)); d != "" {
					t.Errorf("statuses of %s (-want +got):\n%s", tt.path, d)
				}
				if elapsed < tt.minWait {
					t.Errorf("took %s, want at least the %s Graph asked for", elapsed, tt.minWait)
				}
				if elapsed > graph.DefaultTimeout {
					t.Errorf("took %s, beyond the budget", elapsed)
				}
				if len(snap.SignIns) != tt.signIns {
					t.Errorf("%d sign-ins, want %d", len(snap.SignIns), tt.signIns)
				}
			})
		})
	}
}

// Slow answers meet the per-diagnosis budget: the part that did not answer
// in time becomes a "timeout" warning; a slow user lookup is an error.
func TestBudget(t *testing.T) {
	tests := []struct {
		name     string
		endpoint string
		latency  int
		want     []warn
		err      error
		opts     []graphtest.Option
	}{
		{"slow sign-ins", "signIns", 60_000, []warn{{"sign_in_logs_unavailable", "timeout"}}, nil, nil},
		{"slow non-interactive sign-ins, two reads", "betaSignIns", 60_000, []warn{{"sign_in_logs_unavailable", "non_interactive_unavailable"}}, nil,
			[]graphtest.Option{graphtest.WithoutCombinedSignInFilter()}},
		{"slow memberships", "memberOf", 60_000, []warn{{"memberships_unavailable", "timeout"}}, nil, nil},
		{"slow user", "users", 60_000, nil, graph.ErrUnreachable, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				srv := graphtest.NewInMemory(t, loadTenant(t, "scenarios/p11-non-interactive.json"),
					append(tt.opts, graphtest.WithoutBatch(), graphtest.WithFault(tt.endpoint, graphtest.Fault{LatencyMS: tt.latency, Times: -1}))...)
				c := newClient(t, srv, nil, func(cfg *graph.Config) { cfg.Timeout = 10 * time.Second })
				start := time.Now()
				snap, err := c.Snapshot(t.Context(), week("megan@contoso.com"))
				if !errors.Is(err, tt.err) {
					t.Fatalf("Snapshot: err = %v, want %v", err, tt.err)
				}
				if d := cmp.Diff(tt.want, warnings(snap)); d != "" {
					t.Errorf("warnings (-want +got):\n%s", d)
				}
				if got := time.Since(start); got != 10*time.Second {
					t.Errorf("answered after %s, want the 10s budget", got)
				}
			})
		})
	}
}

// pagedTenant is one user with many newer successful sign-ins and one
// failure behind them, and noise from another user.
func pagedTenant(newer int) *graphtest.Tenant {
	tenant := &graphtest.Tenant{
		Users: []map[string]any{
			{"id": "0d000000-0000-4000-8000-000000000001", "userPrincipalName": "lee@contoso.com", "displayName": "Lee Gu", "accountEnabled": true, "userType": "Member"},
			{"id": "0d000000-0000-4000-8000-000000000002", "userPrincipalName": "megan@contoso.com", "displayName": "Megan Bowen", "accountEnabled": true, "userType": "Member"},
		},
	}
	add := func(id, user string, mins int, code int, interactive bool) {
		tenant.SignIns = append(tenant.SignIns, map[string]any{
			"id": id, "createdDateTime": fmt.Sprintf("-%d", mins), "userId": user, "userPrincipalName": "lee@contoso.com",
			"appId": "c44b4083-3bb0-49c1-b47d-974e53cbdf3c", "appDisplayName": "Azure Portal", "isInteractive": interactive,
			"conditionalAccessStatus": "success", "status": map[string]any{"errorCode": code},
			"signInEventTypes": []any{map[bool]string{true: "interactiveUser", false: "nonInteractiveUser"}[interactive]},
		})
	}
	add("failure", "0d000000-0000-4000-8000-000000000001", newer+60, 50126, true)
	for i := range newer {
		add(fmt.Sprintf("ok-%04d", i), "0d000000-0000-4000-8000-000000000001", i+1, 0, true)
		add(fmt.Sprintf("other-%04d", i), "0d000000-0000-4000-8000-000000000002", i+1, 0, true)
	}
	add("refresh", "0d000000-0000-4000-8000-000000000001", 3, 0, false)
	return tenant
}

// Every page of the sign-in log counts against Graph's 5 reads per 10 s:
// seven pages take two windows, inside the time budget.
func TestPaging(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := graphtest.NewInMemory(t, pagedTenant(300), graphtest.WithPageSize(50), graphtest.WithSignInLimit(5, 10*time.Second))
		snap, err := newClient(t, srv, nil).Snapshot(t.Context(), week("lee@contoso.com"))
		if err != nil {
			t.Fatal(err)
		}
		if len(snap.Warnings) != 0 {
			t.Errorf("warnings = %v, want none", warnings(snap))
		}
		if len(snap.SignIns) != 302 {
			t.Errorf("%d sign-ins, want 302", len(snap.SignIns))
		}
		if !slices.ContainsFunc(snap.SignIns, func(s diagnosis.SignIn) bool { return s.ID == "failure" && s.ErrorCode == 50126 }) {
			t.Errorf("the failure behind 300 newer sign-ins was not read")
		}
		if !slices.IsSortedFunc(snap.SignIns, func(a, b diagnosis.SignIn) int { return b.CreatedDateTime.Compare(a.CreatedDateTime) }) {
			t.Errorf("sign-ins not newest first")
		}
		if n := len(statuses(srv, "/beta/auditLogs/signIns")); n != 7 {
			t.Errorf("%d pages read, want 7", n)
		}
		if n := srv.Throttled(); n != 0 {
			t.Errorf("Graph answered 429 %d times, want none: the client keeps inside the budget", n)
		}
	})
}

func TestPagingBounded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := graphtest.NewInMemory(t, pagedTenant(300), graphtest.WithPageSize(25))
		c := newClient(t, srv, nil, func(cfg *graph.Config) { cfg.MaxSignIns = 60 })
		snap, err := c.Snapshot(t.Context(), week("lee@contoso.com"))
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff([]warn{{"partial_sign_ins", "truncated"}}, warnings(snap)); d != "" {
			t.Fatalf("warnings (-want +got):\n%s", d)
		}
		// One read holds both logs, so it is bounded at twice MaxSignIns.
		if got := snap.Warnings[0].Args["count"]; got != "120" {
			t.Errorf("count = %q, want 120 (2 × MaxSignIns, one read for both logs)", got)
		}
		if len(snap.SignIns) != 120 {
			t.Errorf("%d sign-ins, want 120", len(snap.SignIns))
		}
	})
}

// Paging that outlasts the budget keeps what it read and says so.
func TestPagingCutByBudget(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := graphtest.NewInMemory(t, pagedTenant(300), graphtest.WithPageSize(10), graphtest.WithLatency(time.Second))
		snap, err := newClient(t, srv, nil).Snapshot(t.Context(), week("lee@contoso.com"))
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff([]warn{{"partial_sign_ins", "timeout"}}, warnings(snap)); d != "" {
			t.Errorf("warnings (-want +got):\n%s", d)
		}
		if n := len(snap.SignIns); n == 0 || n >= 302 {
			t.Errorf("%d sign-ins, want some but not all", n)
		}
	})
}

// A cold diagnosis waits for at most two sequential round trips, a warm one
// (policies, named locations, the UPN's object id, the account and its
// memberships cached) for one; the same account checked again at once
// shares the first read.
func TestRoundTrips(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tenant := loadTenant(t, "scenarios/p11-non-interactive.json")
		srv := graphtest.NewInMemory(t, tenant, graphtest.WithLatency(100*time.Millisecond))
		cache := newMemCache()
		c := newClient(t, srv, cache)
		check := func(name, user string, wantSeq, wantTrips int) {
			t.Helper()
			srv.Reset()
			snap, err := c.Snapshot(t.Context(), week(user))
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if len(snap.Warnings) != 0 || len(snap.SignIns) != 4 || len(snap.Policies) != len(tenant.Policies) ||
				len(snap.NamedLocations) != len(tenant.NamedLocations) || !snap.MembershipsRead {
				t.Errorf("%s: warnings %v, %d sign-ins, %d policies, %d locations", name, warnings(snap), len(snap.SignIns), len(snap.Policies), len(snap.NamedLocations))
			}
			if got := srv.MaxSequential(); got != wantSeq {
				t.Errorf("%s: %d sequential round trips, want %d", name, got, wantSeq)
			}
			if got := srv.RoundTrips(); got != wantTrips {
				t.Errorf("%s: %d round trips, want %d", name, got, wantTrips)
			}
		}
		check("cold", "megan@contoso.com", 2, 2)                        // v1.0 $batch; then beta $batch of sign-ins and MFA state
		check("again at once", "Megan@Contoso.com", 0, 0)               // the read of a moment ago
		time.Sleep(30 * time.Second)                                    // past the sign-in read's short life
		check("warm", "Megan@Contoso.com", 1, 1)                        // the beta sign-in read alone
		time.Sleep(graph.DefaultPolicyTTL + time.Second)                // policies and the account expire; the id stays
		check("policies expired, id cached", "megan@contoso.com", 1, 2) // v1.0 $batch ‖ beta $batch
		for _, k := range cache.keys() {
			if strings.Contains(strings.ToLower(k), "megan") {
				t.Errorf("cache key %q holds a UPN", k)
			}
		}
		c = newClient(t, srv, nil)
		check("cold by object id", tenant.UserID("megan@contoso.com"), 1, 2) // v1.0 $batch ‖ beta $batch
	})
}

// A cached object id that no longer belongs to the typed UPN is caught and
// looked up again once the account's short cache life is over.
func TestStaleUserID(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tenant := loadTenant(t, "scenarios/p11-non-interactive.json")
		cache := newMemCache()
		srv := graphtest.NewInMemory(t, tenant)
		if _, err := newClient(t, srv, cache).Snapshot(t.Context(), week("megan@contoso.com")); err != nil {
			t.Fatal(err)
		}
		// Megan's UPN now belongs to another account.
		moved := *tenant
		moved.Users = nil
		for _, u := range tenant.Users {
			u = maps(u)
			switch u["userPrincipalName"] {
			case "megan@contoso.com":
				u["userPrincipalName"] = "megan.old@contoso.com"
			case "lee@contoso.com":
				u["userPrincipalName"] = "megan@contoso.com"
			}
			moved.Users = append(moved.Users, u)
		}
		time.Sleep(2*time.Minute + time.Second) // the account and memberships are trusted that long
		srv2 := graphtest.NewInMemory(t, &moved)
		snap, err := newClient(t, srv2, cache).Snapshot(t.Context(), week("megan@contoso.com"))
		if err != nil {
			t.Fatal(err)
		}
		if want := tenant.UserID("lee@contoso.com"); snap.User == nil || snap.User.ID != want {
			t.Fatalf("User = %+v, want the account that holds the UPN now (%s)", snap.User, want)
		}
		for _, s := range snap.SignIns {
			if s.UserID != snap.User.ID {
				t.Errorf("sign-in %s of %s in the snapshot", s.ID, s.UserID)
			}
		}
	})
}

func maps(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

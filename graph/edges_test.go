package graph_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/onboard-check/onboard-check/diagnosis"
	"github.com/onboard-check/onboard-check/graph"
	"github.com/onboard-check/onboard-check/graph/graphtest"
)

// failures records OnFailure calls.
type failures struct {
	mu    sync.Mutex
	kinds []string
}

func (f *failures) add(kind string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.kinds = append(f.kinds, kind)
}

func (f *failures) get() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.kinds...)
}

// A whole $batch answered 424 (a throttled member), 429 with a fractional
// Retry-After or 503 is split into single requests after the wait; the
// diagnosis is complete and nothing reads as a permissions problem.
func TestBatchAnsweredAsWhole(t *testing.T) {
	tests := []struct {
		name    string
		fault   graphtest.Fault
		minWait time.Duration
	}{
		{"424 failed dependency", graphtest.Fault{Status: 424, Code: "FailedDependency", Times: 1}, 0},
		{"429 with a fractional Retry-After", graphtest.Fault{Status: 429, Code: "TooManyRequests", RetryAfterText: "2.128", Times: 1}, 2128 * time.Millisecond},
		{"503", graphtest.Fault{Status: 503, Code: "ServiceUnavailable", RetryAfter: 1, Times: 1}, time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				tenant := loadTenant(t, "scenarios/p11-non-interactive.json")
				srv := graphtest.NewInMemory(t, tenant, graphtest.WithFault("batch", tt.fault))
				var f failures
				c := newClient(t, srv, nil, func(cfg *graph.Config) { cfg.OnFailure = f.add })
				start := time.Now()
				snap, err := c.Snapshot(t.Context(), week("megan@contoso.com"))
				if err != nil {
					t.Fatal(err)
				}
				if len(snap.Warnings) != 0 || len(snap.SignIns) != 4 || !snap.PoliciesRead || !snap.MembershipsRead {
					t.Errorf("warnings %v, %d sign-ins, policies %v, memberships %v", warnings(snap), len(snap.SignIns), snap.PoliciesRead, snap.MembershipsRead)
				}
				if got := time.Since(start); got < tt.minWait {
					t.Errorf("answered after %s, want at least the %s Retry-After", got, tt.minWait)
				}
				if got := statuses(srv, "/v1.0/$batch"); !cmp.Equal(got, []int{tt.fault.Status}) {
					t.Errorf("$batch statuses = %v, want one %d, then single requests", got, tt.fault.Status)
				}
				if got := f.get(); len(got) != 0 {
					t.Errorf("OnFailure(%v) for a batch that was split and read", got)
				}
			})
		})
	}
}

// A sign-in page after the first that cannot be read after its retries
// makes the snapshot incomplete: a partial_sign_ins warning, the flag the
// engine reads to never say healthy, and one "incomplete" failure.
func TestLostPage(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := graphtest.NewInMemory(t, pagedTenant(60), graphtest.WithPageSize(50),
			graphtest.WithFault("signInsNextPage", graphtest.Fault{Status: 500, Code: "UnknownError", Times: -1}))
		var f failures
		c := newClient(t, srv, nil, func(cfg *graph.Config) { cfg.OnFailure = f.add })
		snap, err := c.Snapshot(t.Context(), week("lee@contoso.com"))
		if err != nil {
			t.Fatal(err)
		}
		if !snap.SignInsRead || !snap.SignInsIncomplete || len(snap.SignIns) != 50 {
			t.Errorf("read %v, incomplete %v, %d sign-ins; want the first page and the flag", snap.SignInsRead, snap.SignInsIncomplete, len(snap.SignIns))
		}
		if d := cmp.Diff([]warn{{"partial_sign_ins", "unavailable"}}, warnings(snap)); d != "" {
			t.Errorf("warnings (-want +got):\n%s", d)
		}
		if d := cmp.Diff([]string{graph.KindIncomplete}, f.get()); d != "" {
			t.Errorf("OnFailure kinds (-want +got):\n%s", d)
		}
	})
}

// roundTripFunc is a transport made of a function.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func answer(status int, body string) roundTripFunc {
	return func(r *http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: status, Header: http.Header{"Content-Type": {"application/json"}},
			Body: io.NopCloser(strings.NewReader(body)), Request: r}, nil
	}
}

func fail(err error) roundTripFunc {
	return func(*http.Request) (*http.Response, error) { return nil, err }
}

// failureCases make every remote call fail in one way.
var failureCases = []struct {
	name string
	rt   http.RoundTripper
	is   error  // the sentinel the error matches
	kind string // FailureKind
}{
	{"401 token rejected", answer(401, `{"error":{"code":"InvalidAuthenticationToken","message":"Access token validation failure. Invalid audience."}}`), graph.ErrCredentials, graph.KindRejected},
	{"403 permission missing", answer(403, `{"error":{"code":"Authorization_RequestDenied","message":"Insufficient privileges to complete the operation."}}`), graph.ErrDenied, graph.KindDenied},
	{"500 for good", answer(500, `{"error":{"code":"UnknownError","message":""}}`), graph.ErrUnreachable, graph.KindUnreachable},
	{"DNS", fail(&net.DNSError{Err: "no such host", Name: "graph.microsoft.com", IsNotFound: true}), graph.ErrUnreachable, graph.KindUnreachable},
	{"connection refused", fail(&net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connect: connection refused")}), graph.ErrUnreachable, graph.KindUnreachable},
	{"proxy", fail(errors.New("proxyconnect tcp: dial tcp 10.0.0.1:3128: i/o timeout")), graph.ErrUnreachable, graph.KindUnreachable},
	{"TLS", fail(errors.New("tls: failed to verify certificate: x509: certificate signed by unknown authority")), graph.ErrUnreachable, graph.KindUnreachable},
	{"decode error", answer(200, `<html>Sign in to your proxy</html>`), nil, ""},
	{"throttled out", answer(429, `{"error":{"code":"TooManyRequests","message":"Too many requests."}}`), graph.ErrThrottled, graph.KindThrottled},
}

// Errors say what failed: a network problem is never "credentials
// rejected", 401 is not 403, and a body that cannot be decoded is not
// "unreachable".
func TestFailureKinds(t *testing.T) {
	for _, tt := range failureCases {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var f failures
				c, err := graph.New(graph.Config{Token: testToken, HTTPClient: &http.Client{Transport: tt.rt}, OnFailure: f.add}, nil, nil)
				if err != nil {
					t.Fatal(err)
				}
				_, err = c.Snapshot(t.Context(), week("adele@contoso.com"))
				if err == nil {
					t.Fatal("Snapshot: nil error, want one")
				}
				for _, s := range []error{graph.ErrCredentials, graph.ErrDenied, graph.ErrUnreachable, graph.ErrThrottled} {
					if got, want := errors.Is(err, s), s == tt.is; got != want {
						t.Errorf("errors.Is(%v, %v) = %v, want %v", err, s, got, want)
					}
				}
				if got := graph.FailureKind(err); got != tt.kind {
					t.Errorf("FailureKind(%v) = %q, want %q", err, got, tt.kind)
				}
				want := []string(nil)
				if tt.kind != "" {
					want = []string{tt.kind}
				}
				if d := cmp.Diff(want, f.get()); d != "" {
					t.Errorf("OnFailure kinds (-want +got):\n%s", d)
				}
			})
		})
	}
}

// No token or other secret reaches an error or a log line, whatever fails.
func TestNoSecretLeaks(t *testing.T) {
	for _, tt := range failureCases {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var logs bytes.Buffer
				logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
				cfg := graph.Config{Token: testToken, HTTPClient: &http.Client{Transport: tt.rt}}
				c, err := graph.New(cfg, nil, logger)
				if err != nil {
					t.Fatal(err)
				}
				logger.Info("graph configured", slog.Any("config", cfg), slog.Any("token", cfg.Token))
				_, err = c.Snapshot(t.Context(), week("conor.o'brien@contoso.com"))
				if err == nil {
					t.Fatal("Snapshot: nil error, want one")
				}
				checkNoSecrets(t, err.Error())
				for _, s := range []string{fmt.Sprintf("%v", cfg), fmt.Sprintf("%+v", cfg), fmt.Sprintf("%#v", cfg), logs.String()} {
					if strings.Contains(s, testToken) || strings.Contains(s, "Bearer") {
						t.Errorf("the token leaked into %q", s)
					}
				}
			})
		})
	}
}

// Forty checks of twenty accounts at once against a Graph that allows five
// sign-in reads per ten seconds: every check is answered with its sign-ins,
// each account's sign-ins are read once, and Graph throttles nothing.
func TestBurst(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tenant := &graphtest.Tenant{}
		for i := range 20 {
			id := fmt.Sprintf("0b000000-0000-4000-8000-%012d", i)
			upn := fmt.Sprintf("user%02d@contoso.com", i)
			tenant.Users = append(tenant.Users, map[string]any{"id": id, "userPrincipalName": upn, "accountEnabled": true, "userType": "Member"})
			tenant.SignIns = append(tenant.SignIns, map[string]any{"id": "s-" + id, "createdDateTime": "-5", "userId": id,
				"userPrincipalName": upn, "appId": "c44b4083-3bb0-49c1-b47d-974e53cbdf3c", "isInteractive": true,
				"status": map[string]any{"errorCode": 50126}, "signInEventTypes": []any{"interactiveUser"}})
		}
		srv := graphtest.NewInMemory(t, tenant, graphtest.WithSignInLimit(5, 10*time.Second), graphtest.WithLatency(800*time.Millisecond))
		cache := newMemCache()
		c := newClient(t, srv, cache, func(cfg *graph.Config) { cfg.Timeout = 20 * time.Second })
		var (
			wg       sync.WaitGroup
			mu       sync.Mutex
			progress int
		)
		start := time.Now()
		for i := range 40 {
			upn := fmt.Sprintf("user%02d@contoso.com", i%20)
			wg.Go(func() {
				ctx := diagnosis.WithProgress(t.Context(), func(diagnosis.Progress) { mu.Lock(); progress++; mu.Unlock() })
				snap, err := c.Snapshot(ctx, week(upn))
				if err != nil {
					t.Errorf("Snapshot(%s): %v", upn, err)
					return
				}
				if len(snap.Warnings) != 0 || len(snap.SignIns) != 1 || snap.SignIns[0].UserPrincipalName != upn {
					t.Errorf("Snapshot(%s): warnings %v, %d sign-ins", upn, warnings(snap), len(snap.SignIns))
				}
			})
		}
		wg.Wait()
		for i := range 20 {
			id := fmt.Sprintf("0b000000-0000-4000-8000-%012d", i)
			if n := srv.SignInReads(id); n != 1 {
				t.Errorf("account %d: %d sign-in reads, want 1", i, n)
			}
		}
		if n := srv.Throttled(); n != 0 {
			t.Errorf("Graph answered 429 %d times, want none", n)
		}
		if progress == 0 {
			t.Errorf("no check was told it waits, though the last ones wait about 30 s")
		}
		t.Logf("40 checks of 20 accounts: %s on the fake clock, %d round trips, %d progress reports", time.Since(start), srv.RoundTrips(), progress)
	})
}

// Two replicas sharing a cache read an account's sign-ins once between
// them: the second waits for the first one's cached read.
func TestCoalesceAcrossReplicas(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tenant := loadTenant(t, "scenarios/p11-non-interactive.json")
		srv := graphtest.NewInMemory(t, tenant, graphtest.WithLatency(2*time.Second))
		cache := newMemCache()
		a, b := newClient(t, srv, cache), newClient(t, srv, cache)
		id := tenant.UserID("megan@contoso.com")
		var wg sync.WaitGroup
		for _, c := range []*graph.Client{a, b} {
			wg.Go(func() {
				snap, err := c.Snapshot(t.Context(), week(id))
				if err != nil || len(snap.SignIns) != 4 {
					t.Errorf("Snapshot: %d sign-ins, %v", len(snap.SignIns), err)
				}
			})
		}
		wg.Wait()
		if n := srv.SignInReads(id); n != 1 {
			t.Errorf("%d sign-in reads, want 1 for two replicas", n)
		}
	})
}

// Where Graph refuses the one-query filter, the client reads both logs, and
// does not try the refused form again.
func TestCombinedFilterRefused(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tenant := loadTenant(t, "scenarios/p11-non-interactive.json")
		srv := graphtest.NewInMemory(t, tenant, graphtest.WithoutCombinedSignInFilter())
		c := newClient(t, srv, nil)
		for run := range 2 {
			srv.Reset()
			time.Sleep(time.Minute) // past the shared read's life
			snap, err := c.Snapshot(t.Context(), week("megan@contoso.com"))
			if err != nil || len(snap.Warnings) != 0 || len(snap.SignIns) != 4 {
				t.Fatalf("run %d: %d sign-ins, warnings %v, %v", run, len(snap.SignIns), warnings(snap), err)
			}
			var refused int
			for _, r := range srv.Requests() {
				if strings.HasSuffix(r.Path, "/auditLogs/signIns") && r.Status == http.StatusBadRequest {
					refused++
				}
			}
			if want := map[int]int{0: 1, 1: 0}[run]; refused != want {
				t.Errorf("run %d: %d refused sign-in queries, want %d", run, refused, want)
			}
		}
	})
}

// Policies answers policy questions without touching the sign-in log, and
// from the cache the second time.
func TestPolicySource(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tenant := loadTenant(t, "tenants/documented.json")
		srv := graphtest.NewInMemory(t, tenant)
		var src diagnosis.PolicySource = newClient(t, srv, newMemCache())
		snap, err := src.Policies(t.Context())
		if err != nil || !snap.PoliciesRead || len(snap.Policies) != len(tenant.Policies) || snap.SecurityDefaults == nil {
			t.Fatalf("Policies = read %v, %d policies, defaults %v, %v", snap.PoliciesRead, len(snap.Policies), snap.SecurityDefaults, err)
		}
		for _, r := range srv.Requests() {
			if strings.Contains(r.Path, "signIns") {
				t.Errorf("Policies read %s", r.Path)
			}
		}
		srv.Reset()
		if snap, err := src.Policies(t.Context()); err != nil || len(snap.Policies) != len(tenant.Policies) || srv.RoundTrips() != 0 {
			t.Errorf("cached Policies = %d policies, %d round trips, %v", len(snap.Policies), srv.RoundTrips(), err)
		}
	})
}

// Security defaults and the per-user MFA state are extra evidence: a
// missing permission is a warning that names it, another failure nothing
// the requester sees; neither fails the diagnosis.
func TestOptionalReads(t *testing.T) {
	denied := graphtest.Fault{Status: 403, Code: "Authorization_RequestDenied", Message: "Insufficient privileges to complete the operation.", Times: -1}
	tests := []struct {
		name     string
		endpoint string
		fault    graphtest.Fault
		want     []warn
		perm     string
	}{
		{"security defaults denied", "securityDefaults", denied, []warn{{"policies_unavailable", "permission_missing"}}, "Policy.Read.All"},
		{"per-user MFA denied", "requirements", denied, []warn{{"policies_unavailable", "permission_missing"}}, "UserAuthenticationMethod.Read.All"},
		{"per-user MFA not served", "requirements", graphtest.Fault{Status: 404, Code: "Request_UnsupportedQuery", Times: -1}, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				srv := graphtest.NewInMemory(t, loadTenant(t, "tenants/documented.json"), graphtest.WithFault(tt.endpoint, tt.fault))
				snap, err := newClient(t, srv, nil).Snapshot(t.Context(), week("megan@contoso.com"))
				if err != nil || snap.User == nil || !snap.SignInsRead {
					t.Fatalf("Snapshot = user %v, sign-ins read %v, %v", snap.User, snap.SignInsRead, err)
				}
				if d := cmp.Diff(tt.want, warnings(snap)); d != "" {
					t.Errorf("warnings (-want +got):\n%s", d)
				}
				if tt.perm != "" && snap.Warnings[0].Args["permission"] != tt.perm {
					t.Errorf("permission = %q, want %q", snap.Warnings[0].Args["permission"], tt.perm)
				}
			})
		})
	}
}

// A check that must wait for the tenant's budget waits, tells the
// requester, and is not failed for it, even when the wait is longer than
// the time budget of one diagnosis.
func TestBudgetWaitIsNotAFailure(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tenant := loadTenant(t, "scenarios/p11-non-interactive.json")
		srv := graphtest.NewInMemory(t, tenant)
		full := &fixedBudget{wait: 45 * time.Second}
		c := newClient(t, srv, nil, func(cfg *graph.Config) { cfg.Budget = full; cfg.Timeout = 20 * time.Second })
		var got []diagnosis.Progress
		ctx := diagnosis.WithProgress(t.Context(), func(p diagnosis.Progress) { got = append(got, p) })
		id := tenant.UserID("megan@contoso.com")
		start := time.Now()
		snap, err := c.Snapshot(ctx, week(id))
		if err != nil || len(snap.Warnings) != 0 || len(snap.SignIns) != 4 {
			t.Fatalf("Snapshot = %d sign-ins, warnings %v, %v", len(snap.SignIns), warnings(snap), err)
		}
		if waited := time.Since(start); waited < 45*time.Second {
			t.Errorf("answered after %s, want after the 45 s wait", waited)
		}
		if len(got) == 0 || got[0].Wait != 45*time.Second || got[0].Ahead != 22 {
			t.Errorf("progress = %+v, want a 45 s wait with 22 reads ahead", got)
		}
	})
}

// fixedBudget makes the first sign-in read wait; the rest go at once.
type fixedBudget struct {
	mu   sync.Mutex
	wait time.Duration
}

func (b *fixedBudget) Reserve(_ context.Context, key string, _ int, _ time.Duration) (time.Duration, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !strings.HasSuffix(key, "signIns") {
		return 0, nil
	}
	w := b.wait
	b.wait = 0
	return w, nil
}

package diagnosis_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/onboard-check/onboard-check/diagnosis"
	"github.com/onboard-check/onboard-check/diagnosis/demo"
)

// testNow is the fixed clock of the engine tests.
var testNow = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

func newEngine(t testing.TB) *diagnosis.Engine {
	t.Helper()
	e, err := diagnosis.NewEngine(func() time.Time { return testNow })
	if err != nil {
		t.Fatalf("NewEngine: %v", err)
	}
	return e
}

// queryFor turns a scenario's expectation into a query, reading the
// `bot check` flags it may carry.
func queryFor(t *testing.T, x demo.Expect) diagnosis.Query {
	t.Helper()
	q := diagnosis.Query{User: x.User}
	for i := 0; i < len(x.Args); i++ {
		a := x.Args[i]
		name, val, ok := strings.Cut(a, "=")
		if !ok && i+1 < len(x.Args) {
			val = x.Args[i+1]
			i++
		}
		switch strings.TrimLeft(name, "-") {
		case "app":
			q.App = val
		case "since":
			d, err := diagnosis.ParseWindow(val)
			if err != nil {
				t.Fatalf("scenario args: %v", err)
			}
			q.Since = testNow.Add(-d)
		}
	}
	return q
}

// TestScenarios runs every example tenant and asserts its expectation.
func TestScenarios(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "scenarios", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no scenarios found: %v", err)
	}
	e := newEngine(t)
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".json"), func(t *testing.T) {
			t.Parallel()
			b, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			tenant, err := demo.Parse(b, testNow)
			if err != nil {
				t.Fatal(err)
			}
			x := tenant.Expect
			for _, lang := range diagnosis.Languages() {
				d, _, err := e.Run(t.Context(), tenant, queryFor(t, x), lang)
				if err != nil {
					t.Fatalf("Run: %v", err)
				}
				checkExpect(t, tenant, x, d)
			}
		})
	}
}

func checkExpect(t *testing.T, tenant *demo.Tenant, x demo.Expect, d diagnosis.Diagnosis) {
	t.Helper()
	if string(d.Verdict) != x.Verdict {
		t.Errorf("verdict = %s, want %s (findings %v)", d.Verdict, x.Verdict, codes(d))
	}
	for _, c := range x.Findings {
		if !slices.ContainsFunc(d.Findings, func(f diagnosis.Finding) bool { return string(f.Code) == c && !f.Resolved }) {
			t.Errorf("no unresolved %s finding; have %v", c, codes(d))
		}
	}
	for _, c := range x.Resolved {
		if !slices.ContainsFunc(d.Findings, func(f diagnosis.Finding) bool { return string(f.Code) == c && f.Resolved }) {
			t.Errorf("no resolved %s finding; have %v", c, codes(d))
		}
	}
	for _, c := range x.Absent {
		if slices.ContainsFunc(d.Findings, func(f diagnosis.Finding) bool { return string(f.Code) == c }) {
			t.Errorf("finding %s present; want absent", c)
		}
	}
	named := map[string]bool{}
	for _, f := range d.Findings {
		for _, p := range f.Policies {
			named[p.ID] = true
		}
	}
	for _, id := range x.Policies {
		if !named[id] {
			t.Errorf("no finding names policy %s; named %v", id, named)
		}
	}
	for _, id := range x.AbsentPolicies {
		if named[id] {
			t.Errorf("a finding names policy %s; want it absent", id)
		}
	}
	for _, w := range x.Warnings {
		if !slices.ContainsFunc(d.Warnings, func(have diagnosis.Warning) bool { return string(have.Code) == w }) {
			t.Errorf("no warning %s; have %v", w, d.Warnings)
		}
	}
	for _, f := range d.Findings {
		if f.Title == "" || len(f.Remediation) == 0 {
			t.Errorf("finding %s has no title or remediation", f.Code)
		}
		for _, s := range f.SignIns {
			if d.User == nil {
				t.Errorf("finding %s quotes sign-in %s for a user that does not exist", f.Code, s.ID)
			}
		}
	}
	if d.User != nil {
		checkOwnSignIns(t, tenant, d)
	}
}

// checkOwnSignIns fails when a finding quotes another user's sign-in.
func checkOwnSignIns(t *testing.T, tenant *demo.Tenant, d diagnosis.Diagnosis) {
	t.Helper()
	snap, err := tenant.Snapshot(t.Context(), diagnosis.Query{User: d.User.ID})
	if err != nil {
		t.Fatal(err)
	}
	own := map[string]bool{}
	for _, s := range snap.SignIns {
		own[s.ID] = true
	}
	for _, f := range d.Findings {
		for _, s := range f.SignIns {
			if !own[s.ID] {
				t.Errorf("finding %s quotes sign-in %s, which is not %s's", f.Code, s.ID, d.User.UserPrincipalName)
			}
		}
	}
}

func codes(d diagnosis.Diagnosis) []string {
	var out []string
	for _, f := range d.Findings {
		s := string(f.Code)
		if f.Resolved {
			s += "(resolved)"
		}
		out = append(out, s)
	}
	return out
}

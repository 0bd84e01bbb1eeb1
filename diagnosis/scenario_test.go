package diagnosis_test

import (
	"os"
	"path/filepath"
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
		name, _ := filepath.Rel(filepath.Join("testdata", "scenarios"), file)
		t.Run(strings.TrimSuffix(name, ".json"), func(t *testing.T) {
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
	for _, p := range x.Problems(d) {
		t.Errorf("%s (findings %v)", p, codes(d))
	}
	for _, f := range d.Findings {
		if f.Title == "" || len(f.Remediation) == 0 {
			t.Errorf("finding %s has no title or remediation", f.Code)
		}
		if d.User == nil && len(f.SignIns) > 0 {
			t.Errorf("finding %s quotes sign-ins for a user that does not exist", f.Code)
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

package demo_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/onboard-check/onboard-check/diagnosis"
	"github.com/onboard-check/onboard-check/diagnosis/demo"
)

// FuzzParse feeds tenant files (Graph-shaped JSON) through the decoder and
// the engine: neither may panic, whatever the JSON holds.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("..", "testdata", "scenarios", "*.json"))
	for _, file := range files {
		if b, err := os.ReadFile(file); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`{"users":[{"id":"u","userPrincipalName":"a@b.c","memberOf":["g"]}],"signIns":[{"userId":"u","createdDateTime":"-1","status":{"errorCode":53003},"appliedConditionalAccessPolicies":[{"id":"p","result":"failure","enforcedGrantControls":["Block"]}]}]}`))
	e, err := diagnosis.NewEngine(func() time.Time { return now })
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		tenant, err := demo.Parse(b, now)
		if err != nil {
			return
		}
		for _, u := range tenant.Users() {
			snap, err := tenant.Snapshot(t.Context(), diagnosis.Query{User: u.ID})
			if err != nil {
				return
			}
			d := e.Diagnose(snap, diagnosis.Query{User: u.UserPrincipalName}, "en")
			if d.Verdict == "" || d.Findings == nil {
				t.Errorf("diagnosis of %q has no verdict or findings", u.ID)
			}
		}
	})
}

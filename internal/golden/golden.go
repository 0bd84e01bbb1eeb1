package golden

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// Now is the fixed clock of every golden test: 2026-11-28 14:01 UTC. The
// sample tenant's sign-ins and the default window are relative to it, so
// golden files can keep the times a reader sees.
func Now() time.Time { return time.Date(2026, 11, 28, 14, 1, 0, 0, time.UTC) }

// stamps matches RFC 3339 times and the renderers' "2006-01-02 15:04 UTC".
var stamps = regexp.MustCompile(`\d{4}-\d\d-\d\d( |T)\d\d:\d\d(:\d\d(\.\d+)?Z)?( UTC)?`)

// Mask replaces the times in b with TIME.
func Mask(b []byte) []byte { return stamps.ReplaceAll(b, []byte("TIME")) }

// Check compares got, with its times masked, to the file at path; with
// update it writes the file instead. Diffs are reported as test errors.
func Check(t testing.TB, path string, got []byte, update bool) {
	t.Helper()
	got = Mask(got)
	if update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run the test with -update to create it)", err)
	}
	if d := cmp.Diff(string(want), string(got)); d != "" {
		t.Errorf("%s differs (-want +got):\n%s", path, d)
	}
}

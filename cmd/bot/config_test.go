package main

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestEverySettingIsKnownAndDocumented: every variable this package reads
// may stand in the ONBOARD_CONFIG file, and the README's configuration
// table names it.
func TestEverySettingIsKnownAndDocumented(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	read := regexp.MustCompile(`\b(?:get|getenv|list|flag)\("([A-Z][A-Z0-9_]+)"`)
	seen := map[string]bool{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range read.FindAllStringSubmatch(string(src), -1) {
			seen[m[1]] = true
		}
	}
	if len(seen) < 20 {
		t.Fatalf("found only %d variables read: the pattern no longer matches the code", len(seen))
	}
	for v := range seen {
		if v == "ONBOARD_CONFIG" {
			continue // names the file itself
		}
		if !slices.Contains(settings, v) {
			t.Errorf("%s is read but not among the settings a config file may hold", v)
		}
		if !strings.Contains(string(readme), "`"+v+"`") {
			t.Errorf("%s is read but the README does not document it", v)
		}
	}
}

// TestSurfaceSettings: the settings of the chat surfaces reach their
// configs, from the environment and from the file.
func TestSurfaceSettings(t *testing.T) {
	t.Parallel()
	e := env{getenv: environ(map[string]string{"ONBOARD_SLACK_TEAMS": "T0001, E0002", "ONBOARD_TEAMS_ALLOW_EMULATOR": "true"})}
	e.file.Settings = map[string]string{"ONBOARD_TEAMS_TENANTS": "t-1,t-2", "ONBOARD_SLACK_TEAMS": "T-file"}
	if got := slackConfig(e).Teams; !cmp.Equal(got, []string{"T0001", "E0002"}) {
		t.Errorf("slack Teams = %q; the environment wins", got)
	}
	var problems []string
	c := teamsConfig(e, &problems)
	if !cmp.Equal(c.Tenants, []string{"t-1", "t-2"}) || !c.AllowEmulator || len(problems) > 0 {
		t.Errorf("teams Tenants %q AllowEmulator %v problems %q", c.Tenants, c.AllowEmulator, problems)
	}
	e = env{getenv: environ(map[string]string{"ONBOARD_TEAMS_ALLOW_EMULATOR": "sure"})}
	if teamsConfig(e, &problems); len(problems) != 1 || !strings.Contains(problems[0], "ONBOARD_TEAMS_ALLOW_EMULATOR") {
		t.Errorf("problems %q; want one naming ONBOARD_TEAMS_ALLOW_EMULATOR", problems)
	}
	code, _, stderr := runBot(t, map[string]string{"SLACK_BOT_TOKEN": "xoxb-1-2-t", "SLACK_SIGNING_SECRET": "s", "ONBOARD_SLACK_TEAMS": "not-a-team"}, "serve")
	if code != exitUsage || !strings.Contains(stderr, "ONBOARD_SLACK_TEAMS") {
		t.Errorf("a bad team id: exit %d stderr %q", code, stderr)
	}
}

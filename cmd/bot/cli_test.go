package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/onboard-check/onboard-check/store"
)

// TestHelp: every command prints its usage with every flag on stdout and
// exits 0.
func TestHelp(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		args []string
		want []string
	}{
		{[]string{"--help"}, []string{"bot check", "bot whatif", "bot explain", "bot audit", "bot serve", "bot version"}},
		{[]string{"-h"}, []string{"bot check"}},
		{[]string{"help"}, []string{"bot check"}},
		{[]string{"check", "--help"}, []string{"-app", "-since", "-output", "-lang", "-demo"}},
		{[]string{"check", "adele@contoso.com", "-h"}, []string{"-app", "-since", "-output", "-lang", "-demo"}},
		{[]string{"serve", "--help"}, []string{"ONBOARD_LISTEN", "ONBOARD_METRICS_LISTEN", "ONBOARD_CONFIG"}},
		{[]string{"audit", "--help"}, []string{"-since", "-requester", "-user", "-limit", "-output", "ONBOARD_REDIS_URL"}},
		{[]string{"explain", "--help"}, []string{"-output", "-lang", "CODE"}},
		{[]string{"whatif", "--help"}, []string{"-output", "-lang", "-demo", "app=", "platform=", "location=", "client="}},
	} {
		code, stdout, stderr := runBot(t, nil, tt.args...)
		if code != exitOK || stderr != "" {
			t.Errorf("%q: exit %d stderr %q; want 0 and nothing on stderr", tt.args, code, stderr)
		}
		for _, w := range tt.want {
			if !strings.Contains(stdout, w) {
				t.Errorf("%q: usage lacks %s:\n%s", tt.args, w, stdout)
			}
		}
	}
	if code, _, stderr := runBot(t, nil, "serve", "now"); code != exitUsage || !strings.Contains(stderr, "takes no arguments") {
		t.Errorf("serve now: exit %d stderr %q", code, stderr)
	}
}

func TestExplain(t *testing.T) {
	t.Parallel()
	code, stdout, stderr := runBot(t, nil, "explain", "AADSTS53003")
	if code != exitOK || !strings.Contains(stdout, "BlockedByConditionalAccess") || !strings.Contains(stdout, "code=53003") {
		t.Errorf("explain AADSTS53003: exit %d stdout %q stderr %q", code, stdout, stderr)
	}
	code, stdout, _ = runBot(t, nil, "explain", "--lang", "nl", "53003")
	if code != exitOK || stdout == "" {
		t.Errorf("explain --lang nl: exit %d", code)
	}
	code, stdout, _ = runBot(t, nil, "explain", "--output", "json", "50076")
	var x explainJSON
	if err := json.Unmarshal([]byte(stdout), &x); code != exitOK || err != nil || x.Code != 50076 || x.Finding != "ca_mfa_required" || len(x.Remediation) == 0 {
		t.Errorf("explain --output json: exit %d %+v %v", code, x, err)
	}
	for _, args := range [][]string{{"explain"}, {"explain", "soon"}, {"explain", "1", "2"}, {"explain", "--output", "xml", "53003"}, {"explain", "--lang", "de", "53003"}} {
		if code, stdout, stderr := runBot(t, nil, args...); code != exitUsage || stdout != "" || stderr == "" {
			t.Errorf("%q: exit %d stdout %q stderr %q; want 2 and a line on stderr", args, code, stdout, stderr)
		}
	}
}

func TestWhatIf(t *testing.T) {
	t.Parallel()
	code, stdout, stderr := runBot(t, nil, "whatif", "--demo", "adele@contoso.com", "app=azure-portal", "platform=windows", "location=NL")
	if code != exitOK || !strings.Contains(stdout, "CA015") || !strings.Contains(stdout, "Azure Portal") {
		t.Errorf("whatif: exit %d stdout %q stderr %q", code, stdout, stderr)
	}
	code, stdout, _ = runBot(t, nil, "whatif", "--output", "json", "--demo", "adele@contoso.com", "location=10.0.0.1")
	var views []whatIfJSON
	if err := json.Unmarshal([]byte(stdout), &views); code != exitOK || err != nil || len(views) == 0 || views[0].Match != "yes" {
		t.Errorf("whatif --output json: exit %d %+v %v", code, views, err)
	}
	for _, args := range [][]string{
		{"whatif", "--demo"},
		{"whatif", "--demo", "adele"},
		{"whatif", "--demo", "<@U024BE7LH>"},
		{"whatif", "--demo", "adele@contoso.com", "colour=red"},
		{"whatif", "--demo", "adele@contoso.com", "platform=amiga"},
		{"whatif", "--demo", "adele@contoso.com", "location=Amsterdam"},
		{"whatif", "--demo", "adele@contoso.com", "app=flight-simulator"},
	} {
		if code, stdout, stderr := runBot(t, nil, args...); code != exitUsage || stdout != "" || strings.Count(stderr, "\n") < 1 {
			t.Errorf("%q: exit %d stdout %q stderr %q; want 2", args, code, stdout, stderr)
		}
	}
	if code, _, stderr := runBot(t, nil, "whatif", "adele@contoso.com"); code != exitFail || !strings.Contains(stderr, "--demo") {
		t.Errorf("whatif without Graph: exit %d stderr %q", code, stderr)
	}
}

func TestAuditWithoutRedis(t *testing.T) {
	t.Parallel()
	code, stdout, stderr := runBot(t, nil, "audit")
	if code != exitFail || stdout != "" || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, "ONBOARD_REDIS_URL") {
		t.Errorf("audit without Redis: exit %d stdout %q stderr %q; want 1 and one line naming ONBOARD_REDIS_URL", code, stdout, stderr)
	}
	for _, args := range [][]string{
		{"audit", "--since", "soon"},
		{"audit", "--since", "-3h"},
		{"audit", "--output", "csv"},
		{"audit", "--limit", "0"},
		{"audit", "--bogus"},
		{"audit", "everything"},
	} {
		if code, _, stderr := runBot(t, nil, args...); code != exitUsage || stderr == "" {
			t.Errorf("%q: exit %d stderr %q; want 2", args, code, stderr)
		}
	}
}

// TestAudit reads entries serve wrote to Redis, filtered as asked.
func TestAudit(t *testing.T) {
	url := testRedisURL(t)
	rc, err := store.OpenRedis(url)
	if err != nil {
		t.Fatal(err)
	}
	st := store.NewRedis(rc)
	defer st.Close()
	// Requester ids of this run only, so that other entries in the shared
	// database do not matter.
	run := "U" + strings.ToUpper(strings.ReplaceAll(time.Now().Format("150405.000000"), ".", ""))
	now := time.Now().UTC().Truncate(time.Second)
	for _, e := range []store.AuditEntry{
		{Time: now.Add(-48 * time.Hour), Surface: "slack", Requester: run, Conversation: "C1", Action: "check", Target: "old@contoso.com", Verdict: "healthy"},
		{Time: now.Add(-2 * time.Hour), Surface: "slack", Requester: run, Conversation: "C1", Action: "check", Target: "adele@contoso.com", Verdict: "blocked"},
		{Time: now.Add(-time.Hour), Surface: "teams", Requester: run + "X", Conversation: "19:a@thread.tacv2", Action: "check", Target: "megan@contoso.com", Verdict: "at_risk"},
		{Time: now.Add(-time.Minute), Surface: "slack", Requester: run, Conversation: "C2", Action: "details", Target: "megan@contoso.com", Refusal: "not_allowed"},
	} {
		if err := st.Append(context.Background(), e); err != nil {
			t.Fatal(err)
		}
	}
	env := map[string]string{"ONBOARD_REDIS_URL": url}
	code, stdout, stderr := runBot(t, env, "audit", "--requester", run, "--output", "json")
	var lines []auditLine
	if err := json.Unmarshal([]byte(stdout), &lines); code != exitOK || err != nil {
		t.Fatalf("audit --output json: exit %d %v stderr %q", code, err, stderr)
	}
	if len(lines) != 2 || lines[0].Target != "megan@contoso.com" || lines[0].Refusal != "not_allowed" || lines[0].Action != "details" ||
		lines[1].Target != "adele@contoso.com" || lines[1].Conversation != "C1" || lines[1].Verdict != "blocked" {
		t.Errorf("audit --requester %s (24h) = %+v; want megan then adele", run, lines)
	}
	_, stdout, _ = runBot(t, env, "audit", "--requester", run, "--since", "3d", "--user", "OLD@contoso.com", "--output", "json")
	if err := json.Unmarshal([]byte(stdout), &lines); err != nil || len(lines) != 1 || lines[0].Verdict != "healthy" {
		t.Errorf("audit --since 3d --user old = %+v", lines)
	}
	code, stdout, _ = runBot(t, env, "audit", "--requester", run, "--limit", "1")
	if code != exitOK || !strings.HasPrefix(stdout, "TIME") || strings.Count(stdout, "\n") != 2 || !strings.Contains(stdout, "refused: not_allowed") {
		t.Errorf("audit --limit 1 (text) = %q", stdout)
	}
	_, stdout, _ = runBot(t, env, "audit", "--requester", "U-nobody-"+run, "--output", "json")
	if strings.TrimSpace(stdout) != "[]" {
		t.Errorf("no entries: %q, want []", stdout)
	}
}

// testRedisURL is the test Redis, or skips when none answers (outside CI).
func testRedisURL(t *testing.T) string {
	t.Helper()
	url := os.Getenv("ONBOARD_TEST_REDIS_URL")
	if url == "" {
		url = "redis://127.0.0.1:6379/15"
	}
	if !redisAnswers(t, url) {
		if os.Getenv("CI") == "true" {
			t.Fatalf("no Redis at %s", url)
		}
		t.Skipf("no Redis at %s", url)
	}
	return url
}

func TestReadVersion(t *testing.T) {
	t.Parallel()
	info := &debug.BuildInfo{Main: debug.Module{Path: module, Version: "v1.2.0"}, Settings: []debug.BuildSetting{
		{Key: "vcs.revision", Value: "4e02559a1b2c3d4e5f60718293a4b5c6d7e8f901"}, {Key: "vcs.modified", Value: "true"}}}
	for _, tt := range []struct {
		name    string
		info    *debug.BuildInfo
		ldflags string
		want    string
	}{
		{"build info", info, "", "v1.2.0 commit 4e02559a1b2c (modified)"},
		{"ldflags win", info, "v1.4.0", "v1.4.0 commit 4e02559a1b2c (modified)"},
		{"a checkout", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "abc"}, {Key: "vcs.modified", Value: "false"}}}, "", "(devel) commit abc"},
		{"no build info", nil, "", "(devel)"},
		{"no build info, ldflags", nil, "v2.0.0", "v2.0.0"},
	} {
		if got := readVersion(tt.info, tt.ldflags).String(); got != tt.want {
			t.Errorf("%s: readVersion = %q, want %q", tt.name, got, tt.want)
		}
	}
}

// TestVersionOfABuiltBinary builds bot as a release would and as go build
// in a checkout does.
func TestVersionOfABuiltBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	t.Parallel()
	bin := filepath.Join(t.TempDir(), "bot")
	out, err := exec.Command("go", "build", "-buildvcs=auto", "-o", bin, "-ldflags", "-X main.version=v9.9.9-test", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err = exec.Command(bin, "version").CombinedOutput()
	if err != nil {
		t.Fatalf("bot version: %v\n%s", err, out)
	}
	got := string(out)
	if !strings.HasPrefix(got, "onboard-check v9.9.9-test") {
		t.Errorf("bot version = %q, want the -ldflags version", got)
	}
	// go build stamps the revision in a git clone (a .git directory; not
	// in a git worktree, whose .git is a file).
	if fi, err := os.Stat(filepath.Join("..", "..", ".git")); err == nil && fi.IsDir() && !strings.Contains(got, " commit ") {
		t.Errorf("bot version = %q, want the commit from build info", got)
	}
}

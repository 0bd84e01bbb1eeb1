package main

import (
	"log/slog"
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

// TestServeLogsNoSecrets starts serve with every secret set and reads its
// log: none appears.
func TestServeLogsNoSecrets(t *testing.T) {
	t.Parallel()
	secrets := map[string]string{
		"SLACK_BOT_TOKEN": "xoxb-1-2-leaktestbottoken", "SLACK_SIGNING_SECRET": "leaktest-signing-secret",
		"SLACK_APP_TOKEN": "xapp-1-leaktest-apptoken", "MICROSOFT_APP_PASSWORD": "leaktest-app-password",
		"ONBOARD_GRAPH_TOKEN": "leaktest-graph-token", "ONBOARD_REDIS_URL": "redis://:leaktest-redis-pw@127.0.0.1:1/0",
	}
	env := map[string]string{"MICROSOFT_APP_ID": "5e9b3c2a-7d41-4f0e-9c6b-2a1d8e4f7b90", "MICROSOFT_APP_TENANT_ID": "41027a4c-bdb6-55fe-8e2c-24a65f6f4d0a",
		"ONBOARD_GRAPH_URL": "http://127.0.0.1:1", "ONBOARD_ALLOW_EVERYONE": "true"}
	for k, v := range secrets {
		env[k] = v
	}
	srv := startServe(t, env, nil)
	logs := srv.logs.String()
	if !strings.Contains(logs, `"msg":"starting"`) {
		t.Fatalf("no start-up log: %s", logs)
	}
	for k, v := range secrets {
		if strings.Contains(logs, strings.TrimPrefix(v, "redis://:")[:16]) {
			t.Errorf("the log holds %s", k)
		}
	}
}

// TestConfigFileScalars: a YAML file may spell settings as YAML does
// (true, numbers), not only as strings.
func TestConfigFileScalars(t *testing.T) {
	t.Parallel()
	p := filepath.Join(t.TempDir(), "config.yaml")
	body := "ONBOARD_ALLOW_EVERYONE: true\nONBOARD_GRAPH_URL: http://127.0.0.1:1\nONBOARD_GRAPH_TOKEN: tok\n" +
		"SLACK_BOT_TOKEN: xoxb-1-2-scalars\nSLACK_SIGNING_SECRET: 12345\nONBOARD_SLACK_TEAMS: T0001,T0002\n"
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := buildServer(t.Context(), environ(map[string]string{"ONBOARD_CONFIG": p}), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("buildServer: %v", err)
	}
	if !s.cfg.AllowEveryone {
		t.Error("ONBOARD_ALLOW_EVERYONE: true in the file was not read")
	}
	e, err := loadEnv(environ(map[string]string{"ONBOARD_CONFIG": p}))
	if err != nil {
		t.Fatal(err)
	}
	if got := slackConfig(e).Teams; !cmp.Equal(got, []string{"T0001", "T0002"}) {
		t.Errorf("ONBOARD_SLACK_TEAMS from the file = %q", got)
	}
}

func TestMetricsNeverOnThePublicPort(t *testing.T) {
	t.Parallel()
	for _, env := range []map[string]string{
		{"ONBOARD_METRICS_LISTEN": ":8080"},
		{"ONBOARD_LISTEN": "0.0.0.0:9090"},
		{"ONBOARD_LISTEN": ":7000", "ONBOARD_METRICS_LISTEN": "127.0.0.1:7000"},
	} {
		if code, _, stderr := runBot(t, env, "serve"); code != exitUsage || !strings.Contains(stderr, "ONBOARD_METRICS_LISTEN") {
			t.Errorf("%v: exit %d stderr %q; want 2 naming ONBOARD_METRICS_LISTEN", env, code, stderr)
		}
	}
}

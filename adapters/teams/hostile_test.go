package teams_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"html"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/onboard-check/onboard-check/adapters/teams"
	"github.com/onboard-check/onboard-check/diagnosis"
	"github.com/onboard-check/onboard-check/handlers"
)

// Hostile strings as Graph would return them: an app's display name is
// chosen by whoever registered the app, a policy's by any CA admin, and a
// user's by the directory.
const (
	hostileApp    = "[Re-register MFA](https://evil.example)"
	hostilePolicy = "<at>Adele Vance</at> **URGENT** ![x](https://evil.example/p.png)"
	hostileUser   = "adele@contoso.com [verify](https://evil.example/login)"
	hostileStep   = "1. Open <https://evil.example> now\n# Reset\n> trust me"
)

func hostileReply(t *testing.T) handlers.Reply {
	t.Helper()
	when := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	d := diagnosis.Diagnosis{Verdict: diagnosis.VerdictBlocked, Summary: "Blocked by " + hostilePolicy,
		Query: diagnosis.QueryInfo{User: hostileUser, Since: when.Add(-72 * time.Hour), Until: when},
		User:  &diagnosis.UserInfo{UserPrincipalName: hostileUser, DisplayName: hostilePolicy},
		Findings: []diagnosis.Finding{{Code: diagnosis.CodeCABlock, Severity: diagnosis.SeverityCritical,
			Title: "Blocked signing in to " + hostileApp, Detail: hostilePolicy, ErrorCode: 53003,
			App:         &diagnosis.AppRef{ID: "a", DisplayName: hostileApp},
			Policies:    []diagnosis.PolicyRef{{ID: "93fd4d06-ef83-5a7b-8b7b-1ef30d3e6fcf", DisplayName: hostilePolicy, State: diagnosis.PolicyEnabled, Controls: []string{"block"}}},
			SignIns:     []diagnosis.SignInRef{{CreatedDateTime: when, IPAddress: "192.0.2.1"}},
			Remediation: []string{hostileStep, "Open " + hostileApp},
			References:  []string{"https://evil.example/learn.microsoft.com", "https://learn.microsoft.com/entra/identity/conditional-access/what-if-tool"}}},
		Warnings: []diagnosis.Warning{{Message: hostileApp}}}
	return handlers.Reply{Kind: handlers.ReplyDiagnosis, Lang: "en", Diagnosis: &d, DiagnosisID: diagnosisID, Text: "plain " + hostileApp}
}

// TestHostileTextStaysText renders a diagnosis full of Graph-sourced
// markup and has Microsoft's adaptivecards parser and markdown-it read
// the card: no link, image, mention, emphasis, heading or quote comes out
// of it, every hostile string is shown as itself, and the only links are
// the bot's own Action.OpenUrl buttons.
func TestHostileTextStaysText(t *testing.T) {
	t.Parallel()
	msgs, _ := handlers.Messages()
	b, err := teams.CardJSON(hostileReply(t), msgs)
	if err != nil {
		t.Fatal(err)
	}
	checkCard(t, "hostile", b)
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if u, ok := v["url"].(string); ok && !strings.HasPrefix(u, "https://entra.microsoft.com/") && !strings.HasPrefix(u, "https://learn.microsoft.com/") {
				t.Errorf("card links to %s", u)
			}
			for _, x := range v {
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	var c any
	_ = json.Unmarshal(b, &c)
	walk(c)

	out := runCardCheck(t, b)
	var rendered strings.Builder
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var line struct{ HTML string }
		if json.Unmarshal(sc.Bytes(), &line) == nil {
			rendered.WriteString(html.UnescapeString(line.HTML))
		}
	}
	for _, s := range []string{hostileApp, hostilePolicy, "adele@contoso.com [verify](https://evil.example/login)", "Open <https://evil.example> now", "# Reset", "> trust me"} {
		if !strings.Contains(rendered.String(), s) {
			t.Errorf("the rendered card does not show %q as text:\n%s", s, rendered.String())
		}
	}
}

// runCardCheck runs testdata/cardcheck on a card and returns its rendered
// fragments; a problem it reports fails the test.
func runCardCheck(t *testing.T, card []byte) []byte {
	t.Helper()
	dir := filepath.Join("testdata", "cardcheck")
	_, nodeErr := exec.LookPath("node")
	_, modErr := os.Stat(filepath.Join(dir, "node_modules", "markdown-it"))
	if nodeErr != nil || modErr != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("node or the cardcheck packages are missing (run npm ci in %s)", dir)
		}
		t.Skipf("node or %s/node_modules missing", dir)
	}
	f := filepath.Join(t.TempDir(), "card.json")
	if err := os.WriteFile(f, card, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(t.Context(), "node", "check.js", "--render", f)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("cardcheck finds problems: %v\n%s", err, out)
	}
	return out
}

// TestHostileInputEchoedAsText: what a requester types and the bot echoes
// (a usage error naming the input) reaches the posted card escaped.
func TestHostileInputEchoedAsText(t *testing.T) {
	t.Parallel()
	e := setup(t, options{})
	e.post(t, mentionActivity(e, "h1", channelThread, "onboard-check [click](https://evil.example)"))
	got := e.bf.WaitAnswers(waitCtx(t), 1)
	if len(got) != 1 {
		t.Fatalf("replies = %v", got)
	}
	b, _ := json.Marshal(content(t, got[0]))
	if !bytes.Contains(b, []byte(`\\[click\\]\\(https://evil.example\\)`)) || bytes.Contains(b, []byte(`[click](`)) {
		t.Errorf("the echoed input is not escaped: %s", b)
	}
	runCardCheck(t, b)
}

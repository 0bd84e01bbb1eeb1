package teams_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/onboard-check/onboard-check/adapters/teams"
	"github.com/onboard-check/onboard-check/diagnosis"
	"github.com/onboard-check/onboard-check/diagnosis/demo"
	"github.com/onboard-check/onboard-check/handlers"
	"github.com/onboard-check/onboard-check/internal/golden"
)

const diagnosisID = "0123456789abcdef0123456789abcdef"

// goldenReplies are the replies whose renderings are kept in golden
// files: diagnoses of the demo tenant in both languages and every
// verdict, details, and text replies.
func goldenReplies(t *testing.T) map[string]handlers.Reply {
	t.Helper()
	tenant, err := demo.Default(golden.Now())
	if err != nil {
		t.Fatal(err)
	}
	eng, err := diagnosis.NewEngine(golden.Now)
	if err != nil {
		t.Fatal(err)
	}
	msgs, err := handlers.Messages()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]handlers.Reply{}
	for _, c := range []struct {
		name, user, lang string
		kind             handlers.ReplyKind
	}{
		{"adele_en", "adele@contoso.com", "en", handlers.ReplyDiagnosis},
		{"megan_nl", "megan@contoso.com", "nl", handlers.ReplyDiagnosis},
		{"alex_en", "alex@contoso.com", "en", handlers.ReplyDiagnosis},
		{"emily_nl", "emily@contoso.com", "nl", handlers.ReplyDiagnosis},
		{"nobody_en", "nobody@contoso.com", "en", handlers.ReplyDiagnosis},
		{"lynne_details_en", "lynne@contoso.com", "en", handlers.ReplyDetails},
	} {
		d, _, err := eng.Run(t.Context(), tenant, diagnosis.Query{User: c.user}, c.lang)
		if err != nil {
			t.Fatal(err)
		}
		out[c.name] = handlers.Reply{Kind: c.kind, Lang: c.lang, Diagnosis: &d, DiagnosisID: diagnosisID, Text: "plain rendering of " + c.user}
	}
	out["help_en"] = handlers.Reply{Kind: handlers.ReplyHelp, Lang: "en", Text: msgs.T("en", "help.text")}
	out["refusal_nl"] = handlers.Reply{Kind: handlers.ReplyRefusal, Lang: "nl", Text: msgs.T("nl", "refusal.other_tenant")}
	out["usage_en"] = handlers.Reply{Kind: handlers.ReplyUsage, Lang: "en",
		Text: msgs.T("en", "usage.user_bad", "input", "bob") + "\n\n" + msgs.T("en", "help.text")}
	return out
}

func TestCardGolden(t *testing.T) {
	t.Parallel()
	msgs, _ := handlers.Messages()
	for name, r := range goldenReplies(t) {
		b, err := teams.CardJSON(r, msgs)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		checkCard(t, name, b)
		golden.Check(t, filepath.Join("testdata", t.Name(), name+".golden.json"), b, *update)
	}
}

func TestActivityGolden(t *testing.T) {
	t.Parallel()
	msgs, _ := handlers.Messages()
	replies := goldenReplies(t)
	for _, name := range []string{"adele_en", "help_en"} {
		b, err := teams.ActivityJSON(replies[name], msgs)
		if err != nil {
			t.Fatal(err)
		}
		var a struct {
			Type        string `json:"type"`
			Text        string `json:"text"`
			Summary     string `json:"summary"`
			Attachments []struct {
				ContentType string         `json:"contentType"`
				Content     map[string]any `json:"content"`
			} `json:"attachments"`
		}
		if err := json.Unmarshal(b, &a); err != nil {
			t.Fatal(err)
		}
		if a.Type != "message" || a.Summary == "" || len(a.Attachments) != 1 || a.Attachments[0].ContentType != teams.CardContentType {
			t.Errorf("%s: activity %s", name, b)
		}
		golden.Check(t, filepath.Join("testdata", t.Name(), name+".golden.json"), b, *update)
	}
}

// checkCard holds a card to what Teams renders: version 1.5 or lower, no
// Action.Execute, and under the message size limit.
func checkCard(t *testing.T, name string, b []byte) {
	t.Helper()
	var c struct {
		Type    string `json:"type"`
		Version string `json:"version"`
	}
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if c.Type != "AdaptiveCard" || c.Version != "1.5" {
		t.Errorf("%s: type %q version %q", name, c.Type, c.Version)
	}
	if strings.Contains(string(b), "Action.Execute") {
		t.Errorf("%s uses Action.Execute, which needs its answer in the HTTP response", name)
	}
	if len(b) > 80<<10 {
		t.Errorf("%s: card of %d bytes; Teams takes about 80 KB", name, len(b))
	}
}

// TestCardFitsTeams: a diagnosis far too large for one message drops
// findings until the activity fits, and says how many are left out.
func TestCardFitsTeams(t *testing.T) {
	t.Parallel()
	msgs, _ := handlers.Messages()
	d := diagnosis.Diagnosis{Verdict: diagnosis.VerdictBlocked, Summary: "many", Query: diagnosis.QueryInfo{User: "adele@contoso.com"}}
	for i := range 60 {
		f := diagnosis.Finding{Code: diagnosis.CodeCABlock, Severity: diagnosis.SeverityCritical, Title: "Finding " + strconv.Itoa(i),
			Detail: strings.Repeat("détail ", 400), Remediation: []string{strings.Repeat("étape ", 400), "again"}, ErrorCode: 53003}
		for j := range 30 {
			f.Policies = append(f.Policies, diagnosis.PolicyRef{ID: strconv.Itoa(j), DisplayName: strings.Repeat("P", 200), State: diagnosis.PolicyEnabled, Controls: []string{"block"}})
		}
		d.Findings = append(d.Findings, f)
	}
	for _, kind := range []handlers.ReplyKind{handlers.ReplyDiagnosis, handlers.ReplyDetails} {
		b, err := teams.ActivityJSON(handlers.Reply{Kind: kind, Lang: "en", Diagnosis: &d, DiagnosisID: diagnosisID, Text: strings.Repeat("x", 50000)}, msgs)
		if err != nil {
			t.Fatal(err)
		}
		var compact map[string]any
		_ = json.Unmarshal(b, &compact)
		posted, _ := json.Marshal(compact)
		if len(posted) > 80<<10 {
			t.Errorf("%s: activity of %d bytes", kind, len(posted))
		}
		if !strings.Contains(string(b), "more: say details") {
			t.Errorf("%s: the card does not say that findings were left out", kind)
		}
	}
}

// TestCardsValidate parses every golden card with Microsoft's adaptivecards
// package, as Teams clients do, and renders its text with markdown-it,
// with and without linkify: the only links are the bot's own bare ones,
// whole (testdata/cardcheck: npm ci there). It skips without node or the
// package, except in CI.
func TestCardsValidate(t *testing.T) {
	t.Parallel()
	dir := filepath.Join("testdata", "cardcheck")
	_, nodeErr := exec.LookPath("node")
	_, modErr := os.Stat(filepath.Join(dir, "node_modules", "adaptivecards"))
	if nodeErr != nil || modErr != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("node or the adaptivecards package is missing (run npm ci in %s)", dir)
		}
		t.Skipf("node or %s/node_modules missing", dir)
	}
	cards, _ := filepath.Glob(filepath.Join("testdata", "TestCardGolden", "*.json"))
	if len(cards) == 0 {
		t.Fatal("no golden cards")
	}
	var abs []string
	for _, c := range cards {
		a, _ := filepath.Abs(c)
		abs = append(abs, a)
	}
	cmd := exec.CommandContext(t.Context(), "node", append([]string{"check.js", "--hosts=" + strings.Join(teams.LinkHosts, ",")}, abs...)...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Errorf("adaptivecards finds problems: %v\n%s", err, out)
	}
	t.Logf("%s", out)
}

// TestCardOpensEntraOnce: a diagnosis card always offers the Entra admin
// center, and the card's own Open in Entra button never repeats the page
// of a finding's button above it.
func TestCardOpensEntraOnce(t *testing.T) {
	t.Parallel()
	msgs, _ := handlers.Messages()
	for name, r := range goldenReplies(t) {
		if r.Diagnosis == nil {
			continue
		}
		b, err := teams.CardJSON(r, msgs)
		if err != nil {
			t.Fatal(err)
		}
		var c struct {
			Body    []any `json:"body"`
			Actions []struct {
				Type, URL string
			} `json:"actions"`
		}
		if err := json.Unmarshal(b, &c); err != nil {
			t.Fatal(err)
		}
		inBody := map[string]bool{}
		var walk func(v any)
		walk = func(v any) {
			switch v := v.(type) {
			case map[string]any:
				if v["type"] == "Action.OpenUrl" {
					inBody[v["url"].(string)] = true
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
		walk(c.Body)
		entra := false
		for u := range inBody {
			entra = entra || strings.HasPrefix(u, "https://entra.microsoft.com/")
		}
		for _, a := range c.Actions {
			if a.Type != "Action.OpenUrl" {
				continue
			}
			if inBody[a.URL] {
				t.Errorf("%s: the card's button repeats %s, offered by a finding", name, a.URL)
			}
			entra = entra || strings.HasPrefix(a.URL, "https://entra.microsoft.com/")
		}
		if !entra {
			t.Errorf("%s: no button opens the Entra admin center", name)
		}
	}
}

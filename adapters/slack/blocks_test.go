package slack_test

import (
	"encoding/json"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/onboard-check/onboard-check/adapters/slack"
	"github.com/onboard-check/onboard-check/adapters/slack/slacktest"
	"github.com/onboard-check/onboard-check/diagnosis"
	"github.com/onboard-check/onboard-check/diagnosis/demo"
	"github.com/onboard-check/onboard-check/handlers"
	"github.com/onboard-check/onboard-check/internal/golden"
)

const diagnosisID = "0123456789abcdef0123456789abcdef"

// TestRenderGolden renders the sample tenant's diagnoses and the other
// reply kinds as `bot check --output slack` prints them.
func TestRenderGolden(t *testing.T) {
	t.Parallel()
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
	diag := func(user, lang string) *diagnosis.Diagnosis {
		d, _, err := eng.Run(t.Context(), tenant, diagnosis.Query{User: user}, lang)
		if err != nil {
			t.Fatal(err)
		}
		return &d
	}
	for _, tt := range []struct {
		name  string
		reply handlers.Reply
	}{
		{"adele_en", handlers.Reply{Kind: handlers.ReplyDiagnosis, Lang: "en", Diagnosis: diag("adele@contoso.com", "en"), DiagnosisID: diagnosisID}},
		{"lynne_nl", handlers.Reply{Kind: handlers.ReplyDiagnosis, Lang: "nl", Diagnosis: diag("lynne@contoso.com", "nl"), DiagnosisID: diagnosisID}},
		{"adele_details_en", handlers.Reply{Kind: handlers.ReplyDetails, Lang: "en", Diagnosis: diag("adele@contoso.com", "en"), DiagnosisID: diagnosisID}},
		{"not_found_en", handlers.Reply{Kind: handlers.ReplyDiagnosis, Lang: "en", Diagnosis: diag("nobody@contoso.com", "en"), DiagnosisID: diagnosisID}},
		{"cli_no_id_en", handlers.Reply{Kind: handlers.ReplyDiagnosis, Lang: "en", Diagnosis: diag("adele@contoso.com", "en")}},
		{"help_nl", handlers.Reply{Kind: handlers.ReplyHelp, Lang: "nl", Text: msgs.T("nl", "help.text")}},
		{"refusal_en", handlers.Reply{Kind: handlers.ReplyRefusal, Lang: "en", Text: msgs.T("en", "refusal.not_allowed")}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b, err := slack.MessageJSON(tt.reply, msgs)
			if err != nil {
				t.Fatal(err)
			}
			var m struct {
				Blocks json.RawMessage `json:"blocks"`
			}
			if err := json.Unmarshal(b, &m); err != nil {
				t.Fatalf("MessageJSON is not JSON: %v", err)
			}
			if err := slacktest.CheckBlocks(m.Blocks); err != nil {
				t.Errorf("Slack would refuse the blocks: %v", err)
			}
			golden.Check(t, filepath.Join("testdata", "TestRenderGolden", tt.name+".golden.json"), b, *update)
		})
	}
}

// manyFindings is a diagnosis beyond every Slack limit: 60 long findings
// with markup in their titles, a long summary and a long user name.
func manyFindings() diagnosis.Diagnosis {
	d := diagnosis.Diagnosis{Verdict: diagnosis.VerdictBlocked, Summary: strings.Repeat("s", 5000),
		Query: diagnosis.QueryInfo{User: strings.Repeat("u", 300) + "@contoso.com"}}
	for i := range 60 {
		d.Findings = append(d.Findings, diagnosis.Finding{Code: diagnosis.CodeCABlock, Severity: diagnosis.SeverityCritical,
			Title: "Blocked by <policy> & more " + strconv.Itoa(i), Detail: strings.Repeat("d", 4000),
			Remediation: []string{strings.Repeat("r", 2000)},
			Policies:    []diagnosis.PolicyRef{{ID: "p", DisplayName: "CA015", State: "enabled", Controls: []string{"block"}}}})
	}
	return d
}

func TestBlockKitLimits(t *testing.T) {
	t.Parallel()
	msgs, err := handlers.Messages()
	if err != nil {
		t.Fatal(err)
	}
	d := manyFindings()
	for _, tt := range []struct {
		kind         handlers.ReplyKind
		more, cutTo  string // the pointers where findings and text are cut
		wantSections int
	}{
		{handlers.ReplyDiagnosis, "54 more: say details", "cut here: say details", 6},
		{handlers.ReplyDetails, "more not shown", "", 22},
	} {
		t.Run(string(tt.kind), func(t *testing.T) {
			m := slack.Render(handlers.Reply{Kind: tt.kind, Lang: "en", Diagnosis: &d, DiagnosisID: "id"}, msgs)
			b, err := json.Marshal(m)
			if err != nil {
				t.Fatal(err)
			}
			var doc struct {
				Text   string           `json:"text"`
				Blocks []map[string]any `json:"blocks"`
			}
			if err := json.Unmarshal(b, &doc); err != nil {
				t.Fatal(err)
			}
			raw, _ := json.Marshal(doc.Blocks)
			if err := slacktest.CheckBlocks(raw); err != nil {
				t.Error(err)
			}
			if n := len([]rune(doc.Text)); n == 0 || n > 3000 {
				t.Errorf("fallback text of %d characters", n)
			}
			findings := 0
			for _, blk := range doc.Blocks {
				if blk["type"] == "section" && strings.Contains(mustJSON(t, blk), "Blocked by") {
					findings++
				}
			}
			if findings != tt.wantSections {
				t.Errorf("%d findings shown, want %d", findings, tt.wantSections)
			}
			if !strings.Contains(string(raw), tt.more) {
				t.Errorf("the findings left out are not pointed to (%q)", tt.more)
			}
			if tt.cutTo != "" && !strings.Contains(string(raw), tt.cutTo) {
				t.Errorf("the cut findings are not pointed to details (%q)", tt.cutTo)
			}
			if strings.Contains(string(raw), "<policy>") {
				t.Error("markup in a title not escaped")
			}
			if last := doc.Blocks[len(doc.Blocks)-1]; last["type"] != "actions" {
				t.Errorf("the buttons were cut: last block %v", last["type"])
			}
		})
	}
}

func TestOpenInEntraFallsBackToSignInLogs(t *testing.T) {
	t.Parallel()
	msgs, _ := handlers.Messages()
	d := diagnosis.Diagnosis{Verdict: diagnosis.VerdictAtRisk, Summary: "s", Findings: []diagnosis.Finding{{
		Code: diagnosis.CodeCABlock, Severity: diagnosis.SeverityWarning, Title: "t", ErrorCode: 50076,
		App: &diagnosis.AppRef{ID: "c44b4083-3bb0-49c1-b47d-974e53cbdf3c", DisplayName: "Azure Portal"}}}}
	b, err := slack.MessageJSON(handlers.Reply{Kind: handlers.ReplyDiagnosis, Lang: "en", Diagnosis: &d}, msgs)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"SignInLogsList", "App: Azure Portal", "Error: 50076"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("rendering lacks %q:\n%s", want, b)
		}
	}
}

func BenchmarkRender(b *testing.B) {
	msgs, _ := handlers.Messages()
	d := manyFindings()
	r := handlers.Reply{Kind: handlers.ReplyDiagnosis, Lang: "en", Diagnosis: &d, DiagnosisID: diagnosisID}
	b.ReportAllocs()
	for b.Loop() {
		_, _ = slack.MessageJSON(r, msgs)
	}
}

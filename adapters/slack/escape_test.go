package slack

import (
	"encoding/json"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/onboard-check/onboard-check/diagnosis"
	"github.com/onboard-check/onboard-check/handlers"
)

// markup is what Slack would read as a link, mention or broadcast: any
// unescaped angle bracket, or an & that starts no entity of ours.
var markup = regexp.MustCompile(`[<>]|&(?:[^agl]|a[^m]|am[^p]|g[^t]|l[^t]|$)`)

// FuzzEscape: whatever goes in, the text Slack receives has no markup and
// holds at most the limit. Seeds: the attacks and real names in
// testdata/fuzz/FuzzEscape.
func FuzzEscape(f *testing.F) {
	for _, s := range []string{"<!channel>", "<!here|here>", "<@U0MEGAN>", "<https://evil.example|Re-register MFA>",
		"<mailto:a@b.com|a>", "&lt;!here&gt;", "<<!channel>>", "Conor O'Brien & co", "<#C123|general>", "<!subteam^S1>"} {
		f.Add(s, 50)
	}
	f.Fuzz(func(t *testing.T, in string, n int) {
		if n < 2 || n > maxText {
			return
		}
		out := text(in, n)
		if loc := markup.FindStringIndex(out); loc != nil {
			t.Errorf("text(%q) = %q: markup at %d survives", in, out, loc[0])
		}
		if c := utf8.RuneCountInString(out); c > n {
			t.Errorf("text(%q, %d) has %d characters", in, n, c)
		}
		if utf8.ValidString(in) && utf8.RuneCountInString(escape(in)) <= n && out != escape(in) {
			t.Errorf("text(%q, %d) = %q; a text that fits is not cut", in, n, out)
		}
	})
}

// FuzzRenderHostile puts hostile strings where Graph and requesters put
// theirs (a UPN, app and policy names, a finding's detail, a reply text)
// and checks every text field of the rendered message.
func FuzzRenderHostile(f *testing.F) {
	f.Add("<!channel>", "<https://evil.example|click>", "<@U123>")
	f.Add("@channel", "[Re-register MFA](https://evil.example)", "<!here>")
	msgs, err := handlers.Messages()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, a, b, c string) {
		if !utf8.ValidString(a + b + c) {
			return
		}
		d := diagnosis.Diagnosis{Verdict: diagnosis.VerdictBlocked, Summary: a, Query: diagnosis.QueryInfo{User: b},
			User: &diagnosis.UserInfo{DisplayName: c, UserPrincipalName: b},
			Findings: []diagnosis.Finding{{Title: a, Detail: b, Severity: diagnosis.SeverityCritical, Remediation: []string{c},
				Policies: []diagnosis.PolicyRef{{ID: a, DisplayName: c}}, App: &diagnosis.AppRef{DisplayName: b}}},
			Warnings: []diagnosis.Warning{{Message: c}}}
		for _, r := range []handlers.Reply{
			{Kind: handlers.ReplyDiagnosis, Lang: "en", Diagnosis: &d, DiagnosisID: "id"},
			{Kind: handlers.ReplyDetails, Lang: "en", Diagnosis: &d},
			{Kind: handlers.ReplyUsage, Lang: "en", Text: a + "\n" + b + c},
		} {
			m := Render(r, msgs)
			var v any
			raw, _ := json.Marshal(m)
			_ = json.Unmarshal(raw, &v)
			walk(v, func(k, s string) {
				if k == "text" {
					if loc := markup.FindStringIndex(s); loc != nil {
						t.Errorf("%s: a text field %q holds markup", r.Kind, s)
					}
				}
			})
			if strings.ContainsAny(ackOf(r).Text, "<>") {
				t.Errorf("ack text %q holds markup", ackOf(r).Text)
			}
		}
	})
}

func walk(v any, fn func(key, s string)) {
	switch x := v.(type) {
	case map[string]any:
		for k, c := range x {
			if s, ok := c.(string); ok {
				fn(k, s)
			}
			walk(c, fn)
		}
	case []any:
		for _, c := range x {
			walk(c, fn)
		}
	}
}

func TestResponseURLOrigins(t *testing.T) {
	t.Parallel()
	o := hookOrigins("http://127.0.0.1:8080/api/")
	for raw, want := range map[string]bool{
		"https://hooks.slack.com/commands/T1/2/abc":       true,
		"https://hooks.slack.com:443/actions/T1/2/abc":    true,
		"https://HOOKS.SLACK.COM/commands/T1/2/abc":       true,
		"https://hooks.slack-gov.com/commands/T1/2/abc":   true,
		"http://127.0.0.1:8080/response/1":                true,
		"http://hooks.slack.com/commands/T1/2/abc":        false,
		"https://hooks.slack.com.evil.example/commands/1": false,
		"https://evil.example/hooks.slack.com/commands/1": false,
		"https://hooks.slack.com:8443/commands/1":         false,
		"https://user@hooks.slack.com/commands/1":         false,
		"http://127.0.0.1:8081/response/1":                false,
		"https://127.0.0.1:8080/response/1":               false,
		"javascript:alert(1)":                             false,
		"//hooks.slack.com/commands/1":                    false,
		"https://hooks.slack.com/commands/1#frag":         false,
		"": false,
	} {
		if got := o.responseURL(raw).IsSet(); got != want {
			t.Errorf("responseURL(%q) usable = %v, want %v", raw, got, want)
		}
	}
	if hookOrigins("").responseURL("http://127.0.0.1:8080/response/1").IsSet() {
		t.Error("without SLACK_API_URL a local response_url is usable")
	}
}

// FuzzResponseURL: a response_url is used only when it leads to Slack's
// hook hosts or the configured API origin, whatever its spelling.
func FuzzResponseURL(f *testing.F) {
	for _, s := range []string{"https://hooks.slack.com/commands/T1DC2JH3J/397700885554/96rGlfmibIGlgcZRskXaIFfN",
		"https://hooks.slack.com/actions/T0G9PQBBK/1/xyz", "http://localhost:8888/webhook", "https://hooks.slack.com@evil.example/x",
		"https://hooks.slack.com%2eevil.example/x", "https://hooks.slack-gov.com/commands/1"} {
		f.Add(s)
	}
	o := hookOrigins("http://127.0.0.1:8080/api/")
	f.Fuzz(func(t *testing.T, raw string) {
		if !o.responseURL(raw).IsSet() {
			return
		}
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatalf("responseURL accepted %q, which does not parse: %v", raw, err)
		}
		switch host := strings.ToLower(u.Host); {
		case strings.EqualFold(u.Scheme, "https") && (host == "hooks.slack.com" || host == "hooks.slack.com:443" ||
			host == "hooks.slack-gov.com" || host == "hooks.slack-gov.com:443"):
		case strings.EqualFold(u.Scheme, "http") && host == "127.0.0.1:8080":
		default:
			t.Errorf("responseURL accepted %q (host %q)", raw, u.Host)
		}
		if u.User != nil {
			t.Errorf("responseURL accepted %q with user info", raw)
		}
	})
}

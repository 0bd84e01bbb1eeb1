package handlers

import (
	_ "embed"
	"fmt"
	"strconv"
	"strings"

	"github.com/onboard-check/onboard-check/diagnosis"
)

//go:embed messages_en.json
var messagesEN []byte

//go:embed messages_nl.json
var messagesNL []byte

// Messages is the conversation text catalog (acks, usage, refusals,
// failures, labels) in every shipped language.
func Messages() (*diagnosis.Text, error) {
	return diagnosis.ParseText(map[string][]byte{"en": messagesEN, "nl": messagesNL})
}

// Text renders a diagnosis as plain text for a terminal or a chat fallback.
type Text struct {
	msg *diagnosis.Text
}

// NewText loads the conversation catalog.
func NewText() (*Text, error) {
	m, err := Messages()
	if err != nil {
		return nil, err
	}
	return &Text{msg: m}, nil
}

// ANSI escapes, used only when the output is a terminal.
const (
	ansiReset  = "\x1b[0m"
	ansiBold   = "\x1b[1m"
	ansiRed    = "\x1b[31m"
	ansiYellow = "\x1b[33m"
	ansiGreen  = "\x1b[32m"
	ansiDim    = "\x1b[2m"
)

// Render writes the verdict first, then each finding with its evidence and
// numbered steps, then what could not be read. Colour only when color is set.
func (t *Text) Render(d diagnosis.Diagnosis, lang string, color bool) string {
	var b strings.Builder
	paint := func(code, s string) string {
		if !color {
			return s
		}
		return code + s + ansiReset
	}
	verdictColor := map[diagnosis.Verdict]string{
		diagnosis.VerdictBlocked: ansiRed, diagnosis.VerdictAtRisk: ansiYellow,
		diagnosis.VerdictHealthy: ansiGreen, diagnosis.VerdictUnknown: ansiDim,
	}[d.Verdict]
	tr := func(key string, args ...string) string { return t.msg.T(lang, key, args...) }

	fmt.Fprintf(&b, "%s\n%s\n", paint(ansiBold+verdictColor, strings.ToUpper(tr("verdict."+string(d.Verdict)))), d.Summary)
	if d.User != nil {
		fmt.Fprintf(&b, "%s\n", paint(ansiDim, tr("text.user_line", "name", d.User.DisplayName, "upn", d.User.UserPrincipalName,
			"id", d.User.ID, "type", t.userType(lang, d.User.UserType))))
	}
	fmt.Fprintf(&b, "%s\n", paint(ansiDim, tr("text.window_line",
		"since", d.Query.Since.Format("2006-01-02 15:04"), "until", d.Query.Until.Format("2006-01-02 15:04 MST"),
		"signins", strconv.Itoa(d.Stats.SignIns), "failures", strconv.Itoa(d.Stats.Failures),
		"policies", strconv.Itoa(d.Stats.PoliciesEvaluated))))

	for i, f := range d.Findings {
		sev := tr("severity." + string(f.Severity))
		if f.Resolved {
			sev += ", " + tr("text.resolved")
		}
		sevColor := ansiDim
		switch {
		case f.Severity == diagnosis.SeverityCritical && !f.Resolved:
			sevColor = ansiRed
		case f.Severity != diagnosis.SeverityInfo:
			sevColor = ansiYellow
		}
		fmt.Fprintf(&b, "\n%s %s %s\n", paint(ansiBold, strconv.Itoa(i+1)+"."), paint(ansiBold, f.Title), paint(sevColor, "["+sev+"]"))
		if f.Detail != "" {
			fmt.Fprintf(&b, "   %s\n", f.Detail)
		}
		for _, p := range f.Policies {
			fmt.Fprintf(&b, "   %s\n", tr("text.policy_line", "name", p.DisplayName, "id", p.ID,
				"state", tr("state."+string(p.State)), "controls", strings.Join(p.Controls, ", ")))
		}
		for _, s := range f.SignIns {
			fmt.Fprintf(&b, "   %s\n", paint(ansiDim, tr("text.signin_line", "when", s.CreatedDateTime.Format("2006-01-02 15:04 MST"),
				"app", s.AppDisplayName, "code", strconv.Itoa(s.ErrorCode), "ip", s.IPAddress, "correlation", s.CorrelationID)))
		}
		if len(f.Remediation) > 0 {
			fmt.Fprintf(&b, "   %s\n", tr("text.steps"))
			for j, step := range f.Remediation {
				fmt.Fprintf(&b, "     %d. %s\n", j+1, step)
			}
		}
		if len(f.References) > 0 {
			fmt.Fprintf(&b, "   %s\n", tr("text.references"))
			for _, r := range f.References {
				fmt.Fprintf(&b, "     %s\n", paint(ansiDim, r))
			}
		}
	}
	if len(d.Warnings) > 0 {
		fmt.Fprintf(&b, "\n%s\n", paint(ansiYellow, tr("text.warnings")))
		for _, w := range d.Warnings {
			fmt.Fprintf(&b, "  - %s\n", w.Message)
		}
	}
	return b.String()
}

// userType names Member or Guest in the reply language.
func (t *Text) userType(lang, userType string) string {
	if t.msg.Has(lang, "usertype."+userType) {
		return t.msg.T(lang, "usertype."+userType)
	}
	return userType
}

package slack

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	slackapi "github.com/slack-go/slack"

	"github.com/onboard-check/onboard-check/diagnosis"
	"github.com/onboard-check/onboard-check/handlers"
)

// Block Kit limits (https://api.slack.com/reference/block-kit/blocks).
const (
	maxBlocks     = 50
	maxText       = 3000
	maxHeaderText = 150
	maxButtonText = 75
)

// Action ids of the diagnosis buttons.
const (
	actionRecheck = "recheck"
	actionDetails = "details"
	actionOpen    = "open_entra"
)

// Entra admin center pages for Open in Entra.
const (
	signInLogsURL = "https://entra.microsoft.com/#view/Microsoft_AAD_IAM/SignInLogsList.ReactView"
	policyURL     = "https://entra.microsoft.com/#view/Microsoft_AAD_ConditionalAccess/PolicyBlade/policyId/"
)

// Message is a rendered reply: the fallback text and the blocks.
type Message struct {
	Text   string             `json:"text"`
	Blocks slackapi.Blocks    `json:"blocks"`
	Kind   handlers.ReplyKind `json:"-"`
}

// Render turns a reply into Block Kit within Slack's limits: a diagnosis
// (new, rechecked or in full for details) as a verdict header, one section
// per finding and the buttons; every other kind as sections of its text.
// Text, the notification and fallback text, is always set. Render is a pure
// function of the reply and the conversation catalog.
func Render(r handlers.Reply, msg *diagnosis.Text) Message {
	m := Message{Text: text(r.Text, maxText), Kind: r.Kind}
	if (r.Kind == handlers.ReplyDiagnosis || r.Kind == handlers.ReplyDetails) && r.Diagnosis != nil {
		m.Blocks.BlockSet = diagnosisBlocks(*r.Diagnosis, r.DiagnosisID, r.Lang, msg, r.Kind == handlers.ReplyDetails)
		m.Text = text(r.Diagnosis.Summary, maxText)
		return m
	}
	for _, chunk := range chunks(r.Text, maxText, maxBlocks) {
		m.Blocks.BlockSet = append(m.Blocks.BlockSet, section(mrkdwn(chunk)))
	}
	return m
}

// MessageJSON is the chat.postMessage payload of a reply (without the
// channel), indented, as `bot check --output slack` prints it.
func MessageJSON(r handlers.Reply, msg *diagnosis.Text) ([]byte, error) {
	b, err := json.MarshalIndent(Render(r, msg), "", "  ")
	if err != nil {
		return nil, fmt.Errorf("slack message: %w", err)
	}
	return b, nil
}

// withNote adds a context line to a rendered message, where the limits
// leave room for it.
func withNote(m Message, note string) Message {
	if len(m.Blocks.BlockSet) >= maxBlocks {
		return m
	}
	blocks := append([]slackapi.Block(nil), m.Blocks.BlockSet...)
	m.Blocks.BlockSet = append(blocks, slackapi.NewContextBlock("note", mrkdwn(note)))
	return m
}

// summaryFindings is how many findings a diagnosis shows; details shows
// as many as the block limit allows.
const summaryFindings = 6

func diagnosisBlocks(d diagnosis.Diagnosis, id, lang string, msg *diagnosis.Text, details bool) []slackapi.Block {
	t := func(key string, args ...string) string { return msg.T(lang, key, args...) }
	who := d.Query.User
	if d.User != nil {
		who = d.User.UserPrincipalName
	}
	blocks := []slackapi.Block{
		slackapi.NewHeaderBlock(plain(verdictIcon(d.Verdict)+" "+t("verdict."+string(d.Verdict))+": "+who, maxHeaderText, true)),
		section(mrkdwn(d.Summary)),
		slackapi.NewContextBlock("window", mrkdwn(t("label.window",
			"since", d.Query.Since.UTC().Format("2006-01-02 15:04"), "until", d.Query.Until.UTC().Format("2006-01-02 15:04 UTC"),
			"signins", strconv.Itoa(d.Stats.SignIns), "failures", strconv.Itoa(d.Stats.Failures),
			"policies", strconv.Itoa(d.Stats.PoliciesEvaluated)))),
	}
	if details && d.User != nil {
		u := d.User
		blocks = append(blocks, slackapi.NewContextBlock("account", mrkdwn(t("text.user_line", "name", u.DisplayName,
			"upn", u.UserPrincipalName, "type", t("usertype."+u.UserType), "id", u.ID))))
	}
	// Room for the findings: a divider and a section each, and after them
	// at most three blocks (more, warnings, buttons).
	room := maxBlocks - len(blocks) - 3
	limit := summaryFindings
	if details {
		limit = len(d.Findings)
	}
	shown := 0
	for _, f := range d.Findings {
		if shown >= limit || (shown+1)*2 > room {
			break
		}
		blocks = append(blocks, slackapi.NewDividerBlock(), section(mrkdwn(findingText(f, lang, msg, details))))
		shown++
	}
	if rest := len(d.Findings) - shown; rest > 0 {
		key := "label.more"
		if details {
			key = "label.more_hidden"
		}
		blocks = append(blocks, slackapi.NewContextBlock("more", mrkdwn(t(key, "count", strconv.Itoa(rest)))))
	}
	if len(d.Warnings) > 0 {
		var ws []string
		for _, w := range d.Warnings {
			ws = append(ws, ":warning: "+w.Message)
		}
		blocks = append(blocks, slackapi.NewContextBlock("warnings", mrkdwn(strings.Join(ws, "\n"))))
	}
	var buttons []slackapi.BlockElement
	if id != "" {
		recheck := slackapi.NewButtonBlockElement(actionRecheck, id, plain(t("button.recheck"), maxButtonText, false))
		recheck.Style = slackapi.StylePrimary
		details := slackapi.NewButtonBlockElement(actionDetails, id, plain(t("button.details"), maxButtonText, false))
		buttons = append(buttons, recheck, details)
	}
	link := slackapi.NewButtonBlockElement(actionOpen, "open", plain(t("button.open_entra"), maxButtonText, false))
	link.URL = entraURL(d)
	buttons = append(buttons, link)
	return append(blocks, slackapi.NewActionBlock("diagnosis_actions", buttons...))
}

// entraURL is where Open in Entra leads: the first policy a finding names,
// else the sign-in logs.
func entraURL(d diagnosis.Diagnosis) string {
	for _, f := range d.Findings {
		if len(f.Policies) > 0 && f.Policies[0].ID != "" {
			return policyURL + url.PathEscape(f.Policies[0].ID)
		}
	}
	return signInLogsURL
}

// findingText is one finding in mrkdwn, unescaped (mrkdwn escapes it): title and severity, detail, the
// evidence (policies with state and controls, the last sign-in with its
// time, app, error and IP), numbered steps and, in details, references. A
// finding longer than Slack's text limit is cut with a pointer to details.
func findingText(f diagnosis.Finding, lang string, msg *diagnosis.Text, details bool) string {
	t := func(key string, args ...string) string { return msg.T(lang, key, args...) }
	var b strings.Builder
	sev := t("severity." + string(f.Severity))
	if f.Resolved {
		sev += ", " + t("text.resolved")
	}
	fmt.Fprintf(&b, "%s *%s*  _%s_\n", severityIcon(f), f.Title, sev)
	if f.Detail != "" {
		b.WriteString(f.Detail + "\n")
	}
	for _, p := range f.Policies {
		b.WriteString("• " + t("text.policy_line", "name", p.DisplayName, "id", p.ID,
			"state", t("state."+string(p.State)), "controls", strings.Join(p.Controls, ", ")) + "\n")
	}
	if len(f.SignIns) > 0 {
		s := f.SignIns[0]
		b.WriteString("• " + t("text.signin_line", "when", s.CreatedDateTime.UTC().Format("2006-01-02 15:04 UTC"),
			"app", s.AppDisplayName, "code", strconv.Itoa(s.ErrorCode), "ip", s.IPAddress, "correlation", s.CorrelationID) + "\n")
	} else {
		if f.App != nil && f.App.DisplayName != "" {
			b.WriteString("• " + t("fact.app") + ": " + f.App.DisplayName + "\n")
		}
		if f.ErrorCode != 0 {
			b.WriteString("• " + t("fact.error") + ": " + strconv.Itoa(f.ErrorCode) + "\n")
		}
	}
	if len(f.Remediation) > 0 {
		b.WriteString("*" + t("text.steps") + "*\n")
		for i, step := range f.Remediation {
			fmt.Fprintf(&b, "%d. %s\n", i+1, step)
		}
	}
	if details && len(f.References) > 0 {
		b.WriteString("*" + t("text.references") + "*\n")
		for _, ref := range f.References {
			b.WriteString("• " + ref + "\n")
		}
	}
	out := strings.TrimRight(b.String(), "\n")
	if details {
		return out // mrkdwn cuts it at the limit
	}
	return cutWith(out, maxText, t("label.cut"))
}

func verdictIcon(v diagnosis.Verdict) string {
	switch v {
	case diagnosis.VerdictBlocked:
		return "⛔"
	case diagnosis.VerdictAtRisk:
		return "⚠️"
	case diagnosis.VerdictHealthy:
		return "✅"
	}
	return "❔"
}

func severityIcon(f diagnosis.Finding) string {
	switch {
	case f.Resolved:
		return ":white_check_mark:"
	case f.Severity == diagnosis.SeverityCritical:
		return ":red_circle:"
	case f.Severity == diagnosis.SeverityWarning:
		return ":large_orange_circle:"
	}
	return ":information_source:"
}

func section(text *slackapi.TextBlockObject) *slackapi.SectionBlock {
	return slackapi.NewSectionBlock(text, nil, nil)
}

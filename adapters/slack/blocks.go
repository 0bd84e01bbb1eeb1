package slack

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

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

const signInLogsURL = "https://entra.microsoft.com/#view/Microsoft_AAD_IAM/SignInLogsList.ReactView"

// Message is a rendered reply: the fallback text and the blocks.
type Message struct {
	Text   string             `json:"text"`
	Blocks slackapi.Blocks    `json:"blocks"`
	Kind   handlers.ReplyKind `json:"-"`
}

// Render turns a reply into Block Kit, within Slack's limits. It is a pure
// function of the reply and the conversation catalog.
func Render(r handlers.Reply, msg *diagnosis.Text) Message {
	m := Message{Text: cut(r.Text, maxText), Kind: r.Kind}
	if r.Kind == handlers.ReplyDiagnosis && r.Diagnosis != nil {
		m.Blocks.BlockSet = diagnosisBlocks(*r.Diagnosis, r.DiagnosisID, r.Lang, msg, 6)
		m.Text = cut(r.Diagnosis.Summary, maxText)
		return m
	}
	if r.Kind == handlers.ReplyDetails && r.Diagnosis != nil {
		m.Blocks.BlockSet = diagnosisBlocks(*r.Diagnosis, r.DiagnosisID, r.Lang, msg, maxBlocks)
		m.Text = cut(r.Diagnosis.Summary, maxText)
		return m
	}
	for _, chunk := range chunks(r.Text, maxText, maxBlocks) {
		m.Blocks.BlockSet = append(m.Blocks.BlockSet, section(mrkdwn(chunk)))
	}
	return m
}

// MessageJSON is the chat.postMessage payload of a reply (without the
// channel), as `bot check --output slack` prints it.
func MessageJSON(r handlers.Reply, msg *diagnosis.Text) ([]byte, error) {
	return json.MarshalIndent(Render(r, msg), "", "  ")
}

func diagnosisBlocks(d diagnosis.Diagnosis, id, lang string, msg *diagnosis.Text, maxFindings int) []slackapi.Block {
	t := func(key string, args ...string) string { return msg.T(lang, key, args...) }
	who := d.Query.User
	if d.User != nil {
		who = d.User.UserPrincipalName
	}
	blocks := []slackapi.Block{
		slackapi.NewHeaderBlock(slackapi.NewTextBlockObject(slackapi.PlainTextType,
			cut(verdictIcon(d.Verdict)+" "+t("verdict."+string(d.Verdict))+": "+who, maxHeaderText), true, false)),
		section(mrkdwn(cut(escape(d.Summary), maxText))),
		slackapi.NewContextBlock("window", mrkdwn(cut(t("label.window",
			"since", d.Query.Since.Format("2006-01-02 15:04"), "until", d.Query.Until.Format("2006-01-02 15:04 UTC"),
			"signins", strconv.Itoa(d.Stats.SignIns), "failures", strconv.Itoa(d.Stats.Failures),
			"policies", strconv.Itoa(d.Stats.PoliciesEvaluated)), maxText))),
	}
	// Room for the findings: what comes after them needs up to four blocks.
	room := maxBlocks - len(blocks) - 4
	shown := 0
	for _, f := range d.Findings {
		if shown >= maxFindings || shown*2+2 > room {
			break
		}
		blocks = append(blocks, slackapi.NewDividerBlock(), section(mrkdwn(findingText(f, lang, msg))))
		shown++
	}
	if rest := len(d.Findings) - shown; rest > 0 {
		blocks = append(blocks, slackapi.NewContextBlock("more", mrkdwn(t("label.more", "count", strconv.Itoa(rest)))))
	}
	if len(d.Warnings) > 0 {
		var ws []string
		for _, w := range d.Warnings {
			ws = append(ws, ":warning: "+escape(w.Message))
		}
		blocks = append(blocks, slackapi.NewContextBlock("warnings", mrkdwn(cut(strings.Join(ws, "\n"), maxText))))
	}
	open := signInLogsURL
	for _, f := range d.Findings {
		if len(f.Policies) > 0 {
			open = "https://entra.microsoft.com/#view/Microsoft_AAD_ConditionalAccess/PolicyBlade/policyId/" + f.Policies[0].ID
			break
		}
	}
	var buttons []slackapi.BlockElement
	if id != "" {
		recheck := slackapi.NewButtonBlockElement(actionRecheck, id, slackapi.NewTextBlockObject(slackapi.PlainTextType, cut(t("button.recheck"), maxButtonText), false, false))
		recheck.Style = slackapi.StylePrimary
		details := slackapi.NewButtonBlockElement(actionDetails, id, slackapi.NewTextBlockObject(slackapi.PlainTextType, cut(t("button.details"), maxButtonText), false, false))
		buttons = append(buttons, recheck, details)
	}
	link := slackapi.NewButtonBlockElement(actionOpen, "open", slackapi.NewTextBlockObject(slackapi.PlainTextType, cut(t("button.open_entra"), maxButtonText), false, false))
	link.URL = open
	buttons = append(buttons, link)
	blocks = append(blocks, slackapi.NewActionBlock("diagnosis_actions", buttons...))
	return blocks
}

// findingText is one finding in mrkdwn: title, severity, detail, evidence
// and numbered steps, cut to Slack's text limit.
func findingText(f diagnosis.Finding, lang string, msg *diagnosis.Text) string {
	t := func(key string, args ...string) string { return msg.T(lang, key, args...) }
	var b strings.Builder
	sev := t("severity." + string(f.Severity))
	if f.Resolved {
		sev += ", " + t("text.resolved")
	}
	fmt.Fprintf(&b, "%s *%s*  _%s_\n", severityIcon(f), escape(f.Title), sev)
	if f.Detail != "" {
		b.WriteString(escape(f.Detail) + "\n")
	}
	for _, p := range f.Policies {
		b.WriteString("• " + escape(t("text.policy_line", "name", p.DisplayName, "id", p.ID,
			"state", t("state."+string(p.State)), "controls", strings.Join(p.Controls, ", "))) + "\n")
	}
	if len(f.SignIns) > 0 {
		s := f.SignIns[0]
		b.WriteString("• " + escape(t("text.signin_line", "when", s.CreatedDateTime.Format("2006-01-02 15:04 UTC"),
			"app", s.AppDisplayName, "code", strconv.Itoa(s.ErrorCode), "ip", s.IPAddress, "correlation", s.CorrelationID)) + "\n")
	}
	if len(f.Remediation) > 0 {
		b.WriteString("*" + escape(t("text.steps")) + "*\n")
		for i, step := range f.Remediation {
			fmt.Fprintf(&b, "%d. %s\n", i+1, escape(step))
		}
	}
	return cut(strings.TrimRight(b.String(), "\n"), maxText)
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

func mrkdwn(s string) *slackapi.TextBlockObject {
	return slackapi.NewTextBlockObject(slackapi.MarkdownType, s, false, false)
}

// escape keeps text from being read as Slack markup (<, >, &).
func escape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// cut shortens s to at most n characters, ending in an ellipsis.
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// chunks splits text at line breaks into pieces of at most n characters,
// at most max pieces.
func chunks(text string, n, max int) []string {
	var out []string
	var cur strings.Builder
	for _, line := range strings.Split(escape(text), "\n") {
		if utf8.RuneCountInString(cur.String())+utf8.RuneCountInString(line)+1 > n && cur.Len() > 0 {
			out = append(out, cur.String())
			cur.Reset()
		}
		if cur.Len() > 0 {
			cur.WriteString("\n")
		}
		cur.WriteString(cut(line, n))
	}
	if cur.Len() > 0 || len(out) == 0 {
		out = append(out, cur.String())
	}
	if len(out) > max {
		out = out[:max]
	}
	return out
}

package teams

import (
	"bytes"
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	bfschema "github.com/infracloudio/msbotbuilder-go/schema"

	"github.com/onboard-check/onboard-check/diagnosis"
	"github.com/onboard-check/onboard-check/handlers"
)

// CardContentType is the attachment type of an Adaptive Card.
const CardContentType = "application/vnd.microsoft.card.adaptive"

// cardVersion is the highest Adaptive Card version every Teams client
// renders (https://learn.microsoft.com/microsoftteams/platform/task-modules-and-cards/cards/cards-reference).
const cardVersion = "1.5"

// Bounds of a reply. Teams refuses a message of more than about 80 KB
// (card and envelope); the card drops findings until the activity fits.
const (
	maxActivityBytes  = 76 << 10
	maxCardFindings   = 8
	maxFindingText    = 2000
	maxPolicyFacts    = 10
	maxTextBlock      = 8000
	maxSummary        = 300
	maxCardFallback   = 2000
	maxDetailFindings = 50
)

const (
	signInLogsURL = "https://entra.microsoft.com/#view/Microsoft_AAD_IAM/SignInLogsList.ReactView"
	policyURL     = "https://entra.microsoft.com/#view/Microsoft_AAD_ConditionalAccess/PolicyBlade/policyId/"
)

type card = map[string]any

// outgoing is the message activity the bot posts: the card and a plain
// text fallback. Teams shows text above the card, so text is a one-line
// lead (the diagnosis summary) rather than the card again; summary is
// the preview where a card cannot be shown.
type outgoing struct {
	Type         string                        `json:"type"`
	ID           string                        `json:"id,omitempty"` // set on an update
	Text         string                        `json:"text,omitempty"`
	TextFormat   string                        `json:"textFormat,omitempty"`
	Summary      string                        `json:"summary,omitempty"`
	Locale       string                        `json:"locale,omitempty"`
	From         *bfschema.ChannelAccount      `json:"from,omitempty"`
	Recipient    *bfschema.ChannelAccount      `json:"recipient,omitempty"`
	Conversation *bfschema.ConversationAccount `json:"conversation,omitempty"`
	ReplyToID    string                        `json:"replyToId,omitempty"`
	Attachments  []bfschema.Attachment         `json:"attachments,omitempty"`
}

// CardJSON renders a reply as an Adaptive Card (version 1.5), indented, as
// `bot check --output teams` prints it: for a diagnosis the verdict, a
// container per finding with its facts and numbered steps, and the
// Recheck, Details and Open in Entra actions; any other reply as text
// blocks. It is a pure function of the reply and the conversation catalog.
func CardJSON(r handlers.Reply, msg *diagnosis.Text) ([]byte, error) {
	a := render(r, msg)
	if len(a.Attachments) == 0 {
		return marshalIndent(textCard(r.Text)) // an acknowledgement is text only
	}
	return marshalIndent(a.Attachments[0].Content)
}

// ActivityJSON renders a reply as the message activity the bot posts to
// the connector, indented: the card of CardJSON as an attachment and a
// text fallback, under about 80 KB. The connector call adds the
// conversation, the sender and replyToId.
func ActivityJSON(r handlers.Reply, msg *diagnosis.Text) ([]byte, error) {
	return marshalIndent(render(r, msg))
}

// render builds the activity of a reply, dropping findings from the card
// until it fits in a Teams message.
func render(r handlers.Reply, msg *diagnosis.Text) outgoing {
	limit := maxCardFindings
	if r.Kind == handlers.ReplyDetails {
		limit = maxDetailFindings
	}
	for {
		a := build(r, msg, limit)
		b, err := marshal(a)
		if err != nil || len(b) <= maxActivityBytes || limit <= 1 {
			return a
		}
		limit--
	}
}

func build(r handlers.Reply, msg *diagnosis.Text, limit int) outgoing {
	// Teams clients may read a message's text as Markdown, whatever
	// textFormat says, so the text is escaped like the card's.
	a := outgoing{Type: typeMessage, Locale: r.Lang, TextFormat: "markdown"}
	var c card
	switch {
	case r.Kind == handlers.ReplyAck || r.Kind == handlers.ReplyProgress:
		// The acknowledgement and its updates are one line of text,
		// later replaced by the answer.
		a.Text = cutEscaped(escapeText(r.Text), maxSummary*4)
		return a
	case (r.Kind == handlers.ReplyDiagnosis || r.Kind == handlers.ReplyDetails) && r.Diagnosis != nil:
		c = diagnosisCard(*r.Diagnosis, r.DiagnosisID, r.Lang, msg, limit)
		a.Text = cutEscaped(escapeText(r.Diagnosis.Summary), maxSummary*4)
		a.Summary = cut(title(*r.Diagnosis, r.Lang, msg), maxSummary)
	default:
		c = textCard(r.Text)
		first, _, _ := strings.Cut(r.Text, "\n")
		a.Summary = cut(first, maxSummary)
	}
	if r.Text != "" {
		c["fallbackText"] = cutEscaped(escapeText(r.Text), maxCardFallback)
	}
	a.Attachments = []bfschema.Attachment{{ContentType: CardContentType, Content: c}}
	return a
}

func newCard(body, actions []any) card {
	c := card{"type": "AdaptiveCard", "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
		"version": cardVersion, "body": body, "msteams": card{"width": "Full"}}
	if len(actions) > 0 {
		c["actions"] = actions
	}
	return c
}

// textCard shows a reply's text, a text block per paragraph.
func textCard(text string) card {
	var body []any
	for _, p := range strings.Split(cut(text, maxTextBlock), "\n\n") {
		if p = strings.TrimSpace(p); p != "" {
			body = append(body, textBlock(p, maxTextBlock))
		}
	}
	if len(body) == 0 {
		body = append(body, textBlock(" ", 1))
	}
	return newCard(body, nil)
}

func title(d diagnosis.Diagnosis, lang string, msg *diagnosis.Text) string {
	who := d.Query.User
	if d.User != nil {
		who = d.User.UserPrincipalName
	}
	return msg.T(lang, "card.title", "verdict", msg.T(lang, "verdict."+string(d.Verdict)), "user", who)
}

func diagnosisCard(d diagnosis.Diagnosis, id, lang string, msg *diagnosis.Text, limit int) card {
	t := func(key string, args ...string) string { return msg.T(lang, key, args...) }
	color := map[diagnosis.Verdict]string{diagnosis.VerdictBlocked: "attention", diagnosis.VerdictAtRisk: "warning",
		diagnosis.VerdictHealthy: "good"}[d.Verdict]
	if color == "" {
		color = "default"
	}
	body := []any{
		card{"type": "TextBlock", "text": cutEscaped(escapeText(title(d, lang, msg)), 400), "size": "Large", "weight": "Bolder", "wrap": true, "color": color},
		textBlock(d.Summary, maxFindingText),
		card{"type": "TextBlock", "isSubtle": true, "size": "Small", "wrap": true, "spacing": "Small", "text": escapeText(t("label.window",
			"since", d.Query.Since.UTC().Format("2006-01-02 15:04"), "until", d.Query.Until.UTC().Format("2006-01-02 15:04 UTC"),
			"signins", strconv.Itoa(d.Stats.SignIns), "failures", strconv.Itoa(d.Stats.Failures),
			"policies", strconv.Itoa(d.Stats.PoliciesEvaluated)))},
	}
	for i, f := range d.Findings {
		if i >= limit {
			body = append(body, card{"type": "TextBlock", "isSubtle": true, "wrap": true, "separator": true,
				"text": escapeText(t("label.more", "count", strconv.Itoa(len(d.Findings)-limit)))})
			break
		}
		body = append(body, findingContainer(f, lang, msg))
	}
	if len(d.Warnings) > 0 {
		var ws []string
		for _, w := range d.Warnings {
			ws = append(ws, w.Message)
		}
		body = append(body, card{"type": "Container", "separator": true, "items": []any{
			card{"type": "TextBlock", "text": escapeText(t("text.warnings")), "weight": "Bolder", "color": "warning", "wrap": true},
			markdownBlock(escapeLines(ws, false), maxFindingText),
		}})
	}
	open := signInLogsURL
	for _, f := range d.Findings {
		if len(f.Policies) > 0 && f.Policies[0].ID != "" {
			open = policyURL + url.PathEscape(f.Policies[0].ID)
			break
		}
	}
	var actions []any
	if id != "" {
		actions = append(actions,
			card{"type": "Action.Submit", "title": t("button.recheck"), "data": card{"action": actionRecheck, "id": id}},
			card{"type": "Action.Submit", "title": t("button.details"), "data": card{"action": actionDetails, "id": id}})
	}
	if u := openURL(open); u != "" {
		actions = append(actions, card{"type": "Action.OpenUrl", "title": t("button.open_entra"), "url": u})
	}
	return newCard(body, actions)
}

func findingContainer(f diagnosis.Finding, lang string, msg *diagnosis.Text) card {
	t := func(key string, args ...string) string { return msg.T(lang, key, args...) }
	sev := t("severity." + string(f.Severity))
	if f.Resolved {
		sev = t("card.severity_resolved", "severity", sev, "resolved", t("text.resolved"))
	}
	color := "default"
	switch {
	case f.Resolved:
		color = "good"
	case f.Severity == diagnosis.SeverityCritical:
		color = "attention"
	case f.Severity == diagnosis.SeverityWarning:
		color = "warning"
	}
	items := []any{
		card{"type": "TextBlock", "text": cutEscaped(escapeText(f.Title), 400), "weight": "Bolder", "wrap": true, "color": color},
		card{"type": "TextBlock", "text": escapeText(sev), "isSubtle": true, "spacing": "None", "size": "Small", "wrap": true},
	}
	if f.Detail != "" {
		items = append(items, textBlock(f.Detail, maxFindingText))
	}
	var facts []any
	fact := func(title, value string) {
		facts = append(facts, card{"title": escapeText(title), "value": cutEscaped(escapeText(value), 300)})
	}
	for i, p := range f.Policies {
		if i == maxPolicyFacts {
			fact(t("fact.policy"), t("label.more", "count", strconv.Itoa(len(f.Policies)-i)))
			break
		}
		fact(t("fact.policy"), p.DisplayName)
		fact(t("fact.state"), t("state."+string(p.State)))
		if len(p.Controls) > 0 {
			fact(t("fact.controls"), strings.Join(p.Controls, ", "))
		}
	}
	if f.ErrorCode != 0 {
		fact(t("fact.error"), strconv.Itoa(f.ErrorCode))
	}
	if f.App != nil && f.App.DisplayName != "" {
		fact(t("fact.app"), f.App.DisplayName)
	}
	if len(f.SignIns) > 0 {
		s := f.SignIns[0]
		last := s.CreatedDateTime.UTC().Format("2006-01-02 15:04 UTC")
		if s.IPAddress != "" {
			last += " · " + s.IPAddress
		}
		fact(t("fact.last_signin"), last)
	}
	if len(facts) > 0 {
		items = append(items, card{"type": "FactSet", "facts": facts})
	}
	if len(f.Remediation) > 0 {
		items = append(items, card{"type": "TextBlock", "text": escapeText(t("text.steps")), "weight": "Bolder", "spacing": "Small", "wrap": true},
			markdownBlock(escapeLines(f.Remediation, true), maxFindingText))
	}
	if links := referenceActions(f.References, t("button.open_entra")); len(links) > 0 {
		items = append(items, card{"type": "ActionSet", "spacing": "Small", "actions": links})
	}
	return card{"type": "Container", "separator": true, "spacing": "Medium", "items": items}
}

// maxReferences bounds the links under a finding.
const maxReferences = 3

// referenceActions are the links of a finding that the bot built, as
// Action.OpenUrl buttons: the first Entra admin center page, titled
// openEntra, and Microsoft Learn pages, titled by their slug. Any other
// URL is left out.
func referenceActions(refs []string, openEntra string) []any {
	var out []any
	entra := false
	for _, r := range refs {
		u := openURL(r)
		if u == "" {
			continue
		}
		p, _ := url.Parse(u)
		title := ""
		switch {
		case strings.EqualFold(p.Host, "learn.microsoft.com"):
			slug := strings.Trim(p.Path, "/")
			slug = slug[strings.LastIndex(slug, "/")+1:]
			if slug == "" {
				continue
			}
			title = strings.ToUpper(slug[:1]) + strings.ReplaceAll(slug[1:], "-", " ")
		case !entra && strings.EqualFold(p.Host, "entra.microsoft.com"):
			entra, title = true, openEntra
		default:
			continue
		}
		out = append(out, card{"type": "Action.OpenUrl", "title": cut(title, 60), "url": u})
		if len(out) == maxReferences {
			break
		}
	}
	return out
}

// textBlock is a TextBlock showing text as itself, cut to n runes.
func textBlock(text string, n int) card {
	return markdownBlock(escapeText(text), n)
}

// markdownBlock is a TextBlock of Markdown the bot built around escaped
// text (lists), cut to n runes.
func markdownBlock(md string, n int) card {
	return card{"type": "TextBlock", "text": cutEscaped(md, n), "wrap": true}
}

// cut shortens s to n runes, marking the cut with an ellipsis.
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

// marshal encodes without HTML escaping: the connector takes UTF-8 JSON,
// and "<" and ">" in remediation text stay readable in golden files.
func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

func marshalIndent(v any) ([]byte, error) {
	b, err := marshal(v)
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	if err := json.Indent(&out, b, "", "  "); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

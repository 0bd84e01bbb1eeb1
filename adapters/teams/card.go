package teams

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	bfschema "github.com/infracloudio/msbotbuilder-go/schema"

	"github.com/onboard-check/onboard-check/diagnosis"
	"github.com/onboard-check/onboard-check/handlers"
)

// CardContentType is the attachment type of an Adaptive Card.
const CardContentType = "application/vnd.microsoft.card.adaptive"

// cardVersion is the highest Adaptive Card version Teams renders everywhere.
const cardVersion = "1.5"

// Card bounds: Teams refuses messages over about 80 KB.
const (
	maxCardFindings = 8
	maxCardText     = 2000
	maxTextFallback = 4000
)

const signInLogsURL = "https://entra.microsoft.com/#view/Microsoft_AAD_IAM/SignInLogsList.ReactView"

type card = map[string]any

// Card renders a reply as an Adaptive Card (version 1.5): the verdict, a
// container per finding with its facts and numbered steps, and Recheck,
// Details and Open in Entra actions. It is a pure function of the reply
// and the conversation catalog.
func Card(r handlers.Reply, msg *diagnosis.Text) card {
	body := []any{}
	var actions []any
	switch {
	case (r.Kind == handlers.ReplyDiagnosis || r.Kind == handlers.ReplyDetails) && r.Diagnosis != nil:
		max := maxCardFindings
		if r.Kind == handlers.ReplyDetails {
			max = 20
		}
		body, actions = diagnosisCard(*r.Diagnosis, r.DiagnosisID, r.Lang, msg, max)
	default:
		body = append(body, textBlock(cut(r.Text, maxCardText*4), "", ""))
	}
	c := card{"type": "AdaptiveCard", "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
		"version": cardVersion, "body": body}
	if len(actions) > 0 {
		c["actions"] = actions
	}
	return c
}

// CardJSON is the card alone, as `bot check --output teams` prints it.
func CardJSON(r handlers.Reply, msg *diagnosis.Text) ([]byte, error) {
	return json.MarshalIndent(Card(r, msg), "", "  ")
}

// reply is the message activity the bot posts.
type reply struct {
	Type         string                        `json:"type"`
	Text         string                        `json:"text,omitempty"`
	TextFormat   string                        `json:"textFormat,omitempty"`
	Locale       string                        `json:"locale,omitempty"`
	From         *bfschema.ChannelAccount      `json:"from,omitempty"`
	Recipient    *bfschema.ChannelAccount      `json:"recipient,omitempty"`
	Conversation *bfschema.ConversationAccount `json:"conversation,omitempty"`
	ReplyToID    string                        `json:"replyToId,omitempty"`
	Attachments  []bfschema.Attachment         `json:"attachments,omitempty"`
}

// Activity is the message activity for a reply: the card and a plain-text
// fallback.
func Activity(r handlers.Reply, msg *diagnosis.Text) reply {
	a := reply{Type: string(bfschema.Message), Text: cut(r.Text, maxTextFallback), TextFormat: "plain", Locale: r.Lang}
	if r.Kind == handlers.ReplyDiagnosis && r.Diagnosis != nil {
		a.Text = r.Diagnosis.Summary
	}
	a.Attachments = []bfschema.Attachment{{ContentType: CardContentType, Content: Card(r, msg)}}
	return a
}

// ActivityJSON is the message activity of a reply, as posted to the connector.
func ActivityJSON(r handlers.Reply, msg *diagnosis.Text) ([]byte, error) {
	return json.MarshalIndent(Activity(r, msg), "", "  ")
}

func diagnosisCard(d diagnosis.Diagnosis, id, lang string, msg *diagnosis.Text, max int) ([]any, []any) {
	t := func(key string, args ...string) string { return msg.T(lang, key, args...) }
	who := d.Query.User
	if d.User != nil {
		who = d.User.UserPrincipalName
	}
	color := map[diagnosis.Verdict]string{diagnosis.VerdictBlocked: "attention", diagnosis.VerdictAtRisk: "warning",
		diagnosis.VerdictHealthy: "good"}[d.Verdict]
	body := []any{
		card{"type": "TextBlock", "text": t("verdict."+string(d.Verdict)) + ": " + who, "size": "Large", "weight": "Bolder", "wrap": true, "color": orDefault(color)},
		textBlock(d.Summary, "", ""),
		card{"type": "TextBlock", "isSubtle": true, "size": "Small", "wrap": true, "text": t("label.window",
			"since", d.Query.Since.Format("2006-01-02 15:04"), "until", d.Query.Until.Format("2006-01-02 15:04 UTC"),
			"signins", strconv.Itoa(d.Stats.SignIns), "failures", strconv.Itoa(d.Stats.Failures),
			"policies", strconv.Itoa(d.Stats.PoliciesEvaluated))},
	}
	for i, f := range d.Findings {
		if i >= max {
			body = append(body, card{"type": "TextBlock", "isSubtle": true, "wrap": true,
				"text": t("label.more", "count", strconv.Itoa(len(d.Findings)-max))})
			break
		}
		body = append(body, findingContainer(f, lang, msg))
	}
	if len(d.Warnings) > 0 {
		var ws []string
		for _, w := range d.Warnings {
			ws = append(ws, "- "+w.Message)
		}
		body = append(body, card{"type": "TextBlock", "text": cut(strings.Join(ws, "\n"), maxCardText), "wrap": true, "color": "warning", "separator": true})
	}
	open := signInLogsURL
	for _, f := range d.Findings {
		if len(f.Policies) > 0 {
			open = "https://entra.microsoft.com/#view/Microsoft_AAD_ConditionalAccess/PolicyBlade/policyId/" + f.Policies[0].ID
			break
		}
	}
	var actions []any
	if id != "" {
		actions = append(actions,
			card{"type": "Action.Submit", "title": t("button.recheck"), "data": card{"action": "recheck", "id": id}},
			card{"type": "Action.Submit", "title": t("button.details"), "data": card{"action": "details", "id": id}})
	}
	actions = append(actions, card{"type": "Action.OpenUrl", "title": t("button.open_entra"), "url": open})
	return body, actions
}

func findingContainer(f diagnosis.Finding, lang string, msg *diagnosis.Text) card {
	t := func(key string, args ...string) string { return msg.T(lang, key, args...) }
	sev := t("severity." + string(f.Severity))
	if f.Resolved {
		sev += ", " + t("text.resolved")
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
		card{"type": "TextBlock", "text": cut(f.Title, 400), "weight": "Bolder", "wrap": true, "color": color},
		card{"type": "TextBlock", "text": sev, "isSubtle": true, "spacing": "None", "size": "Small"},
	}
	if f.Detail != "" {
		items = append(items, textBlock(cut(f.Detail, maxCardText), "", ""))
	}
	var facts []any
	for _, p := range f.Policies {
		facts = append(facts, card{"title": t("fact.policy"), "value": cut(fmt.Sprintf("%s (%s; %s)", p.DisplayName, t("state."+string(p.State)), strings.Join(p.Controls, ", ")), 300)})
	}
	if f.ErrorCode != 0 {
		facts = append(facts, card{"title": t("fact.error"), "value": strconv.Itoa(f.ErrorCode)})
	}
	if f.App != nil {
		facts = append(facts, card{"title": t("fact.app"), "value": cut(f.App.DisplayName, 200)})
	}
	if len(f.SignIns) > 0 {
		s := f.SignIns[0]
		facts = append(facts, card{"title": t("fact.last_signin"), "value": s.CreatedDateTime.Format("2006-01-02 15:04 UTC") + " · " + s.IPAddress})
	}
	if len(facts) > 0 {
		items = append(items, card{"type": "FactSet", "facts": facts})
	}
	if len(f.Remediation) > 0 {
		var steps []string
		for i, s := range f.Remediation {
			steps = append(steps, strconv.Itoa(i+1)+". "+s)
		}
		items = append(items, card{"type": "TextBlock", "text": t("text.steps"), "weight": "Bolder", "spacing": "Small"},
			textBlock(cut(strings.Join(steps, "\n\n"), maxCardText), "", ""))
	}
	return card{"type": "Container", "separator": true, "spacing": "Medium", "items": items}
}

func textBlock(text, size, weight string) card {
	c := card{"type": "TextBlock", "text": text, "wrap": true}
	if size != "" {
		c["size"] = size
	}
	if weight != "" {
		c["weight"] = weight
	}
	return c
}

func orDefault(c string) string {
	if c == "" {
		return "default"
	}
	return c
}

func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

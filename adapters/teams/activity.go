package teams

import (
	"encoding/json"
	"errors"
	"html"
	"regexp"
	"strings"

	bfschema "github.com/infracloudio/msbotbuilder-go/schema"
)

// Activity types the bot acts on.
const (
	typeMessage            = "message"
	typeConversationUpdate = "conversationUpdate"
	typeTyping             = "typing"
	typeInvoke             = "invoke"
)

// Channels the bot serves: Teams, and the Bot Framework Emulator when the
// configuration allows it.
const (
	channelTeams    = "msteams"
	channelEmulator = "emulator"
)

// Card submit actions; the card's Action.Submit data names one.
const (
	actionRecheck = "recheck"
	actionDetails = "details"
)

// activity is an incoming activity, decoded tolerantly: a value that is
// not an object, a field of an unexpected type or an unknown field do not
// fail the whole activity, and mention entities keep their text (which
// msbotbuilder-go's Entity type drops).
type activity struct {
	Type         string                       `json:"type"`
	ID           string                       `json:"id"`
	ServiceURL   string                       `json:"serviceUrl"`
	ChannelID    string                       `json:"channelId"`
	From         bfschema.ChannelAccount      `json:"from"`
	Recipient    bfschema.ChannelAccount      `json:"recipient"`
	Conversation bfschema.ConversationAccount `json:"conversation"`
	Text         string                       `json:"text"`
	Locale       string                       `json:"locale"`
	ReplyToID    string                       `json:"replyToId"`
	Entities     []json.RawMessage            `json:"entities"`
	MembersAdded []bfschema.ChannelAccount    `json:"membersAdded"`
	Value        json.RawMessage              `json:"value"`
	ChannelData  struct {
		Tenant struct {
			ID string `json:"id"`
		} `json:"tenant"`
		Team struct {
			ID string `json:"id"`
		} `json:"team"`
		Channel struct {
			ID string `json:"id"`
		} `json:"channel"`
	} `json:"channelData"`
}

// mention is a mention entity.
type mention struct {
	Type      string `json:"type"`
	Text      string `json:"text"`
	Mentioned struct {
		ID          string `json:"id"`
		Name        string `json:"name"`
		AADObjectID string `json:"aadObjectId"`
	} `json:"mentioned"`
}

// parseActivity decodes an activity body. A field of the wrong type is
// left empty rather than failing the activity; an activity without type,
// serviceUrl or conversation is an error.
func parseActivity(body []byte) (activity, error) {
	var a activity
	if err := json.Unmarshal(body, &a); err != nil {
		var typeErr *json.UnmarshalTypeError
		if !errors.As(err, &typeErr) {
			return activity{}, err
		}
		// encoding/json fills every field it can before it reports the
		// first mismatched one; keep them.
	}
	if a.Type == "" || a.ServiceURL == "" || a.Conversation.ID == "" {
		return activity{}, errors.New("activity without type, serviceUrl or conversation")
	}
	return a, nil
}

func (a activity) mentions() []mention {
	var out []mention
	for _, raw := range a.Entities {
		var m mention
		if json.Unmarshal(raw, &m) == nil && m.Type == "mention" {
			out = append(out, m)
		}
	}
	return out
}

// tenantID is the tenant the activity comes from: conversation.tenantId,
// else channelData.tenant.id. When both are given and differ, it is ""
// and ok is false: the activity does not say one thing.
func (a activity) tenantID() (id string, ok bool) {
	conv, data := a.Conversation.TenantID, a.ChannelData.Tenant.ID
	switch {
	case conv != "" && data != "" && !strings.EqualFold(conv, data):
		return "", false
	case conv != "":
		return conv, true
	}
	return data, data != ""
}

// thread splits the conversation id into the conversation and the root
// of the thread. A channel thread is "19:…@thread.tacv2;messageid=ROOT";
// a channel message without it starts a thread of its own (the reply to
// it goes there); a personal or group chat is one thread.
func (a activity) thread() (conversation, root string) {
	id := a.Conversation.ID
	if c, r, ok := strings.Cut(id, ";messageid="); ok && c != "" && r != "" {
		return c, r
	}
	if a.Conversation.ConversationType == "channel" && a.ID != "" {
		return id, a.ID
	}
	return id, id
}

var (
	spaces = regexp.MustCompile(`\s+`)
	// markup is the HTML Teams may wrap a message's text in; mentions
	// (<at>) are kept, the rest is reduced to its text.
	markup = regexp.MustCompile(`(?i)</?(?:p|div|span|br|b|i|u|strong|em|a|code|pre|font|s|strike)(?:\s[^<>]*)?/?>`)
)

// submit is the data of a card's Action.Submit.
type submit struct {
	Action string `json:"action"`
	ID     string `json:"id"`
}

// submitted returns the card submit the activity carries, if its value is
// one of ours.
func (a activity) submitted() (submit, bool) {
	if len(a.Value) == 0 || a.Value[0] != '{' {
		return submit{}, false
	}
	var v submit
	if json.Unmarshal(a.Value, &v) != nil || (v.Action != actionRecheck && v.Action != actionDetails) {
		return submit{}, false
	}
	return v, true
}

// command is the text of a message without the bot's own mention, markup
// and entities, or the follow-up a card submit asks for.
func (a activity) command() string {
	if v, ok := a.submitted(); ok {
		return v.Action
	}
	var own []string // the bot's mention, as sent and unescaped
	for _, m := range a.mentions() {
		if m.Mentioned.ID == a.Recipient.ID && len(m.Text) > 1 {
			own = append(own, m.Text, html.UnescapeString(m.Text))
		}
	}
	strip := func(text string) string {
		for _, m := range own {
			for len(m) > 1 && strings.Contains(text, m) {
				text = strings.ReplaceAll(text, m, " ")
			}
		}
		return text
	}
	text := markup.ReplaceAllString(strip(a.Text), " ")
	// Teams sends HTML entities and non-breaking spaces in message text.
	text = strings.ReplaceAll(html.UnescapeString(text), "\u00a0", " ")
	return strings.TrimSpace(strip(spaces.ReplaceAllString(text, " ")))
}

// replyTo is the activity a reply answers: the message itself, so that
// the reply lands in its thread. Other activities (the bot added to a
// team) are answered with a new message in the conversation.
func (a activity) replyTo() string {
	if a.Type == typeMessage {
		return a.ID
	}
	return ""
}

// botAdded reports whether the activity says the bot joined a chat or team.
func (a activity) botAdded() bool {
	for _, m := range a.MembersAdded {
		if m.ID != "" && m.ID == a.Recipient.ID {
			return true
		}
	}
	return false
}

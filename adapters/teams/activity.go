package teams

import (
	"encoding/json"
	"errors"
	"regexp"
	"strings"

	bfschema "github.com/infracloudio/msbotbuilder-go/schema"
)

// activity is an incoming activity, decoded tolerantly: a value that is not
// an object, or unknown fields, do not fail the whole activity.
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

// parseActivity decodes an activity body.
func parseActivity(body []byte) (activity, error) {
	var a activity
	if err := json.Unmarshal(body, &a); err != nil {
		return activity{}, err
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

// tenantID is the tenant the activity comes from.
func (a activity) tenantID() string {
	if a.Conversation.TenantID != "" {
		return a.Conversation.TenantID
	}
	return a.ChannelData.Tenant.ID
}

// thread splits the conversation id into the conversation and the thread:
// a channel thread is "19:…@thread.tacv2;messageid=ROOT"; a chat is its own
// thread.
func (a activity) thread() (conversation, root string) {
	id := a.Conversation.ID
	if c, r, ok := strings.Cut(id, ";messageid="); ok && c != "" && r != "" {
		return c, r
	}
	return id, id
}

var spaces = regexp.MustCompile(`\s+`)

// command is the text of a message with the bot's own mention removed, and
// the value of a card submit as a follow-up command.
func (a activity) command() string {
	if len(a.Value) > 0 && a.Value[0] == '{' {
		var v struct {
			Action string `json:"action"`
		}
		if json.Unmarshal(a.Value, &v) == nil && (v.Action == "recheck" || v.Action == "details") {
			return v.Action
		}
	}
	text := a.Text
	for _, m := range a.mentions() {
		if m.Mentioned.ID == a.Recipient.ID && m.Text != "" {
			text = strings.ReplaceAll(text, m.Text, " ")
		}
	}
	// Teams sends HTML entities and non-breaking spaces in message text.
	text = strings.NewReplacer("&nbsp;", " ", "\u00a0", " ", "&amp;", "&", "&#39;", "'", "&apos;", "'").Replace(text)
	return strings.TrimSpace(spaces.ReplaceAllString(text, " "))
}

// submitID is the diagnosis id a card submit carries.
func (a activity) submitID() string {
	var v struct {
		ID string `json:"id"`
	}
	if len(a.Value) > 0 && a.Value[0] == '{' && json.Unmarshal(a.Value, &v) == nil {
		return v.ID
	}
	return ""
}

// mentioned finds a mentioned person by the mention's text: their AAD
// object id when the entity carries it, and their Teams user id.
func (a activity) mentioned(name string) (objectID, userID string) {
	for _, m := range a.mentions() {
		if m.Mentioned.ID == a.Recipient.ID {
			continue
		}
		if strings.EqualFold(m.Mentioned.Name, name) || strings.EqualFold(strings.TrimSuffix(strings.TrimPrefix(m.Text, "<at>"), "</at>"), name) {
			return m.Mentioned.AADObjectID, m.Mentioned.ID
		}
	}
	return "", ""
}

// botAdded reports whether the activity says the bot joined a chat or team.
func (a activity) botAdded() bool {
	for _, m := range a.MembersAdded {
		if m.ID == a.Recipient.ID {
			return true
		}
	}
	return false
}

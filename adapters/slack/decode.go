package slack

import (
	"encoding/json"
	"errors"
	"net/url"
	"regexp"
	"strings"
)

// Decoders of what Slack sends: slash command forms, Events API
// envelopes and interaction payloads. They run only on verified requests.

// command is a slash command, decoded from its form body.
type command struct {
	Command, Text, UserID, ChannelID, ResponseURL, TriggerID string
	TeamID                                                   string // the workspace the command was run in
	UserTeam                                                 string // the requester's own team, when Slack names it (shared channels)
	EnterpriseID                                             string // the Enterprise Grid organisation, if any
}

// requester is the team and organisation the command's requester belongs
// to: the organisation only for a requester of the workspace the command
// was run in.
func (c command) requester() requester {
	r := requester{Team: first(c.UserTeam, c.TeamID)}
	if r.Team == c.TeamID {
		r.Enterprise = c.EnterpriseID
	}
	return r
}

// parseCommand decodes a slash command form.
func parseCommand(body []byte) (command, error) {
	v, err := url.ParseQuery(string(body))
	if err != nil {
		return command{}, err
	}
	c := command{Command: v.Get("command"), Text: v.Get("text"), UserID: v.Get("user_id"), ChannelID: v.Get("channel_id"),
		TeamID: v.Get("team_id"), UserTeam: v.Get("user_team"), EnterpriseID: v.Get("enterprise_id"),
		ResponseURL: v.Get("response_url"), TriggerID: v.Get("trigger_id")}
	if c.UserID == "" || c.ChannelID == "" {
		return command{}, errors.New("slash command without user or channel")
	}
	return c, nil
}

// parseCommandJSON decodes a slash command as Socket Mode delivers it: the
// form's fields as a JSON object.
func parseCommandJSON(payload []byte) (command, error) {
	var v struct {
		Command      string `json:"command"`
		Text         string `json:"text"`
		UserID       string `json:"user_id"`
		ChannelID    string `json:"channel_id"`
		ResponseURL  string `json:"response_url"`
		TriggerID    string `json:"trigger_id"`
		TeamID       string `json:"team_id"`
		UserTeam     string `json:"user_team"`
		EnterpriseID string `json:"enterprise_id"`
	}
	if err := json.Unmarshal(payload, &v); err != nil {
		return command{}, err
	}
	if v.UserID == "" || v.ChannelID == "" {
		return command{}, errors.New("slash command without user or channel")
	}
	return command(v), nil
}

// envelope is an Events API request.
type envelope struct {
	Type           string `json:"type"` // url_verification, event_callback
	Challenge      string `json:"challenge"`
	TeamID         string `json:"team_id"`
	EnterpriseID   string `json:"enterprise_id"`
	EventID        string `json:"event_id"`
	Event          event  `json:"event"`
	Authorizations []struct {
		UserID string `json:"user_id"`
		IsBot  bool   `json:"is_bot"`
	} `json:"authorizations"`
}

// event is the inner event of an event_callback: app_mention or message.
type event struct {
	Type        string `json:"type"`
	Subtype     string `json:"subtype"`
	User        string `json:"user"`
	BotID       string `json:"bot_id"`
	Text        string `json:"text"`
	Channel     string `json:"channel"`
	ChannelType string `json:"channel_type"` // channel, group, im, mpim
	TS          string `json:"ts"`
	ThreadTS    string `json:"thread_ts"`
	Team        string `json:"team"`      // the team of the message's author
	UserTeam    string `json:"user_team"` // the author's own team (shared channels)
}

// requester is the team and organisation of the event's author: the
// author's own team where Slack names it (a shared channel), and the
// installing organisation only for an author of the installing workspace.
func (e envelope) requester() requester {
	team := first(e.Event.UserTeam, e.Event.Team, e.TeamID)
	r := requester{Team: team}
	if team == e.TeamID {
		r.Enterprise = e.EnterpriseID
	}
	return r
}

// parseEnvelope decodes an Events API body.
func parseEnvelope(body []byte) (envelope, error) {
	var e envelope
	if err := json.Unmarshal(body, &e); err != nil {
		return envelope{}, err
	}
	if e.Type == "" {
		return envelope{}, errors.New("event without a type")
	}
	return e, nil
}

// botUserID is the bot's own user id, from the event's authorizations.
func (e envelope) botUserID() string {
	for _, a := range e.Authorizations {
		if a.IsBot {
			return a.UserID
		}
	}
	if len(e.Authorizations) > 0 {
		return e.Authorizations[0].UserID
	}
	return ""
}

// interaction is a block_actions payload: a button pressed on a diagnosis.
type interaction struct {
	Type string `json:"type"`
	User struct {
		ID     string `json:"id"`
		TeamID string `json:"team_id"`
	} `json:"user"`
	Team *struct {
		ID string `json:"id"`
	} `json:"team"`
	Enterprise *struct {
		ID string `json:"id"`
	} `json:"enterprise"`
	Channel struct {
		ID string `json:"id"`
	} `json:"channel"`
	Container struct {
		ChannelID   string `json:"channel_id"`
		MessageTS   string `json:"message_ts"`
		ThreadTS    string `json:"thread_ts"`
		IsEphemeral bool   `json:"is_ephemeral"`
	} `json:"container"`
	Message struct {
		TS       string `json:"ts"`
		ThreadTS string `json:"thread_ts"`
	} `json:"message"`
	ResponseURL string `json:"response_url"`
	TriggerID   string `json:"trigger_id"`
	Actions     []struct {
		ActionID string `json:"action_id"`
		Value    string `json:"value"`
		ActionTS string `json:"action_ts"`
	} `json:"actions"`
}

// requester is the team and organisation of whoever pressed: the user's
// own team, and the organisation only when that is the installing team.
func (in interaction) requester() requester {
	var team, ent string
	if in.Team != nil {
		team = in.Team.ID
	}
	if in.Enterprise != nil {
		ent = in.Enterprise.ID
	}
	r := requester{Team: first(in.User.TeamID, team)}
	if r.Team == team {
		r.Enterprise = ent
	}
	return r
}

// teamID is the workspace the interaction happened in.
func (in interaction) teamID() string {
	if in.Team == nil {
		return ""
	}
	return in.Team.ID
}

// parseInteraction decodes the payload field of an interaction form.
func parseInteraction(body []byte) (interaction, error) {
	v, err := url.ParseQuery(string(body))
	if err != nil {
		return interaction{}, err
	}
	var in interaction
	if err := json.Unmarshal([]byte(v.Get("payload")), &in); err != nil {
		return interaction{}, err
	}
	if in.Type == "" {
		return interaction{}, errors.New("interaction without a type")
	}
	return in, nil
}

// maxStrip bounds the rounds of stripBot; deeper nesting is no message a
// person writes, and what is left is merely not understood.
const maxStrip = 64

// mentionRE matches a Slack user mention, <@U123> or <@U123|name>.
var mentionRE = regexp.MustCompile(`<@([A-Z0-9]+)(\|[^>]*)?>`)

// stripBot removes the bot's own mentions from a message's text, until
// none is left (a mention can hide another: "<@<@UBOT>UBOT>"), for up to
// maxStrip rounds. Without the bot's id it drops a leading mention, since
// a mention addresses the bot.
func stripBot(text, botID string) string {
	text = strings.TrimSpace(text)
	if botID == "" {
		if loc := mentionRE.FindStringIndex(text); loc != nil && loc[0] == 0 {
			return strings.TrimSpace(text[loc[1]:])
		}
		return text
	}
	for range maxStrip {
		out := mentionRE.ReplaceAllStringFunc(text, func(m string) string {
			if sub := mentionRE.FindStringSubmatch(m); sub != nil && sub[1] == botID {
				return ""
			}
			return m
		})
		if out == text {
			break
		}
		text = out
	}
	return strings.Join(strings.Fields(text), " ")
}

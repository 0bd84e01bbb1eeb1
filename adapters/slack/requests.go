package slack

import (
	"context"
	"fmt"

	"github.com/onboard-check/onboard-check/handlers"
)

// From a decoded slash command, event or button press to a
// handlers.Request: who asks (bound to the bot's workspace), where, and
// where the reply goes.

// ack is the immediate answer to a slash command, within Slack's 3 s.
type ack struct {
	ResponseType string `json:"response_type"`
	Text         string `json:"text"`
}

// ackOf is the acknowledgement of a reply: always ephemeral, its text
// escaped like every text this surface gives Slack.
func ackOf(r handlers.Reply) ack {
	return ack{ResponseType: "ephemeral", Text: text(r.Text, maxText)}
}

// admit binds a requester to the bot's workspace: it returns false, and
// the refusal to give, for a requester of another team or organisation
// (a guest in a shared channel) or while the bot does not know its own.
func (s *Server) admit(ctx context.Context, req handlers.Request, who requester) (handlers.Reply, bool) {
	self, err := s.whoAmI(ctx, selfWait)
	if err != nil {
		return s.refuse(ctx, req, "unauthenticated"), false
	}
	if !s.member(self, who) {
		return s.refuse(ctx, req, "foreign_team"), false
	}
	return handlers.Reply{}, true
}

// refuse turns a requester away politely, audited by the service; reason
// is a short machine word ("foreign_team", "unauthenticated").
func (s *Server) refuse(ctx context.Context, req handlers.Request, reason string) handlers.Reply {
	r := s.svc.Refuse(ctx, req, reason)
	r.Ephemeral = true
	return r
}

// failure is the reply to an unexpected error, through the service's one
// path for them (logged once under an incident id the requester is told).
func (s *Server) failure(ctx context.Context, lang string, err error) handlers.Reply {
	r := s.svc.Failure(ctx, lang, err)
	r.Ephemeral = true
	return r
}

// command prepares a slash command, starts its slow part and returns the
// acknowledgement, which is always ephemeral. Slack does not redeliver
// slash commands over HTTP; Socket Mode may, and passes its envelope id as
// deliveryID so that a redelivery is answered once.
func (s *Server) command(ctx context.Context, c command, deliveryID string) ack {
	req := handlers.Request{
		Surface: handlers.SurfaceSlack, DeliveryID: deliveryID,
		Requester:    handlers.Principal{ID: c.UserID},
		Conversation: handlers.Conversation{Team: c.TeamID, Channel: c.ChannelID},
		Text:         c.Text, Lang: s.locale(ctx, c.UserID),
	}
	if r, ok := s.admit(ctx, req, c.requester()); !ok {
		return ackOf(r)
	}
	req.Requester.Groups = s.groupsOf(ctx, c.UserID)
	job, reply, err := s.svc.Prepare(ctx, req)
	if err != nil {
		return ackOf(s.failure(ctx, req.Lang, fmt.Errorf("prepare slash command: %w", err)))
	}
	if !job.Empty() {
		to := target{channel: c.ChannelID, user: c.UserID, team: c.requester().Team, responseURL: s.hooks.responseURL(c.ResponseURL),
			private: !s.svc.Public(c.ChannelID), ephemeralAck: true}
		if r, ok := s.enqueue(ctx, job, req.Lang, to); !ok {
			return ackOf(r)
		}
	}
	if reply.Kind == handlers.ReplyDuplicate {
		return ack{ResponseType: "ephemeral"}
	}
	return ackOf(reply)
}

// userMessage reports whether a message event is a person's message: not
// a bot's (this one included), an edit, a join or another system message.
// A reply in a thread that shares a file is a user message.
func userMessage(ev event) bool {
	if ev.BotID != "" || ev.User == "" {
		return false
	}
	switch ev.Subtype {
	case "", "thread_broadcast", "file_share":
		return true
	}
	return false
}

// event handles an app_mention, a direct message to the bot or a thread
// message: a check or a follow-up, answered in the thread. Slack delivers
// a mention in a thread twice (app_mention and message) and retries what
// it thinks timed out; the service claims both the event id and the
// message, so each user message is answered once.
func (s *Server) event(ctx context.Context, env envelope) {
	if env.Type != "event_callback" {
		return
	}
	ev := env.Event
	mention := ev.Type == "app_mention"
	direct := ev.Type == "message" && ev.ChannelType == "im"
	if ev.Type != "message" && !mention {
		return
	}
	if !userMessage(ev) {
		return
	}
	if !mention && !direct && (ev.ThreadTS == "" || ev.ThreadTS == ev.TS) {
		return // outside threads only mentions address the bot
	}
	bot := env.botUserID()
	if bot == "" {
		bot = s.botUserID(ctx)
	}
	if ev.User == bot {
		return
	}
	text := stripBot(ev.Text, bot)
	addressed := mention || direct
	if !addressed {
		// A plain thread message is a follow-up only if it reads as one, and
		// only in the thread of a diagnosis: people talk in threads too.
		// Checks and help need a mention, which arrives as app_mention.
		cmd, err := handlers.Parse(text)
		if err != nil || cmd.Kind == handlers.KindCheck || cmd.Kind == handlers.KindHelp {
			return
		}
	}
	// A mention outside a thread is answered in a thread under it, and a
	// check asked there is linked to that thread before it is posted.
	thread := first(ev.ThreadTS, ev.TS)
	req := handlers.Request{
		Surface: handlers.SurfaceSlack, DeliveryID: env.EventID, MessageKey: ev.Channel + ":" + ev.TS,
		Requester:    handlers.Principal{ID: ev.User},
		Conversation: handlers.Conversation{Team: env.TeamID, Channel: ev.Channel, Thread: thread},
		Text:         text, Lang: s.locale(ctx, ev.User),
	}
	// A direct message is seen only by the requester and the bot.
	to := target{channel: ev.Channel, thread: thread, user: ev.User, team: env.requester().Team,
		private: !direct && !s.svc.Public(ev.Channel)}
	if r, ok := s.admit(ctx, req, env.requester()); !ok {
		if addressed {
			to.private = true
			s.deliverNow(ctx, r, to)
		}
		return
	}
	req.Requester.Groups = s.groupsOf(ctx, ev.User)
	job, reply, err := s.svc.Prepare(ctx, req)
	if err != nil {
		to.private = true
		s.deliverNow(ctx, s.failure(ctx, req.Lang, fmt.Errorf("prepare event: %w", err)), to)
		return
	}
	if reply.Kind == handlers.ReplyDuplicate {
		return
	}
	if !addressed && (reply.Kind == handlers.ReplyUsage || reply.Kind == handlers.ReplyRefusal) {
		return // say nothing in threads that are not the bot's
	}
	if !job.Empty() {
		if r, ok := s.enqueue(ctx, job, req.Lang, to); !ok {
			to.private = true
			s.deliverNow(ctx, r, to)
		}
		return
	}
	if reply.Kind == handlers.ReplyRefusal {
		to.private = true
	}
	s.deliverNow(ctx, reply, to)
}

// interaction runs the follow-up behind a Recheck or Details button, about
// the diagnosis the button carries, in the diagnosis's thread (privately
// when the diagnosis itself was shown only to the requester). Every press
// is its own request; deliveryID is Socket Mode's envelope id, for its
// redeliveries.
func (s *Server) interaction(ctx context.Context, in interaction, deliveryID string) {
	if in.Type != "block_actions" || len(in.Actions) == 0 {
		return
	}
	a := in.Actions[0]
	if a.ActionID != actionRecheck && a.ActionID != actionDetails {
		return // the Open in Entra link needs nothing from us
	}
	channel := first(in.Channel.ID, in.Container.ChannelID)
	root := first(in.Message.ThreadTS, in.Container.ThreadTS, in.Message.TS, in.Container.MessageTS)
	req := handlers.Request{
		Surface: handlers.SurfaceSlack, DeliveryID: deliveryID,
		Requester:    handlers.Principal{ID: in.User.ID},
		Conversation: handlers.Conversation{Team: in.teamID(), Channel: channel, Thread: root},
		Text:         a.ActionID, Lang: s.locale(ctx, in.User.ID),
		Diagnosis: a.Value,
	}
	to := target{channel: channel, thread: root, user: in.User.ID, team: in.requester().Team,
		responseURL: s.hooks.responseURL(in.ResponseURL), private: in.Container.IsEphemeral || !s.svc.Public(channel)}
	if to.private {
		to.thread = "" // an ephemeral message has no thread
	}
	if r, ok := s.admit(ctx, req, in.requester()); !ok {
		to.private = true
		s.deliverNow(ctx, r, to)
		return
	}
	req.Requester.Groups = s.groupsOf(ctx, in.User.ID)
	job, reply, err := s.svc.Prepare(ctx, req)
	if err != nil {
		to.private = true
		s.deliverNow(ctx, s.failure(ctx, req.Lang, fmt.Errorf("prepare button: %w", err)), to)
		return
	}
	if reply.Kind == handlers.ReplyDuplicate {
		return
	}
	if !job.Empty() {
		if r, ok := s.enqueue(ctx, job, req.Lang, to); !ok {
			to.private = true
			s.deliverNow(ctx, r, to)
		}
		return
	}
	to.private = true // a refusal or usage note is for the one who pressed
	s.deliverNow(ctx, reply, to)
}

func first(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

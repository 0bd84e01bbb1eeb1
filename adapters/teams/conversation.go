package teams

import (
	"context"
	"encoding/json"
	"log/slog"
	"time"

	"github.com/onboard-check/onboard-check/handlers"
)

// answerTimeout bounds what the bot posts while the HTTP request waits:
// the acknowledgement of a check and immediate answers (usage, help,
// refusals). The Bot Framework waits 15 s for the response.
const answerTimeout = 8 * time.Second

// request is the handlers request for an activity; requester and tenant
// are what identify authenticated (empty for a refused sender).
func (s *Server) request(a activity, requester, tenant, text string) handlers.Request {
	conv, root := a.thread()
	return handlers.Request{
		Surface: handlers.SurfaceTeams,
		// Teams message ids are unique within a conversation only.
		DeliveryID:   a.Conversation.ID + "/" + a.ID,
		Requester:    handlers.Principal{ID: requester, TenantID: tenant},
		Conversation: handlers.Conversation{Team: a.ChannelData.Team.ID, Channel: conv, Thread: root},
		Text:         text,
		Lang:         a.Locale,
	}
}

// welcome says how to use the bot when it is added to a team or chat, to
// those who may use it.
func (s *Server) welcome(ctx context.Context, a activity, requester, tenant string) {
	_, reply, err := s.svc.Prepare(ctx, s.request(a, requester, tenant, "help"))
	if err != nil || reply.Kind != handlers.ReplyHelp {
		return
	}
	s.answer(ctx, newRoute(a, tenant), reply)
}

// message prepares the command in a message or card submit. An immediate
// answer (usage, help, a refusal) is posted at once; a check is
// acknowledged with a message that later shows its place in line and is
// then replaced by the diagnosis; the job goes to the service's queue,
// whose worker, on any replica, hands the reply to Deliver.
func (s *Server) message(ctx context.Context, a activity, requester, tenant string) {
	req := s.request(a, requester, tenant, a.command())
	if v, ok := a.submitted(); ok {
		// The button carries its diagnosis: in a chat where another
		// account was checked since, Details still means this card's.
		req.Diagnosis = v.ID
	}
	rt := newRoute(a, tenant)
	job, reply, err := s.svc.Prepare(ctx, req)
	if err != nil {
		s.answer(ctx, rt, s.svc.Failure(ctx, a.Locale, err))
		return
	}
	switch reply.Kind {
	case handlers.ReplyDuplicate:
		return
	case handlers.ReplyAck:
		rt.Ack = s.acknowledge(ctx, rt, reply)
	case "":
	default:
		s.answer(ctx, rt, reply)
	}
	if job.Empty() {
		return
	}
	b, err := json.Marshal(rt)
	if err == nil {
		err = s.svc.Enqueue(ctx, job, b)
	}
	if err != nil {
		// A full queue or a shutdown: the requester is told so, in place
		// of the acknowledgement when there is one.
		_ = s.Deliver(context.WithoutCancel(ctx), b, s.svc.Failure(ctx, a.Locale, err))
	}
}

// acknowledge posts the acknowledgement of a check and returns its
// activity id, or "" when it could not be posted (the reply then comes as
// a new message).
func (s *Server) acknowledge(ctx context.Context, rt route, ack handlers.Reply) string {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), answerTimeout)
	defer cancel()
	id, err := s.send(ctx, rt, ack)
	if err != nil {
		s.log.Warn("acknowledgement not posted", slog.String("channel_id", rt.limiterKey()), slog.Any("err", err))
	}
	return id
}

// answer posts an immediate reply while the request waits, bounded by
// answerTimeout.
func (s *Server) answer(ctx context.Context, rt route, r handlers.Reply) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), answerTimeout)
	defer cancel()
	b, err := json.Marshal(rt)
	if err == nil {
		err = s.Deliver(ctx, b, r)
	}
	if err != nil {
		s.log.Warn("reply not delivered", slog.String("channel_id", rt.limiterKey()), slog.String("kind", string(r.Kind)), slog.Any("err", err))
	}
}

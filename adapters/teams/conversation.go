package teams

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/onboard-check/onboard-check/handlers"
)

const (
	// sendGrace is the time, beyond the service's budget, allowed for
	// posting a reply.
	sendGrace = 15 * time.Second
	// typingAfter is how long a diagnosis may take before the bot shows
	// that it is typing; typingEvery repeats it while the work goes on.
	typingAfter = 2 * time.Second
	typingEvery = 3 * time.Second
)

// request is the handlers request for an activity whose sender identify
// accepted.
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
	rt := newRoute(a, tenant)
	s.background(ctx, func(ctx context.Context) { s.deliver(ctx, rt, reply) })
}

// message prepares the command in a message or card submit, sends the
// immediate answer from the background, and runs the rest there.
func (s *Server) message(ctx context.Context, a activity, requester, tenant string) {
	req := s.request(a, requester, tenant, a.command())
	rt := newRoute(a, tenant)
	if v, ok := a.submitted(); ok {
		// The button carries its diagnosis: in a chat where another
		// account was checked since, Details still means this card's.
		req.Diagnosis = v.ID
	} else {
		req.Resolve = func(ctx context.Context, t handlers.Target) (string, error) { return s.resolve(ctx, rt, t) }
	}
	job, reply, err := s.svc.Prepare(ctx, req)
	if err != nil {
		reply := s.failure(ctx, s.svc.Lang(a.Locale), err)
		s.background(ctx, func(ctx context.Context) { s.deliver(ctx, rt, reply) })
		return
	}
	switch reply.Kind {
	case handlers.ReplyDuplicate:
		return
	case "", handlers.ReplyAck:
		// Teams has no ephemeral acknowledgement; the typing indicator
		// stands in for it while the work takes long.
	default:
		s.background(ctx, func(ctx context.Context) { s.deliver(ctx, rt, reply) })
	}
	if job.Empty() {
		return
	}
	lang := s.svc.Lang(a.Locale)
	s.background(ctx, func(ctx context.Context) {
		ctx, cancel := context.WithTimeout(ctx, s.svc.Budget()+sendGrace)
		defer cancel()
		stop := s.typing(ctx, rt)
		out, err := s.svc.Run(ctx, job)
		stop()
		if err != nil {
			out = s.failure(ctx, lang, err)
		}
		s.deliver(ctx, rt, out)
	})
}

// deliver posts a reply; when that fails, it tries once to tell the
// requester so, and the failure is logged under an incident id.
func (s *Server) deliver(ctx context.Context, rt route, r handlers.Reply) {
	if r.Kind == handlers.ReplyDuplicate {
		return
	}
	_, err := s.send(ctx, rt, r)
	if err == nil {
		return
	}
	f := s.failure(ctx, r.Lang, fmt.Errorf("deliver %s reply: %w", r.Kind, err))
	if r.Kind == handlers.ReplyFailure || errors.Is(err, errTokenRefused) {
		return // nothing more can arrive; it is logged
	}
	if _, err := s.send(ctx, rt, f); err != nil {
		s.log.Warn("failure notice not delivered", slog.String("incident", f.Incident), slog.Any("err", err))
	}
}

// background runs fn on the runner, detached from the request.
func (s *Server) background(ctx context.Context, fn func(ctx context.Context)) {
	if err := s.runner.Go(context.WithoutCancel(ctx), fn); err != nil {
		s.log.Warn("reply not started; shutting down", slog.Any("err", err))
	}
}

// typing shows the typing indicator in the conversation while a job runs
// longer than typingAfter, until stop is called.
func (s *Server) typing(ctx context.Context, rt route) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTimer(typingAfter)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			out := outgoing{Type: typeTyping}
			rt.address(&out)
			if body, err := marshal(out); err == nil {
				_, _ = s.call(ctx, rt, "POST", rt.activitiesURL(rt.Activity), body)
			}
			t.Reset(typingEvery)
		}
	}()
	return func() { cancel(); <-done }
}

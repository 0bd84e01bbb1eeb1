package teams

import (
	"context"
	"errors"
	"fmt"

	"github.com/onboard-check/onboard-check/handlers"
)

// Deliver posts the reply of a queued job, on whichever replica ran it,
// to the conversation and thread of the route. When the route names an
// acknowledgement, the reply replaces it in place; otherwise, or when the
// acknowledgement is gone, it is posted as a new reply. When the reply
// cannot be posted, Deliver tries once to tell the requester so through
// the service's failure path, and returns the error.
func (s *Server) Deliver(ctx context.Context, b []byte, r handlers.Reply) error {
	if r.Kind == handlers.ReplyDuplicate {
		return nil
	}
	rt, err := decodeRoute(b)
	if err != nil {
		return err
	}
	err = s.post(ctx, rt, r)
	if err == nil || r.Kind == handlers.ReplyFailure || errors.Is(err, errTokenRefused) {
		return err // posted; or nothing more can arrive
	}
	f := s.svc.Failure(ctx, r.Lang, fmt.Errorf("deliver %s reply: %w", r.Kind, err))
	if ferr := s.post(ctx, rt, f); ferr != nil {
		return fmt.Errorf("%w; the failure notice neither: %w", err, ferr)
	}
	return nil
}

// post replaces the acknowledgement with the reply, or posts it new.
func (s *Server) post(ctx context.Context, rt route, r handlers.Reply) error {
	if rt.Ack != "" {
		err := s.update(ctx, rt, rt.Ack, r)
		var st *statusError
		if err == nil || !errors.As(err, &st) || st.status/100 != 4 || st.status == 429 {
			return err
		}
		// The acknowledgement was deleted or cannot be edited: a new
		// message then.
	}
	_, err := s.send(ctx, rt, r)
	return err
}

// Progress shows the job's place in line in the acknowledgement, updated
// in place (PUT {serviceUrl}/v3/conversations/{id}/activities/{ackId}).
// Without an acknowledgement there is nothing to update.
func (s *Server) Progress(ctx context.Context, b []byte, r handlers.Reply) error {
	rt, err := decodeRoute(b)
	if err != nil || rt.Ack == "" {
		return err
	}
	return s.update(ctx, rt, rt.Ack, r)
}

// Resolve turns a Teams mention in the route's activity into the
// person's Entra object id.
func (s *Server) Resolve(ctx context.Context, b []byte, t handlers.Target) (string, error) {
	rt, err := decodeRoute(b)
	if err != nil {
		return "", err
	}
	return s.resolve(ctx, rt, t)
}

var _ handlers.Deliverer = (*Server)(nil)

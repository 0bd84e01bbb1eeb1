package handlers

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"

	"github.com/onboard-check/onboard-check/store"
)

// Failure is an error the requester can act on: Key is a catalog key.
type Failure struct {
	Key  string
	Args []string
	Err  error
}

func (f *Failure) Error() string {
	if f.Err == nil {
		return f.Key
	}
	return f.Key + ": " + f.Err.Error()
}

// Unwrap returns the cause.
func (f *Failure) Unwrap() error { return f.Err }

// Failure turns an error into the reply every surface posts for it: a
// catalog text for a *Failure and for the errors the requester can act on
// (a full queue, a restart, Graph's classified errors), else
// failure.internal with a new incident id, under which the error is
// logged once. It is the one path for unexpected errors: surfaces use it
// for their own too (a post that failed, a payload that could not be
// decoded after the ack) and deliver its Text. err's text never reaches
// the reply.
func (s *Service) Failure(ctx context.Context, lang string, err error) Reply {
	lang = s.Lang(lang)
	var f *Failure
	switch {
	case errors.As(err, &f):
		return s.reply(ReplyFailure, lang, f.Key, f.Args...)
	case errors.Is(err, ErrQueueFull):
		return s.reply(ReplyFailure, lang, "failure.busy")
	case errors.Is(err, ErrShuttingDown):
		return s.reply(ReplyFailure, lang, "failure.restarting")
	case errors.Is(err, context.DeadlineExceeded):
		return s.reply(ReplyFailure, lang, "failure.timeout")
	}
	if s.cfg.Classify != nil {
		if key := s.cfg.Classify(err); key != "" {
			return s.reply(ReplyFailure, lang, key)
		}
	}
	id := newID()[:8]
	s.log.ErrorContext(ctx, "command failed", slog.String("incident", id), slog.Any("err", err))
	r := s.reply(ReplyFailure, lang, "failure.internal", "incident", id)
	r.Incident = id
	return r
}

// Refusal reasons handlers gives itself; surfaces pass their own to Refuse
// ("foreign_team", "unauthenticated", "foreign_tenant", …).
const (
	refusalNotAllowed  = "not_allowed"
	refusalRateLimited = "rate_limited"
)

// Refuse audits a refusal and returns the polite ReplyRefusal for it in
// the requester's language. reason is a short machine word: "foreign_team",
// "unauthenticated", "foreign_tenant", "channel_not_allowed", …; a reason
// without its own catalog text ("refusal.<reason>") gets the general one.
// Surfaces call it for the identity checks they make themselves; nothing
// runs after it. A refusal whose audit entry cannot be written is still
// refused, and the log says so.
func (s *Service) Refuse(ctx context.Context, req Request, reason string) Reply {
	lang := s.Lang(req.Lang)
	s.log.InfoContext(ctx, "request refused", slog.String("surface", string(req.Surface)), slog.String("requester_id", req.Requester.ID),
		slog.String("channel_id", req.Conversation.Channel), slog.String("reason", reason))
	if err := s.audit(ctx, req, actionOf(req, ""), store.AuditEntry{Target: targetOf(req), Refusal: reason}); err != nil {
		s.log.WarnContext(ctx, "refusal not audited", slog.String("reason", reason), slog.Any("err", err))
	}
	key := "refusal." + reason
	if !s.msg.Has(lang, key) {
		key = "refusal." + refusalNotAllowed
	}
	r := s.reply(ReplyRefusal, lang, key)
	return r
}

func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

package handlers

import (
	"context"
	"log/slog"

	"github.com/onboard-check/onboard-check/store"
)

// disclose audits an answer about an account and returns it, or, when the
// audit entry cannot be written, a failure that discloses nothing: no
// unaudited disclosure. The CLI surface (a terminal, and the
// sample tenant's /demo/check) answers anyway and logs the gap.
func (s *Service) disclose(ctx context.Context, job Job, e store.AuditEntry, r Reply) Reply {
	err := s.audit(ctx, job.req, actionOf(job.req, job.cmd.Kind), e)
	if err == nil {
		return r
	}
	if job.req.Surface == SurfaceCLI {
		s.log.WarnContext(ctx, "audit entry not written; answering the command line anyway", slog.Any("err", err))
		return r
	}
	s.log.ErrorContext(ctx, "audit entry not written; answer withheld", slog.String("surface", string(job.req.Surface)),
		slog.String("requester_id", job.req.Requester.ID), slog.Any("err", err))
	return s.reply(ReplyFailure, job.lang, "failure.audit_unavailable")
}

// audit writes one entry about req; e brings what the answer was.
func (s *Service) audit(ctx context.Context, req Request, action string, e store.AuditEntry) error {
	e.Time = s.engine.Now()
	e.Surface = string(req.Surface)
	e.Requester = req.Requester.ID
	e.Conversation = conversation(req.Conversation)
	e.Action = action
	return s.store.Append(context.WithoutCancel(ctx), e)
}

// conversation names where a request was made, for the audit log.
func conversation(c Conversation) string {
	if c.Thread == "" {
		return c.Channel
	}
	return c.Channel + "/" + c.Thread
}

// actionOf is the audit log's word for what was asked: the command kind,
// prefixed with "button." when a pressed button asked it.
func actionOf(req Request, kind Kind) string {
	if kind == "" {
		if cmd, err := Parse(req.Text); err == nil {
			kind = cmd.Kind
		} else {
			kind = "unknown"
		}
	}
	if req.Diagnosis != "" {
		return "button." + string(kind)
	}
	return string(kind)
}

// targetOf is the account a refused request asked about, as typed: the
// user of a check, else the diagnosis a button carried.
func targetOf(req Request) string {
	if cmd, err := Parse(req.Text); err == nil && cmd.Kind == KindCheck {
		return cmd.User.Value
	}
	return req.Diagnosis
}

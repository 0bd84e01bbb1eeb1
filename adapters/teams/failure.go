package teams

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"

	"github.com/onboard-check/onboard-check/handlers"
)

// failure is the reply for an error: the catalog text of a
// *handlers.Failure, else failure.internal with an incident id under
// which the error is logged once.
//
// TODO(#8): handlers.Service.Failure replaces this once the service
// offers one incident path for every surface.
func (s *Server) failure(_ context.Context, lang string, err error) handlers.Reply {
	lang = s.svc.Lang(lang)
	var f *handlers.Failure
	if errors.As(err, &f) {
		return handlers.Reply{Kind: handlers.ReplyFailure, Lang: lang, Text: s.svc.T(lang, f.Key, f.Args...)}
	}
	var b [4]byte
	_, _ = rand.Read(b[:])
	id := hex.EncodeToString(b[:])
	s.log.Error("teams request failed", slog.String("incident", id), slog.Any("err", err))
	return handlers.Reply{Kind: handlers.ReplyFailure, Lang: lang, Incident: id, Text: s.svc.T(lang, "failure.internal", "incident", id)}
}

// refuse records that an authenticated activity was refused before the
// conversation saw it. Nothing is posted: the sender is not someone the
// bot answers.
//
// TODO(#10): handlers.Service.Refuse audits it once the service offers it.
func (s *Server) refuse(_ context.Context, a activity, tenant, reason string) {
	s.log.Info("activity refused", slog.String("reason", reason), slog.String("channel", a.ChannelID),
		slog.String("tenant_id", tenant), slog.String("delivery_id", a.ID))
}

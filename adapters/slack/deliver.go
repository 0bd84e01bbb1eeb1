package slack

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	slackapi "github.com/slack-go/slack"

	"github.com/onboard-check/onboard-check/handlers"
	"github.com/onboard-check/onboard-check/internal/secret"
)

// Where a reply is posted: in the channel with chat.postMessage (so that a
// diagnosis has a thread), through the response_url, or as an ephemeral
// message for the requester, in that order of preference.

// target is where a reply goes.
type target struct {
	channel     string
	thread      string        // thread_ts to reply in; "" posts a new message
	user        string        // the requester, for replies only they see
	team        string        // the requester's workspace
	responseURL secret.Secret // slash commands and buttons: the fallback, and the way for private replies
	private     bool          // only the requester may see the reply (not a helpdesk channel, a refusal)
	// ephemeralAck: the request was acknowledged with an ephemeral message
	// (a slash command), which the response_url can replace in place.
	ephemeralAck bool
}

// route is a target as a queued job carries it, so that any replica can
// deliver the reply. It holds the response_url, a credential: a route is
// never logged.
type route struct {
	Channel      string `json:"channel"`
	Thread       string `json:"thread_ts,omitempty"`
	User         string `json:"user,omitempty"`
	Team         string `json:"team,omitempty"`
	ResponseURL  string `json:"response_url,omitempty"`
	Private      bool   `json:"private,omitempty"`
	EphemeralAck bool   `json:"ephemeral_ack,omitempty"`
}

func (t target) route() []byte {
	b, _ := json.Marshal(route{Channel: t.channel, Thread: t.thread, User: t.user, Team: t.team,
		ResponseURL: t.responseURL.Reveal(), Private: t.private, EphemeralAck: t.ephemeralAck})
	return b
}

// targetOf decodes a route; its response_url is checked again, since the
// route may come from a shared queue.
func (s *Server) targetOf(b []byte) (target, error) {
	var r route
	if err := json.Unmarshal(b, &r); err != nil {
		return target{}, errors.New("slack: route not readable")
	}
	if r.Channel == "" && r.ResponseURL == "" {
		return target{}, errors.New("slack: route names no channel and no response_url")
	}
	return target{channel: r.Channel, thread: r.Thread, user: r.User, team: r.Team,
		responseURL: s.hooks.responseURL(r.ResponseURL), private: r.Private, ephemeralAck: r.EphemeralAck}, nil
}

// enqueue hands a prepared job to the service's workers, its reply to come
// back through Deliver; it returns the failure to tell the requester when
// the job cannot be queued (a full queue, a restart).
func (s *Server) enqueue(ctx context.Context, job handlers.Job, lang string, to target) (handlers.Reply, bool) {
	if err := s.svc.Enqueue(ctx, job, to.route()); err != nil {
		r := s.svc.Failure(ctx, lang, err)
		r.Ephemeral = true
		return r, false
	}
	return handlers.Reply{}, true
}

// Deliver posts the reply of a queued job (handlers.Deliverer); it runs on
// whichever replica ran the job. A reply that finds no way to the
// requester is an error.
func (s *Server) Deliver(ctx context.Context, rt []byte, reply handlers.Reply) error {
	to, err := s.targetOf(rt)
	if err != nil {
		return err
	}
	shown := s.progress.take(rt)
	if shown.ts != "" && !to.private && !reply.Ephemeral {
		// A progress message was posted in the thread: the reply takes
		// its place.
		if err := s.update(ctx, to, shown.ts, Render(reply, s.svc.Messages())); err == nil {
			if reply.Kind == handlers.ReplyDiagnosis && to.thread == "" {
				s.svc.LinkThread(ctx, handlers.SurfaceSlack, to.channel, shown.ts, reply.DiagnosisID)
			}
			return nil
		}
	}
	if !s.deliver(ctx, reply, to) {
		return errors.New("slack: reply lost, Slack took it no way")
	}
	if shown.ephemeral && to.ephemeralAck && to.responseURL.IsSet() && !(to.private || reply.Ephemeral) {
		// The reply went to the channel; the requester's own "12 checks
		// ahead" note goes.
		if err := s.respondRaw(ctx, to.responseURL, map[string]any{"delete_original": true}); err != nil {
			s.log.Debug("progress note not removed", slog.Any("err", err))
		}
	}
	return nil
}

// Resolve turns a mention in a queued job into an email
// (handlers.Deliverer).
func (s *Server) Resolve(ctx context.Context, _ []byte, t handlers.Target) (string, error) {
	return s.resolve(ctx, t)
}

// deliverNow posts a reply that is ready before the acknowledgement (a
// refusal, a usage note), bounded so that Slack still gets its answer in
// time; no job is queued for it.
func (s *Server) deliverNow(ctx context.Context, reply handlers.Reply, to target) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), nowTimeout)
	defer cancel()
	s.deliver(ctx, reply, to)
}

// deliver posts a reply. Public replies go in the channel with
// chat.postMessage, so that a diagnosis has a thread; a new diagnosis's
// thread is then linked to it. Private replies, and public ones the bot
// cannot post, go through the response_url, else as an ephemeral message.
// A private reply to a slash command replaces its acknowledgement. Every
// failure is logged; deliver reports whether the reply found a way.
func (s *Server) deliver(ctx context.Context, reply handlers.Reply, to target) bool {
	if reply.Kind == handlers.ReplyDuplicate || reply.Kind == "" {
		return true
	}
	msgs := s.svc.Messages()
	m := Render(reply, msgs)
	private := to.private || reply.Ephemeral
	if !private && to.channel != "" {
		ts, err := s.send(ctx, to.responseURL.IsSet(), func(ctx context.Context) (string, error) {
			return s.postMessage(ctx, to, m)
		})
		if err == nil {
			if reply.Kind == handlers.ReplyDiagnosis && to.thread == "" {
				s.svc.LinkThread(ctx, handlers.SurfaceSlack, to.channel, ts, reply.DiagnosisID)
			}
			return true
		}
		s.log.Warn("chat.postMessage failed; answering another way", slog.String("channel_id", to.channel), slog.Any("err", err))
		if notMember(err) {
			m = withNote(m, msgs.T(reply.Lang, "label.not_in_channel"))
		}
	}
	if to.responseURL.IsSet() {
		err := s.respond(ctx, to.responseURL, m, !private, private && to.ephemeralAck)
		if err == nil {
			return true
		}
		s.log.Warn("response_url failed", slog.String("channel_id", to.channel), slog.Any("err", err))
	}
	if to.user != "" && to.channel != "" {
		_, err := s.send(ctx, false, func(ctx context.Context) (string, error) { return s.postEphemeral(ctx, to, m) })
		if err == nil {
			return true
		}
		s.log.Warn("chat.postEphemeral failed", slog.String("channel_id", to.channel), slog.Any("err", err))
	}
	s.log.Error("reply lost: Slack took it no way", slog.String("channel_id", to.channel),
		slog.String("requester_id", to.user), slog.String("kind", string(reply.Kind)))
	return false
}

// send makes one Web API post and decides, beside Slack's answer, whether
// to try once more: after a rate limit, once Retry-After has passed (when
// that is not too long); after a network error or a 5xx, when there is no
// other way to answer (a retry could post twice if the first one landed).
// Slack's refusals (not_in_channel, channel_not_found, …) are final.
func (s *Server) send(ctx context.Context, hasFallback bool, post func(context.Context) (string, error)) (string, error) {
	ts, err := post(ctx)
	if err == nil {
		return ts, nil
	}
	var wait time.Duration
	var rl *slackapi.RateLimitedError
	var refused slackapi.SlackErrorResponse
	switch {
	case ctx.Err() != nil:
		return "", err
	case errors.As(err, &rl):
		if rl.RetryAfter > maxRetryAfter {
			return "", err
		}
		wait = max(rl.RetryAfter, time.Second)
	case errors.As(err, &refused):
		return "", err
	case hasFallback:
		return "", err
	default:
		wait = time.Second
	}
	s.log.Warn("Slack call failed; retrying once", slog.String("retry_after", wait.String()), slog.Any("err", err))
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
		return "", fmt.Errorf("%w (retry abandoned: %w)", err, ctx.Err())
	}
	return post(ctx)
}

// notMember reports whether Slack refused a post because the bot cannot
// write in the channel.
func notMember(err error) bool {
	var refused slackapi.SlackErrorResponse
	return errors.As(err, &refused) && (refused.Err == "not_in_channel" || refused.Err == "channel_not_found" || refused.Err == "is_archived")
}

func (s *Server) postMessage(ctx context.Context, to target, m Message) (string, error) {
	opts := []slackapi.MsgOption{slackapi.MsgOptionText(m.Text, false), slackapi.MsgOptionBlocks(m.Blocks.BlockSet...)}
	if to.thread != "" {
		opts = append(opts, slackapi.MsgOptionTS(to.thread))
	}
	_, ts, err := s.api.PostMessageContext(ctx, to.channel, opts...)
	if err != nil {
		return "", fmt.Errorf("chat.postMessage: %w", redact(err))
	}
	return ts, nil
}

func (s *Server) postEphemeral(ctx context.Context, to target, m Message) (string, error) {
	opts := []slackapi.MsgOption{slackapi.MsgOptionText(m.Text, false), slackapi.MsgOptionBlocks(m.Blocks.BlockSet...)}
	if to.thread != "" {
		opts = append(opts, slackapi.MsgOptionTS(to.thread))
	}
	ts, err := s.api.PostEphemeralContext(ctx, to.channel, to.user, opts...)
	if err != nil {
		return "", fmt.Errorf("chat.postEphemeral: %w", redact(err))
	}
	return ts, nil
}

// respond posts m to a slash command's or button's response_url: for
// everyone in the channel when public, else for the requester only;
// replace puts it in place of the message the URL belongs to (a slash
// command's ephemeral acknowledgement).
// https://api.slack.com/interactivity/handling#message_responses
func (s *Server) respond(ctx context.Context, responseURL secret.Secret, m Message, public, replace bool) error {
	payload := struct {
		Message
		ResponseType    string `json:"response_type"`
		ReplaceOriginal bool   `json:"replace_original"`
	}{Message: m, ResponseType: "ephemeral", ReplaceOriginal: replace}
	if public {
		payload.ResponseType = "in_channel"
	}
	return s.respondRaw(ctx, responseURL, payload)
}

// respondRaw posts a JSON payload to a response_url. Neither the URL nor
// anything derived from it appears in the error.
func (s *Server) respondRaw(ctx context.Context, responseURL secret.Secret, payload any) error {
	b, err := json.Marshal(payload)
	if err != nil {
		return fmt.Errorf("response_url: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, responseURL.Reveal(), bytes.NewReader(b))
	if err != nil {
		return errors.New("response_url: not a URL")
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.http.Do(req)
	if err != nil {
		return fmt.Errorf("response_url: %w", redact(err))
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("response_url: status %d", resp.StatusCode)
	}
	return nil
}

// redact strips the URL from an error of a remote call (net/http puts the
// whole URL in it; a response_url authorises whoever holds it).
func redact(err error) error { return secret.RedactError(err) }

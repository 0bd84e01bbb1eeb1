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
	responseURL secret.Secret // slash commands and buttons: the fallback, and the way for private replies
	private     bool          // only the requester may see the reply (not a helpdesk channel, a refusal)
}

// spawn runs a job in the background, with the service's budget, and
// delivers its reply.
func (s *Server) spawn(ctx context.Context, job handlers.Job, to target) {
	err := s.svc.Dispatch(ctx, s.runner, job, func(ctx context.Context, reply handlers.Reply) { s.deliver(ctx, reply, to) })
	if err != nil {
		s.log.Warn("job not started; shutting down", slog.Any("err", err))
	}
}

// later delivers a reply that is ready now from the background, so that
// the request is acknowledged first.
func (s *Server) later(ctx context.Context, reply handlers.Reply, to target) {
	err := s.runner.Go(context.WithoutCancel(ctx), func(ctx context.Context) {
		ctx, cancel := context.WithTimeout(ctx, 2*apiTimeout+maxRetryAfter)
		defer cancel()
		s.deliver(ctx, reply, to)
	})
	if err != nil {
		s.log.Warn("reply not sent; shutting down", slog.Any("err", err))
	}
}

// deliver posts a reply. Public replies go in the channel with
// chat.postMessage, so that a diagnosis has a thread; a new diagnosis's
// thread is then linked to it. Private replies, and public ones the bot
// cannot post, go through the response_url, else as an ephemeral message.
// Every failure is logged; a reply that finds no way at all is an Error.
func (s *Server) deliver(ctx context.Context, reply handlers.Reply, to target) {
	if reply.Kind == handlers.ReplyDuplicate || reply.Kind == "" {
		return
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
			return
		}
		s.log.Warn("chat.postMessage failed; answering another way", slog.String("channel_id", to.channel), slog.Any("err", err))
		if notMember(err) {
			m = withNote(m, msgs.T(reply.Lang, "label.not_in_channel"))
		}
	}
	if to.responseURL.IsSet() {
		err := s.respond(ctx, to.responseURL, m, !private)
		if err == nil {
			return
		}
		s.log.Warn("response_url failed", slog.String("channel_id", to.channel), slog.Any("err", err))
	}
	if to.user != "" && to.channel != "" {
		_, err := s.send(ctx, false, func(ctx context.Context) (string, error) { return s.postEphemeral(ctx, to, m) })
		if err == nil {
			return
		}
		s.log.Warn("chat.postEphemeral failed", slog.String("channel_id", to.channel), slog.Any("err", err))
	}
	s.log.Error("reply lost: Slack took it no way", slog.String("channel_id", to.channel),
		slog.String("requester_id", to.user), slog.String("kind", string(reply.Kind)))
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
	s.log.Warn("Slack call failed; retrying once", slog.Duration("retry_after", wait), slog.Any("err", err))
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
// everyone in the channel when public, else for the requester only.
// Neither the URL nor anything derived from it appears in the error.
// https://api.slack.com/interactivity/handling#message_responses
func (s *Server) respond(ctx context.Context, responseURL secret.Secret, m Message, public bool) error {
	payload := struct {
		Message
		ResponseType    string `json:"response_type"`
		ReplaceOriginal bool   `json:"replace_original"`
	}{Message: m, ResponseType: "ephemeral"}
	if public {
		payload.ResponseType = "in_channel"
	}
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

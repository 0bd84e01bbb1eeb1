package teams

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/onboard-check/onboard-check/handlers"
)

const (
	// maxBody bounds an activity read before its token is validated.
	maxBody = 512 << 10
	// maxSendAttempts bounds the posts of one reply (429s, one 401, 503s).
	maxSendAttempts = 4
	// maxRetryAfter caps the wait the connector may ask for.
	maxRetryAfter = 30 * time.Second
	// sendGrace is the time, beyond the service's budget, allowed for
	// posting a reply.
	sendGrace = 15 * time.Second
	// typingAfter is how long a diagnosis may take before the bot shows
	// that it is typing; typingEvery repeats it while the work goes on.
	typingAfter = 2 * time.Second
	typingEvery = 3 * time.Second
)

// Teams accepts about seven messages a second per conversation before it
// answers 429 (https://learn.microsoft.com/microsoftteams/platform/bots/how-to/rate-limit);
// stay under that rather than learn it from the answers.
const (
	sendRate  = 7
	sendBurst = 7
)

// Server is the Teams surface: POST /api/messages. It is safe for
// concurrent use.
type Server struct {
	cfg       Config
	svc       *handlers.Service
	runner    *handlers.Runner
	validator *Validator
	tokens    *Tokens
	http      *http.Client
	log       *slog.Logger

	mu     sync.Mutex
	limits map[string]*rate.Limiter // per conversation
}

// New returns the Teams surface for a validated configuration; background
// work runs on runner. It makes no network call: keys and tokens are
// fetched when the first activity arrives.
func New(cfg Config, svc *handlers.Service, runner *handlers.Runner, logger *slog.Logger) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if svc == nil || runner == nil {
		return nil, errors.New("teams: a service and a runner are required")
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	client := &http.Client{Timeout: 15 * time.Second}
	tokens, err := NewTokens(cfg, client, nil)
	if err != nil {
		return nil, err
	}
	return &Server{cfg: cfg, svc: svc, runner: runner, validator: NewValidator(cfg.AppID, cfg.openIDURL(), client, nil),
		tokens: tokens, http: client, log: logger.With(slog.String("component", "teams")), limits: map[string]*rate.Limiter{}}, nil
}

// Handler serves POST /api/messages, the bot's messaging endpoint.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/messages", s.handleMessages)
	return mux
}

// handleMessages validates the request's token before it looks at the
// activity, answers at once, and leaves the work and the reply to the
// runner.
func (s *Server) handleMessages(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			writeEmpty(w, http.StatusRequestEntityTooLarge)
		} else {
			writeEmpty(w, http.StatusBadRequest)
		}
		return
	}
	// The token binds the activity's serviceUrl and channel, so these two
	// fields are read before it is validated; nothing else is.
	var head struct {
		ServiceURL string `json:"serviceUrl"`
		ChannelID  string `json:"channelId"`
	}
	_ = json.Unmarshal(body, &head)
	if issuer, err := s.validator.Validate(r.Context(), r.Header.Get("Authorization"), head.ServiceURL, head.ChannelID); err != nil {
		// The issuer shows who sent it (an Entra-issued token where a Bot
		// Framework one belongs is a known misconfiguration); never the token.
		s.log.Warn("request refused", slog.Int("status", http.StatusUnauthorized), slog.String("issuer", issuer), slog.Any("err", err))
		writeEmpty(w, http.StatusUnauthorized)
		return
	}
	a, err := parseActivity(body)
	if err != nil {
		writeEmpty(w, http.StatusBadRequest)
		return
	}
	if s.cfg.TenantID != "" && !strings.EqualFold(a.tenantID(), s.cfg.TenantID) {
		s.refuseTenant(r.Context(), a)
		writeEmpty(w, http.StatusOK)
		return
	}
	switch a.Type {
	case typeMessage:
		s.message(r.Context(), a)
	case typeConversationUpdate:
		if a.botAdded() {
			s.welcome(r.Context(), a)
		}
	}
	// Typing, reactions, edits, installation updates: nothing to say.
	writeEmpty(w, http.StatusOK)
}

// refuseTenant answers a message from another tenant than the bot's
// (MICROSOFT_APP_TENANT_ID): politely, and without running anything.
func (s *Server) refuseTenant(ctx context.Context, a activity) {
	s.log.Info("activity from another tenant refused", slog.String("tenant_id", a.tenantID()), slog.String("delivery_id", a.ID))
	if a.Type != typeMessage {
		return
	}
	lang := s.svc.Lang(a.Locale)
	reply := handlers.Reply{Kind: handlers.ReplyRefusal, Lang: lang, Text: s.svc.T(lang, "refusal.other_tenant")}
	s.background(ctx, func(ctx context.Context) { s.send(ctx, a, reply) })
}

// request is the handlers request for an activity.
func (s *Server) request(a activity, text string) handlers.Request {
	conv, root := a.thread()
	req := handlers.Request{
		Surface: handlers.SurfaceTeams,
		// Teams message ids are unique within a conversation only.
		DeliveryID:   a.Conversation.ID + "/" + a.ID,
		Requester:    handlers.Principal{ID: a.From.AadObjectID, TenantID: a.tenantID()},
		Conversation: handlers.Conversation{Team: a.ChannelData.Team.ID, Channel: conv, Thread: root},
		Text:         text,
		Lang:         a.Locale,
	}
	if req.Requester.ID == "" {
		req.Requester.ID = a.From.ID
	}
	return req
}

// welcome says how to use the bot when it is added to a team or chat, to
// those who may use it.
func (s *Server) welcome(ctx context.Context, a activity) {
	_, reply, err := s.svc.Prepare(ctx, s.request(a, "help"))
	if err != nil || reply.Kind != handlers.ReplyHelp {
		return
	}
	s.background(ctx, func(ctx context.Context) { s.send(ctx, a, reply) })
}

// message prepares the command in a message or card submit, sends the
// immediate answer from the background, and runs the rest there.
func (s *Server) message(ctx context.Context, a activity) {
	req := s.request(a, a.command())
	if v, ok := a.submitted(); ok {
		// The button carries its diagnosis: in a chat where another
		// account was checked since, Details still means this card's.
		req.Diagnosis = v.ID
	} else {
		req.Resolve = func(ctx context.Context, t handlers.Target) (string, error) { return s.resolve(ctx, a, t) }
	}
	job, reply, err := s.svc.Prepare(ctx, req)
	if err != nil {
		s.log.Error("prepare failed", slog.String("delivery_id", a.ID), slog.Any("err", err))
		return
	}
	switch reply.Kind {
	case handlers.ReplyDuplicate:
		return
	case "", handlers.ReplyAck:
		// Teams has no ephemeral acknowledgement; the typing indicator
		// stands in for it while the work takes long.
	default:
		s.background(ctx, func(ctx context.Context) { s.send(ctx, a, reply) })
	}
	if job.Empty() {
		return
	}
	s.background(ctx, func(ctx context.Context) {
		ctx, cancel := context.WithTimeout(ctx, s.svc.Budget()+sendGrace)
		defer cancel()
		stop := s.typing(ctx, a)
		out, err := s.svc.Run(ctx, job)
		stop()
		if err != nil {
			s.log.Error("run failed", slog.String("delivery_id", a.ID), slog.Any("err", err))
			return
		}
		s.send(ctx, a, out)
	})
}

// background runs fn on the runner, detached from the request.
func (s *Server) background(ctx context.Context, fn func(ctx context.Context)) {
	if err := s.runner.Go(context.WithoutCancel(ctx), fn); err != nil {
		s.log.Warn("reply not started; shutting down", slog.Any("err", err))
	}
}

// typing shows the typing indicator in the conversation while a job runs
// longer than typingAfter, until stop is called.
func (s *Server) typing(ctx context.Context, a activity) (stop func()) {
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
			body, err := marshal(outgoing{Type: typeTyping, From: &a.Recipient, Recipient: &a.From, Conversation: &a.Conversation, ReplyToID: a.replyTo()})
			if err == nil {
				_ = s.post(ctx, a, body)
			}
			t.Reset(typingEvery)
		}
	}()
	return func() { cancel(); <-done }
}

// resolve turns a Teams mention into the person's AAD object id: from the
// mention entity, else from the conversation's roster
// (GET {serviceUrl}/v3/conversations/{team or conversation}/members/{userId}).
func (s *Server) resolve(ctx context.Context, a activity, t handlers.Target) (string, error) {
	objectID, userID := a.mentioned(t.Value)
	if objectID != "" {
		return objectID, nil
	}
	if userID == "" {
		return "", errors.New("no mention entity for the name")
	}
	tok, err := s.tokens.Token(ctx)
	if err != nil {
		return "", err
	}
	roster, _ := a.thread()
	if a.ChannelData.Team.ID != "" {
		roster = a.ChannelData.Team.ID
	}
	u := strings.TrimSuffix(a.ServiceURL, "/") + "/v3/conversations/" + url.PathEscape(roster) + "/members/" + url.PathEscape(userID)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return "", fmt.Errorf("roster: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := s.http.Do(req)
	if err != nil {
		return "", fmt.Errorf("roster: %w", err)
	}
	defer resp.Body.Close()
	var m struct {
		AADObjectID       string `json:"aadObjectId"`
		ObjectID          string `json:"objectId"`
		UserPrincipalName string `json:"userPrincipalName"`
	}
	if resp.StatusCode != http.StatusOK || json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&m) != nil {
		if resp.StatusCode == http.StatusUnauthorized {
			s.tokens.Invalidate(tok)
		}
		return "", fmt.Errorf("roster: status %d", resp.StatusCode)
	}
	for _, v := range []string{m.AADObjectID, m.ObjectID, m.UserPrincipalName} {
		if v != "" {
			return v, nil
		}
	}
	return "", errors.New("roster: no aadObjectId")
}

// send posts a reply into the activity's conversation and thread
// (POST {serviceUrl}/v3/conversations/{conversation.id}/activities/{activity.id}),
// with the bot's token, to the validated serviceUrl only.
func (s *Server) send(ctx context.Context, a activity, r handlers.Reply) {
	if r.Kind == handlers.ReplyDuplicate {
		return
	}
	act := render(r, s.svc.Messages())
	act.From, act.Recipient, act.Conversation, act.ReplyToID = &a.Recipient, &a.From, &a.Conversation, a.replyTo()
	body, err := marshal(act)
	if err != nil {
		s.log.Error("reply not encoded", slog.Any("err", err))
		return
	}
	if err := s.post(ctx, a, body); err != nil {
		conv, _ := a.thread()
		s.log.Error("reply not delivered", slog.String("channel_id", conv), slog.String("delivery_id", a.ID), slog.Any("err", err))
	}
}

// post sends an activity body to the conversation, as a reply to the
// activity when it is a message, pacing the conversation's sends, waiting
// out 429, 502, 503 and 504 answers (Retry-After), and renewing the token
// once after a 401.
func (s *Server) post(ctx context.Context, a activity, body []byte) error {
	u := strings.TrimSuffix(a.ServiceURL, "/") + "/v3/conversations/" + url.PathEscape(a.Conversation.ID) + "/activities"
	if id := a.replyTo(); id != "" {
		u += "/" + url.PathEscape(id)
	}
	conv, _ := a.thread()
	renewed := false
	var last error
	for attempt := 1; attempt <= maxSendAttempts; attempt++ {
		if err := s.limiter(conv).Wait(ctx); err != nil {
			return fmt.Errorf("reply: %w", err)
		}
		tok, err := s.tokens.Token(ctx)
		if err != nil {
			return err
		}
		status, wait, err := s.postOnce(ctx, u, tok, body)
		switch {
		case err != nil:
			return err // the message may have arrived: posting again could show it twice
		case status/100 == 2:
			return nil
		case status == http.StatusUnauthorized && !renewed:
			s.tokens.Invalidate(tok)
			renewed = true
			last = errors.New("connector refused the token")
			continue
		case status == http.StatusTooManyRequests || status == http.StatusBadGateway ||
			status == http.StatusServiceUnavailable || status == http.StatusGatewayTimeout:
			// Not after a 500: the message may have been posted.
			if wait == 0 {
				wait = time.Duration(attempt) * time.Second
			}
			last = fmt.Errorf("connector status %d", status)
			t := time.NewTimer(wait)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				return fmt.Errorf("reply: %w after %w", context.Cause(ctx), last)
			}
		default:
			return fmt.Errorf("connector status %d", status)
		}
	}
	return fmt.Errorf("reply: gave up after %d attempts: %w", maxSendAttempts, last)
}

// postOnce makes one POST; wait is the connector's Retry-After, if any.
func (s *Server) postOnce(ctx context.Context, u, tok string, body []byte) (status int, wait time.Duration, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return 0, 0, fmt.Errorf("reply: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := s.http.Do(req)
	if err != nil {
		return 0, 0, fmt.Errorf("reply: %w", err)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	return resp.StatusCode, retryAfter(resp.Header.Get("Retry-After"), time.Now()), nil
}

// retryAfter reads a Retry-After header: seconds or an HTTP date, capped.
func retryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	var d time.Duration
	if n, err := strconv.Atoi(v); err == nil {
		d = time.Duration(n) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	}
	return min(max(d, 0), maxRetryAfter)
}

// limiter returns the send limiter of a conversation.
func (s *Server) limiter(conversation string) *rate.Limiter {
	s.mu.Lock()
	defer s.mu.Unlock()
	l, ok := s.limits[conversation]
	if !ok {
		if len(s.limits) > 10000 {
			clear(s.limits)
		}
		l = rate.NewLimiter(sendRate, sendBurst)
		s.limits[conversation] = l
	}
	return l
}

// writeEmpty answers with a status and no body: the Bot Framework reads
// nothing from the response to a message activity.
func writeEmpty(w http.ResponseWriter, status int) {
	w.WriteHeader(status)
}

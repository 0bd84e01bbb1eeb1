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

// maxBody bounds an activity before its token is validated.
const maxBody = 512 << 10

// maxSendAttempts bounds the connector retries after 429 and 401.
const maxSendAttempts = 3

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

// Teams takes about seven messages a second per conversation before it
// answers 429; stay under that rather than learn it from the answers.
const (
	sendRate  = 7
	sendBurst = 7
)

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

// New returns the Teams surface. It makes no network call.
func New(cfg Config, svc *handlers.Service, runner *handlers.Runner, logger *slog.Logger) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
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

// Handler serves POST /api/messages.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/messages", s.handleMessages)
	return mux
}

func (s *Server) handleMessages(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		http.Error(w, "request too large", http.StatusRequestEntityTooLarge)
		return
	}
	// The token binds the activity's serviceUrl and channel, so read just
	// those two before validating; nothing else is looked at.
	var head struct {
		ServiceURL string `json:"serviceUrl"`
		ChannelID  string `json:"channelId"`
	}
	_ = json.Unmarshal(body, &head)
	if issuer, err := s.validator.Validate(r.Context(), r.Header.Get("Authorization"), head.ServiceURL, head.ChannelID); err != nil {
		s.log.Warn("request refused", slog.String("issuer", issuer), slog.String("reason", err.Error()))
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	a, err := parseActivity(body)
	if err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	if a.Type == "conversationUpdate" && a.botAdded() {
		// Added to a team or chat: say how to use the bot.
		help := handlers.Reply{Kind: handlers.ReplyHelp, Lang: s.svc.Lang(a.Locale), Text: s.svc.T(s.svc.Lang(a.Locale), "help.text")}
		_ = s.runner.Go(context.WithoutCancel(r.Context()), func(ctx context.Context) { s.send(ctx, a, help) })
	}
	if a.Type != "message" {
		w.WriteHeader(http.StatusOK) // typing, reactions, …: nothing to say
		return
	}
	s.message(r.Context(), a)
	w.WriteHeader(http.StatusOK)
}

// message prepares the command in a message, answers the immediate part
// and runs the rest in the background.
func (s *Server) message(ctx context.Context, a activity) {
	conv, root := a.thread()
	if id := a.submitID(); id != "" {
		// A card's buttons carry their diagnosis: link it in case the
		// thread was not remembered (a store restart, another replica).
		s.svc.LinkThread(ctx, handlers.SurfaceTeams, conv, root, id)
	}
	req := handlers.Request{
		Surface: handlers.SurfaceTeams, DeliveryID: a.ID,
		Requester:    handlers.Principal{ID: a.From.AadObjectID, TenantID: a.tenantID()},
		Conversation: handlers.Conversation{Team: a.ChannelData.Team.ID, Channel: conv, Thread: root},
		Text:         a.command(), Lang: a.Locale,
		Resolve: func(ctx context.Context, t handlers.Target) (string, error) { return s.resolve(ctx, a, t) },
	}
	if req.Requester.ID == "" {
		req.Requester.ID = a.From.ID
	}
	job, reply, err := s.svc.Prepare(ctx, req)
	if err != nil {
		s.log.Error("prepare failed", slog.Any("err", err))
		return
	}
	if reply.Kind == handlers.ReplyDuplicate {
		return
	}
	if reply.Kind != "" && reply.Kind != handlers.ReplyAck {
		// Usage, help and refusals are ready now; they are sent from the
		// background like every reply, so the request is answered at once.
		_ = s.runner.Go(context.WithoutCancel(ctx), func(ctx context.Context) { s.send(ctx, a, reply) })
	}
	if job.Empty() {
		return
	}
	if err := s.svc.Dispatch(ctx, s.runner, job, func(ctx context.Context, out handlers.Reply) { s.send(ctx, a, out) }); err != nil {
		s.log.Warn("job not started; shutting down", slog.Any("err", err))
	}
}

// resolve turns a Teams mention into the person's AAD object id: from the
// mention entity, else from the conversation's roster
// (GET {serviceUrl}/v3/conversations/{id}/members/{userId}).
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
	u := strings.TrimSuffix(a.ServiceURL, "/") + "/v3/conversations/" + url.PathEscape(a.Conversation.ID) + "/members/" + url.PathEscape(userID)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return "", err
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := s.http.Do(req)
	if err != nil {
		return "", fmt.Errorf("roster: %w", err)
	}
	defer resp.Body.Close()
	var m struct {
		AADObjectID       string `json:"aadObjectId"`
		UserPrincipalName string `json:"userPrincipalName"`
	}
	if resp.StatusCode != http.StatusOK || json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&m) != nil {
		return "", fmt.Errorf("roster: status %d", resp.StatusCode)
	}
	if m.AADObjectID != "" {
		return m.AADObjectID, nil
	}
	if m.UserPrincipalName != "" {
		return m.UserPrincipalName, nil
	}
	return "", errors.New("roster: no aadObjectId")
}

// send posts a reply into the activity's conversation and thread, with
// the bot's token, to the validated serviceUrl only.
func (s *Server) send(ctx context.Context, a activity, r handlers.Reply) {
	act := Activity(r, s.svc.Messages())
	act.From, act.Recipient, act.Conversation = &a.Recipient, &a.From, &a.Conversation
	act.ReplyToID = a.ID
	body, err := json.Marshal(act)
	if err != nil {
		s.log.Error("reply not encoded", slog.Any("err", err))
		return
	}
	u := strings.TrimSuffix(a.ServiceURL, "/") + "/v3/conversations/" + url.PathEscape(a.Conversation.ID) + "/activities/" + url.PathEscape(a.ID)
	conv, _ := a.thread()
	for attempt := 1; attempt <= maxSendAttempts; attempt++ {
		if err := s.limiter(conv).Wait(ctx); err != nil {
			return
		}
		status, retryAfter, err := s.post(ctx, u, body)
		switch {
		case err == nil && status/100 == 2:
			return
		case status == http.StatusUnauthorized:
			s.tokens.Invalidate()
		case status == http.StatusTooManyRequests || status >= 500:
			select {
			case <-time.After(retryAfter):
			case <-ctx.Done():
				return
			}
		default:
			s.log.Error("reply not delivered", slog.Int("status", status), slog.Any("err", err))
			return
		}
	}
	s.log.Error("reply not delivered after retries")
}

func (s *Server) post(ctx context.Context, u string, body []byte) (int, time.Duration, error) {
	tok, err := s.tokens.Token(ctx)
	if err != nil {
		return 0, 0, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return 0, 0, fmt.Errorf("reply: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := s.http.Do(req)
	if err != nil {
		return 0, time.Second, fmt.Errorf("reply: %w", err)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	wait := time.Second
	if n, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && n >= 0 {
		wait = min(time.Duration(n)*time.Second, 30*time.Second)
	}
	return resp.StatusCode, wait, nil
}

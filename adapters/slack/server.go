package slack

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	slackapi "github.com/slack-go/slack"

	"github.com/onboard-check/onboard-check/handlers"
)

const (
	// maxBody bounds a request body before it is verified; Slack's are a
	// few kilobytes.
	maxBody = 256 << 10
	// apiTimeout bounds one Web API or response_url call.
	apiTimeout = 10 * time.Second
	// Lookups made before an acknowledgement (the requester's language and
	// user groups) wait this long at most, so that Slack still gets its
	// answer well inside 3 seconds when the Web API is slow.
	localeWait = 300 * time.Millisecond
	groupsWait = 500 * time.Millisecond
	// localeTTL is how long a requester's language and user groups are
	// remembered; a failed lookup is retried after lookupRetry.
	localeTTL   = time.Hour
	lookupRetry = time.Minute
	// maxCached bounds the per-user caches; a full cache starts over.
	maxCached = 10000
	// maxRetryAfter is the longest Retry-After worth waiting for before
	// the one retry; beyond it the reply takes the fallback path at once.
	maxRetryAfter = 30 * time.Second
)

// Server is the Slack surface: the HTTP endpoints of slash commands, the
// Events API and interactivity, and Socket Mode over the same logic. It is
// safe for concurrent use.
type Server struct {
	cfg      Config
	svc      *handlers.Service
	runner   *handlers.Runner
	api      *slackapi.Client
	verifier *Verifier
	http     *http.Client // response_url posts
	log      *slog.Logger
	now      func() time.Time

	mu         sync.Mutex
	locales    map[string]cached[string]   // user id -> reply language ("" unknown)
	groups     map[string]cached[[]string] // user group id -> member ids
	botUser    string                      // the bot's user id, from auth.test
	botChecked time.Time                   // when auth.test last failed
}

type cached[T any] struct {
	v       T
	expires time.Time
}

// New returns the Slack surface for a validated cfg, serving the service's
// conversation and running slow work on runner. It makes no network call;
// the first Web API call happens when the first request arrives.
func New(cfg Config, svc *handlers.Service, runner *handlers.Runner, logger *slog.Logger) (*Server, error) {
	return newServer(cfg, svc, runner, logger, &http.Client{Timeout: apiTimeout})
}

func newServer(cfg Config, svc *handlers.Service, runner *handlers.Runner, logger *slog.Logger, client *http.Client) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if svc == nil || runner == nil {
		return nil, errors.New("slack: New needs a service and a runner")
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	opts := []slackapi.Option{slackapi.OptionAPIURL(cfg.apiURL()), slackapi.OptionHTTPClient(client)}
	if cfg.AppToken != "" {
		opts = append(opts, slackapi.OptionAppLevelToken(cfg.AppToken))
	}
	return &Server{
		cfg: cfg, svc: svc, runner: runner,
		api:      slackapi.New(cfg.BotToken, opts...),
		verifier: NewVerifier(cfg.SigningSecret, nil),
		http:     client,
		log:      logger.With(slog.String("component", "slack")),
		now:      time.Now,
		locales:  map[string]cached[string]{},
		groups:   map[string]cached[[]string]{},
	}, nil
}

// Handler serves POST /slack/commands, /slack/events and /slack/interactions.
// Each request is verified before anything else is read from it.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /slack/commands", s.handleCommand)
	mux.HandleFunc("POST /slack/events", s.handleEvents)
	mux.HandleFunc("POST /slack/interactions", s.handleInteraction)
	return mux
}

// readVerified reads the body and checks Slack's signature before anything
// else; on failure it answers (401, or 413 for an oversized body) and
// returns false, and nothing else happens.
func (s *Server) readVerified(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		s.log.Warn("request refused: body too large or unreadable", slog.Any("err", err))
		writeEmpty(w, http.StatusRequestEntityTooLarge)
		return nil, false
	}
	if err := s.verifier.Verify(r.Header, body); err != nil {
		s.log.Warn("request refused", slog.Any("err", err))
		writeEmpty(w, http.StatusUnauthorized)
		return nil, false
	}
	return body, true
}

func (s *Server) handleCommand(w http.ResponseWriter, r *http.Request) {
	body, ok := s.readVerified(w, r)
	if !ok {
		return
	}
	cmd, err := parseCommand(body)
	if err != nil {
		writeEmpty(w, http.StatusBadRequest)
		return
	}
	a := s.command(r.Context(), cmd, "")
	if a.Text == "" {
		writeEmpty(w, http.StatusOK) // nothing to say yet: the answer follows
		return
	}
	writeJSON(w, a)
}

// ack is the immediate answer to a slash command (SPEC §7: within 3 s).
type ack struct {
	ResponseType string `json:"response_type"`
	Text         string `json:"text"`
}

// command prepares a slash command, starts its slow part and returns the
// acknowledgement, which is always ephemeral. Slack does not redeliver
// slash commands over HTTP; Socket Mode may, and passes its envelope id as
// deliveryID so that a redelivery is answered once.
func (s *Server) command(ctx context.Context, c command, deliveryID string) ack {
	req := handlers.Request{
		Surface: handlers.SurfaceSlack, DeliveryID: deliveryID,
		Requester:    handlers.Principal{ID: c.UserID, Groups: s.groupsOf(ctx, c.UserID)},
		Conversation: handlers.Conversation{Team: c.TeamID, Channel: c.ChannelID},
		Text:         c.Text, Lang: s.locale(ctx, c.UserID),
		Resolve: s.resolve,
	}
	job, reply, err := s.svc.Prepare(ctx, req)
	if err != nil {
		return ack{ResponseType: "ephemeral", Text: s.internal(req.Lang, "prepare slash command", err)}
	}
	if !job.Empty() {
		s.spawn(ctx, job, target{channel: c.ChannelID, user: c.UserID, responseURL: c.ResponseURL,
			private: !s.svc.Public(c.ChannelID)})
	}
	if reply.Kind == handlers.ReplyDuplicate {
		return ack{ResponseType: "ephemeral"}
	}
	return ack{ResponseType: "ephemeral", Text: reply.Text}
}

// internal logs an unexpected error under a new incident id and returns
// the requester's text for it.
func (s *Server) internal(lang, doing string, err error) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	id := hex.EncodeToString(b[:])
	s.log.Error(doing, slog.String("incident", id), slog.Any("err", err))
	return s.svc.T(s.svc.Lang(lang), "failure.internal", "incident", id)
}

// target is where a reply goes.
type target struct {
	channel     string
	thread      string // thread_ts to reply in; "" posts a new message
	user        string // the requester, for replies only they see
	responseURL string // slash commands and buttons: the fallback, and the way for private replies
	private     bool   // only the requester may see the reply (not a helpdesk channel, a refusal)
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
		ts, err := s.send(ctx, to.responseURL != "", func(ctx context.Context) (string, error) {
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
	if to.responseURL != "" {
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
		return "", fmt.Errorf("chat.postMessage: %w", err)
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
		return "", fmt.Errorf("chat.postEphemeral: %w", err)
	}
	return ts, nil
}

// respond posts m to a slash command's or button's response_url: for
// everyone in the channel when public, else for the requester only.
// https://api.slack.com/interactivity/handling#message_responses
func (s *Server) respond(ctx context.Context, responseURL string, m Message, public bool) error {
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
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, responseURL, bytes.NewReader(b))
	if err != nil {
		return fmt.Errorf("response_url: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.http.Do(req)
	if err != nil {
		return fmt.Errorf("response_url: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("response_url: status %d", resp.StatusCode)
	}
	return nil
}

func (s *Server) handleEvents(w http.ResponseWriter, r *http.Request) {
	body, ok := s.readVerified(w, r)
	if !ok {
		return
	}
	env, err := parseEnvelope(body)
	if err != nil {
		writeEmpty(w, http.StatusBadRequest)
		return
	}
	if env.Type == "url_verification" {
		writeJSON(w, map[string]string{"challenge": env.Challenge})
		return
	}
	if n := r.Header.Get("X-Slack-Retry-Num"); n != "" {
		s.log.Debug("event redelivered", slog.String("delivery_id", env.EventID), slog.String("status", n+" "+r.Header.Get("X-Slack-Retry-Reason")))
	}
	s.event(r.Context(), env)
	writeEmpty(w, http.StatusOK)
}

// event handles an app_mention or a thread message: a check or a
// follow-up, answered in the thread. Slack delivers a mention in a thread
// twice (app_mention and message) and retries what it thinks timed out;
// the service claims both the event id and the message, so each user
// message is answered once.
func (s *Server) event(ctx context.Context, env envelope) {
	if env.Type != "event_callback" {
		return
	}
	ev := env.Event
	mention := ev.Type == "app_mention"
	if ev.Type != "message" && !mention {
		return
	}
	if ev.BotID != "" || ev.User == "" || (ev.Subtype != "" && ev.Subtype != "thread_broadcast") {
		return // bots (this one included), edits, joins and other system messages
	}
	if !mention && (ev.ThreadTS == "" || ev.ThreadTS == ev.TS) {
		return // outside threads only mentions address the bot
	}
	bot := env.botUserID()
	if bot == "" {
		bot = s.botUserID(ctx)
	}
	if ev.User == bot {
		return
	}
	text := stripBot(ev.Text, bot)
	if !mention {
		// A plain thread message is a follow-up only if it reads as one, and
		// only in the thread of a diagnosis: people talk in threads too.
		// Checks and help need a mention, which arrives as app_mention.
		cmd, err := handlers.Parse(text)
		if err != nil || cmd.Kind == handlers.KindCheck || cmd.Kind == handlers.KindHelp {
			return
		}
	}
	// A mention outside a thread is answered in a thread under it, and a
	// check asked there is linked to that thread before it is posted.
	thread := ev.ThreadTS
	if thread == "" {
		thread = ev.TS
	}
	req := handlers.Request{
		Surface: handlers.SurfaceSlack, DeliveryID: env.EventID, MessageKey: ev.Channel + ":" + ev.TS,
		Requester:    handlers.Principal{ID: ev.User, Groups: s.groupsOf(ctx, ev.User)},
		Conversation: handlers.Conversation{Team: env.TeamID, Channel: ev.Channel, Thread: thread},
		Text:         text, Lang: s.locale(ctx, ev.User),
		Resolve: s.resolve,
	}
	job, reply, err := s.svc.Prepare(ctx, req)
	if err != nil {
		s.internal(req.Lang, "prepare event", err)
		return
	}
	if reply.Kind == handlers.ReplyDuplicate {
		return
	}
	if !mention && (reply.Kind == handlers.ReplyUsage || reply.Kind == handlers.ReplyRefusal) {
		return // say nothing in threads that are not the bot's
	}
	to := target{channel: ev.Channel, thread: thread, user: ev.User, private: !s.svc.Public(ev.Channel)}
	if !job.Empty() {
		s.spawn(ctx, job, to)
		return
	}
	if reply.Kind == handlers.ReplyRefusal {
		to.private = true
	}
	s.later(ctx, reply, to)
}

func (s *Server) handleInteraction(w http.ResponseWriter, r *http.Request) {
	body, ok := s.readVerified(w, r)
	if !ok {
		return
	}
	in, err := parseInteraction(body)
	if err != nil {
		writeEmpty(w, http.StatusBadRequest)
		return
	}
	s.interaction(r.Context(), in, "")
	writeEmpty(w, http.StatusOK)
}

// interaction runs the follow-up behind a Recheck or Details button, about
// the diagnosis the button carries, in the diagnosis's thread (privately
// when the diagnosis itself was shown only to the requester). Every press
// is its own request; deliveryID is Socket Mode's envelope id, for its
// redeliveries.
func (s *Server) interaction(ctx context.Context, in interaction, deliveryID string) {
	if in.Type != "block_actions" || len(in.Actions) == 0 {
		return
	}
	a := in.Actions[0]
	if a.ActionID != actionRecheck && a.ActionID != actionDetails {
		return // the Open in Entra link needs nothing from us
	}
	channel := first(in.Channel.ID, in.Container.ChannelID)
	root := first(in.Message.ThreadTS, in.Container.ThreadTS, in.Message.TS, in.Container.MessageTS)
	req := handlers.Request{
		Surface: handlers.SurfaceSlack, DeliveryID: deliveryID,
		Requester:    handlers.Principal{ID: in.User.ID, Groups: s.groupsOf(ctx, in.User.ID)},
		Conversation: handlers.Conversation{Team: in.Team.ID, Channel: channel, Thread: root},
		Text:         a.ActionID, Lang: s.locale(ctx, in.User.ID),
		Diagnosis: a.Value,
	}
	job, reply, err := s.svc.Prepare(ctx, req)
	if err != nil {
		s.internal(req.Lang, "prepare button", err)
		return
	}
	if reply.Kind == handlers.ReplyDuplicate {
		return
	}
	to := target{channel: channel, thread: root, user: in.User.ID, responseURL: in.ResponseURL,
		private: in.Container.IsEphemeral || !s.svc.Public(channel)}
	if to.private {
		to.thread = "" // an ephemeral message has no thread
	}
	if !job.Empty() {
		s.spawn(ctx, job, to)
		return
	}
	to.private = true // a refusal or usage note is for the one who pressed
	s.later(ctx, reply, to)
}

func first(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// resolve turns a Slack mention into the person's profile email
// (users.info; the app needs users:read.email).
func (s *Server) resolve(ctx context.Context, t handlers.Target) (string, error) {
	if t.Kind != handlers.TargetSlackMention {
		return t.Value, nil
	}
	u, err := s.api.GetUserInfoContext(ctx, t.Value)
	if err != nil {
		return "", fmt.Errorf("users.info: %w", err)
	}
	if u.Profile.Email == "" {
		return "", errors.New("users.info: no email (the app needs users:read.email)")
	}
	return u.Profile.Email, nil
}

// botUserID returns the bot's own user id from auth.test, asked once and
// remembered; after a failure it is asked again a minute later at most.
func (s *Server) botUserID(ctx context.Context) string {
	s.mu.Lock()
	id, checked := s.botUser, s.botChecked
	s.mu.Unlock()
	if id != "" || (!checked.IsZero() && s.now().Sub(checked) < lookupRetry) {
		return id
	}
	ctx, cancel := context.WithTimeout(ctx, localeWait)
	defer cancel()
	resp, err := s.api.AuthTestContext(ctx)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		s.botChecked = s.now()
		s.log.Warn("auth.test failed; the bot's own mentions are recognised only at the start of a message", slog.Any("err", err))
		return ""
	}
	s.botUser = resp.UserID
	return s.botUser
}

// groupsOf returns the allow-listed user groups the user belongs to, from
// usergroups.users.list (cached), waiting groupsWait at most.
func (s *Server) groupsOf(ctx context.Context, user string) []string {
	wanted := s.svc.SlackGroups()
	if len(wanted) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, groupsWait)
	defer cancel()
	var in []string
	for _, g := range wanted {
		now := s.now()
		s.mu.Lock()
		e, ok := s.groups[g]
		s.mu.Unlock()
		if !ok || now.After(e.expires) {
			ids, err := s.api.GetUserGroupMembersContext(ctx, g)
			if err != nil {
				s.log.Warn("user group not readable; it admits nobody (the app needs usergroups:read)", slog.String("group", g), slog.Any("err", err))
				continue
			}
			e = cached[[]string]{v: ids, expires: now.Add(localeTTL)}
			s.mu.Lock()
			if len(s.groups) >= maxCached {
				clear(s.groups)
			}
			s.groups[g] = e
			s.mu.Unlock()
		}
		for _, id := range e.v {
			if id == user {
				in = append(in, g)
				break
			}
		}
	}
	return in
}

// locale returns the requester's reply language from their Slack locale
// (users.info), cached; "" when unknown, and the service's default applies.
// It waits localeWait at most, and a failed lookup is not repeated for a
// minute, so that a slow or failing Web API does not slow every answer.
func (s *Server) locale(ctx context.Context, user string) string {
	if user == "" {
		return ""
	}
	now := s.now()
	s.mu.Lock()
	e, ok := s.locales[user]
	s.mu.Unlock()
	if ok && now.Before(e.expires) {
		return e.v
	}
	ctx, cancel := context.WithTimeout(ctx, localeWait)
	defer cancel()
	e = cached[string]{expires: now.Add(localeTTL)}
	u, err := s.api.GetUserInfoContext(ctx, user)
	switch {
	case err != nil:
		s.log.Debug("locale unknown", slog.String("requester_id", user), slog.Any("err", err))
		e.expires = now.Add(lookupRetry)
	case strings.TrimSpace(u.Locale) != "":
		e.v = s.svc.Lang(u.Locale)
	}
	s.mu.Lock()
	if len(s.locales) >= maxCached {
		clear(s.locales)
	}
	s.locales[user] = e
	s.mu.Unlock()
	return e.v
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func writeEmpty(w http.ResponseWriter, status int) {
	w.WriteHeader(status)
}

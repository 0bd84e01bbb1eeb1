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
	"strings"
	"sync"
	"time"

	slackapi "github.com/slack-go/slack"

	"github.com/onboard-check/onboard-check/handlers"
)

// maxBody bounds a request body before it is verified; Slack's are small.
const maxBody = 256 << 10

// localeTTL is how long a requester's Slack locale is remembered.
const localeTTL = time.Hour

// Server is the Slack surface: the HTTP endpoints of the Events API, slash
// commands and interactivity, and Socket Mode. It is safe for concurrent use.
type Server struct {
	cfg      Config
	svc      *handlers.Service
	runner   *handlers.Runner
	api      *slackapi.Client
	verifier *Verifier
	http     *http.Client // response_url posts
	log      *slog.Logger

	mu      sync.Mutex
	locales map[string]localeEntry
	groups  map[string]groupEntry // user group id -> members
}

type groupEntry struct {
	members map[string]bool
	expires time.Time
}

type localeEntry struct {
	lang    string
	expires time.Time
}

// New returns the Slack surface. It makes no network call.
func New(cfg Config, svc *handlers.Service, runner *handlers.Runner, logger *slog.Logger) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	opts := []slackapi.Option{slackapi.OptionAPIURL(cfg.apiURL()), slackapi.OptionHTTPClient(&http.Client{Timeout: 10 * time.Second})}
	if cfg.AppToken != "" {
		opts = append(opts, slackapi.OptionAppLevelToken(cfg.AppToken))
	}
	return &Server{
		cfg: cfg, svc: svc, runner: runner,
		api:      slackapi.New(cfg.BotToken, opts...),
		verifier: NewVerifier(cfg.SigningSecret, nil),
		http:     &http.Client{Timeout: 10 * time.Second},
		log:      logger.With(slog.String("component", "slack")),
		locales:  map[string]localeEntry{},
		groups:   map[string]groupEntry{},
	}, nil
}

// Handler serves POST /slack/commands, /slack/events and /slack/interactions.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /slack/commands", s.handleCommand)
	mux.HandleFunc("POST /slack/events", s.handleEvents)
	mux.HandleFunc("POST /slack/interactions", s.handleInteraction)
	return mux
}

// readVerified reads the body and checks Slack's signature before anything
// else; on failure it answers 401 and returns false.
func (s *Server) readVerified(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		http.Error(w, "request too large", http.StatusRequestEntityTooLarge)
		return nil, false
	}
	if err := s.verifier.Verify(r.Header, body); err != nil {
		s.log.Warn("request refused", slog.String("path", r.URL.Path), slog.String("reason", err.Error()))
		w.WriteHeader(http.StatusUnauthorized)
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
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	a := s.command(r.Context(), cmd)
	if a.Text == "" {
		w.WriteHeader(http.StatusOK) // nothing to say yet: the answer follows
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
// acknowledgement.
func (s *Server) command(ctx context.Context, c command) ack {
	req := handlers.Request{
		Surface: handlers.SurfaceSlack, DeliveryID: "cmd:" + c.TriggerID,
		Requester:    handlers.Principal{ID: c.UserID, Groups: s.groupsOf(ctx, c.UserID, 500*time.Millisecond)},
		Conversation: handlers.Conversation{Team: c.TeamID, Channel: c.ChannelID},
		Text:         c.Text, Lang: s.locale(ctx, c.UserID, 300*time.Millisecond),
	}
	if c.TriggerID == "" {
		req.DeliveryID = ""
	}
	req.Resolve = s.resolve
	job, reply, err := s.svc.Prepare(ctx, req)
	if err != nil {
		s.log.Error("prepare failed", slog.Any("err", err))
		return ack{ResponseType: "ephemeral", Text: s.svc.T(req.Lang, "failure.internal", "incident", "prepare")}
	}
	if !job.Empty() {
		s.spawn(ctx, job, target{channel: c.ChannelID, responseURL: c.ResponseURL})
	}
	if reply.Kind == handlers.ReplyDuplicate {
		return ack{ResponseType: "ephemeral"}
	}
	return ack{ResponseType: "ephemeral", Text: reply.Text}
}

// target is where a reply goes.
type target struct {
	channel     string
	thread      string // thread_ts to reply in; empty for a new message
	responseURL string // fallback, and the only way for private replies
}

// spawn runs a job in the background and posts its reply.
func (s *Server) spawn(ctx context.Context, job handlers.Job, to target) {
	if err := s.svc.Dispatch(ctx, s.runner, job, func(ctx context.Context, reply handlers.Reply) { s.deliver(ctx, reply, to) }); err != nil {
		s.log.Warn("job not started; shutting down", slog.Any("err", err))
	}
}

// deliver posts a reply: in the channel (so that it has a thread) where
// replies are public and the bot may post, else through the response_url.
func (s *Server) deliver(ctx context.Context, reply handlers.Reply, to target) {
	if reply.Kind == handlers.ReplyDuplicate {
		return
	}
	m := Render(reply, s.svc.Messages())
	public := to.thread != "" || (s.svc.Public(to.channel) && !reply.Ephemeral)
	if public && to.channel != "" {
		ts, err := s.postMessage(ctx, to.channel, to.thread, m)
		if err == nil {
			if reply.DiagnosisID != "" && to.thread == "" {
				s.svc.LinkThread(ctx, handlers.SurfaceSlack, to.channel, ts, reply.DiagnosisID)
			}
			return
		}
		s.log.Warn("chat.postMessage failed; answering through response_url", slog.String("channel_id", to.channel), slog.Any("err", err))
	}
	if to.responseURL == "" {
		s.log.Error("reply lost: no way to post it", slog.String("channel_id", to.channel))
		return
	}
	if err := s.respond(ctx, to.responseURL, m, public); err != nil {
		s.log.Error("response_url failed", slog.Any("err", err))
	}
}

// postMessage posts m, retrying once after Slack's rate limit.
func (s *Server) postMessage(ctx context.Context, channel, thread string, m Message) (string, error) {
	opts := []slackapi.MsgOption{slackapi.MsgOptionText(m.Text, false), slackapi.MsgOptionBlocks(m.Blocks.BlockSet...)}
	if thread != "" {
		opts = append(opts, slackapi.MsgOptionTS(thread))
	}
	for attempt := 0; ; attempt++ {
		_, ts, err := s.api.PostMessageContext(ctx, channel, opts...)
		var rl *slackapi.RateLimitedError
		if errors.As(err, &rl) && attempt == 0 {
			wait := min(max(rl.RetryAfter, time.Second), 30*time.Second)
			select {
			case <-time.After(wait):
				continue
			case <-ctx.Done():
				return "", ctx.Err()
			}
		}
		return ts, err
	}
}

// respond posts m to a slash command's or action's response_url.
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
		return err
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
	resp.Body.Close()
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
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	if env.Type == "url_verification" {
		writeJSON(w, map[string]string{"challenge": env.Challenge})
		return
	}
	s.event(r.Context(), env)
	w.WriteHeader(http.StatusOK)
}

// event handles an app_mention or a thread message: a check or a follow-up,
// answered in the thread.
func (s *Server) event(ctx context.Context, env envelope) {
	if env.Type != "event_callback" {
		return
	}
	ev := env.Event
	bot := env.botUserID()
	if ev.BotID != "" || ev.User == "" || ev.User == bot || (ev.Subtype != "" && ev.Subtype != "thread_broadcast") {
		return // the bot's own messages, other bots, edits and joins
	}
	mention := ev.Type == "app_mention"
	if ev.Type != "message" && !mention {
		return
	}
	if !mention && (ev.ThreadTS == "" || ev.ThreadTS == ev.TS) {
		return // only thread replies are follow-ups without a mention
	}
	text := stripBot(ev.Text, bot)
	if !mention {
		// A plain thread message is a follow-up only if it reads as one, and
		// only in the thread of a diagnosis: people talk in threads too.
		cmd, err := handlers.Parse(text)
		if err != nil || cmd.Kind == handlers.KindCheck || cmd.Kind == handlers.KindHelp {
			return
		}
	}
	thread := ev.ThreadTS
	req := handlers.Request{
		Surface: handlers.SurfaceSlack, DeliveryID: env.EventID, MessageKey: ev.Channel + ":" + ev.TS,
		Requester:    handlers.Principal{ID: ev.User, Groups: s.groupsOf(ctx, ev.User, 500*time.Millisecond)},
		Conversation: handlers.Conversation{Team: env.TeamID, Channel: ev.Channel, Thread: thread},
		Text:         text, Lang: s.locale(ctx, ev.User, 300*time.Millisecond),
	}
	req.Resolve = s.resolve
	job, reply, err := s.svc.Prepare(ctx, req)
	if err != nil {
		s.log.Error("prepare failed", slog.Any("err", err))
		return
	}
	if reply.Kind == handlers.ReplyDuplicate {
		return
	}
	if !mention && (reply.Kind == handlers.ReplyUsage || reply.Kind == handlers.ReplyRefusal) {
		return // say nothing in threads that are not the bot's
	}
	// A new check asked by a mention outside a thread starts a thread
	// under the mention; everything else answers in its thread.
	to := target{channel: ev.Channel, thread: thread}
	if to.thread == "" {
		to.thread = ev.TS
	}
	if !job.Empty() {
		if job.Command().Kind == handlers.KindCheck && thread == "" {
			s.spawnLinked(ctx, job, to)
		} else {
			s.spawn(ctx, job, to)
		}
		return
	}
	s.runner.Go(context.WithoutCancel(ctx), func(ctx context.Context) { s.deliver(ctx, reply, to) })
}

// spawnLinked runs a check asked outside a thread and links the thread the
// reply starts, so that follow-ups there find it.
func (s *Server) spawnLinked(ctx context.Context, job handlers.Job, to target) {
	err := s.svc.Dispatch(ctx, s.runner, job, func(ctx context.Context, reply handlers.Reply) {
		s.deliver(ctx, reply, to)
		if reply.DiagnosisID != "" {
			s.svc.LinkThread(ctx, handlers.SurfaceSlack, to.channel, to.thread, reply.DiagnosisID)
		}
	})
	if err != nil {
		s.log.Warn("job not started; shutting down", slog.Any("err", err))
	}
}

func (s *Server) handleInteraction(w http.ResponseWriter, r *http.Request) {
	body, ok := s.readVerified(w, r)
	if !ok {
		return
	}
	in, err := parseInteraction(body)
	if err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	s.interaction(r.Context(), in)
	w.WriteHeader(http.StatusOK)
}

// interaction runs the follow-up behind a Recheck or Details button in the
// diagnosis's thread.
func (s *Server) interaction(ctx context.Context, in interaction) {
	if in.Type != "block_actions" || len(in.Actions) == 0 {
		return
	}
	a := in.Actions[0]
	if a.ActionID != actionRecheck && a.ActionID != actionDetails {
		return // the Open in Entra link needs nothing from us
	}
	channel := in.Channel.ID
	if channel == "" {
		channel = in.Container.ChannelID
	}
	root := in.Message.ThreadTS
	if root == "" {
		root = in.Message.TS
	}
	if root == "" {
		root = in.Container.MessageTS
	}
	// The button carries the diagnosis id: a diagnosis posted through the
	// response_url has no thread link yet.
	if a.Value != "" && root != "" {
		s.svc.LinkThread(ctx, handlers.SurfaceSlack, channel, root, a.Value)
	}
	req := handlers.Request{
		Surface: handlers.SurfaceSlack, DeliveryID: "action:" + in.TriggerID + a.ActionTS,
		Requester:    handlers.Principal{ID: in.User.ID, Groups: s.groupsOf(ctx, in.User.ID, 500*time.Millisecond)},
		Conversation: handlers.Conversation{Team: in.Team.ID, Channel: channel, Thread: root},
		Text:         a.ActionID, Lang: s.locale(ctx, in.User.ID, 300*time.Millisecond),
	}
	job, reply, err := s.svc.Prepare(ctx, req)
	if err != nil || reply.Kind == handlers.ReplyDuplicate {
		return
	}
	to := target{channel: channel, thread: root, responseURL: in.ResponseURL}
	if !job.Empty() {
		s.spawn(ctx, job, to)
		return
	}
	_ = s.runner.Go(context.WithoutCancel(ctx), func(ctx context.Context) { s.deliver(ctx, reply, to) })
}

// resolve turns a Slack mention into the person's profile email.
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

// groupsOf returns the allow-listed user groups the user belongs to, from
// usergroups.users.list (cached for the locale TTL), within wait.
func (s *Server) groupsOf(ctx context.Context, user string, wait time.Duration) []string {
	wanted := s.svc.SlackGroups()
	if len(wanted) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	var in []string
	for _, g := range wanted {
		s.mu.Lock()
		e, ok := s.groups[g]
		s.mu.Unlock()
		if !ok || time.Now().After(e.expires) {
			ids, err := s.api.GetUserGroupMembersContext(ctx, g)
			if err != nil {
				s.log.Warn("user group not readable; it admits nobody (the app needs usergroups:read)", slog.String("group", g), slog.Any("err", err))
				continue
			}
			e = groupEntry{members: map[string]bool{}, expires: time.Now().Add(localeTTL)}
			for _, id := range ids {
				e.members[id] = true
			}
			s.mu.Lock()
			s.groups[g] = e
			s.mu.Unlock()
		}
		if e.members[user] {
			in = append(in, g)
		}
	}
	return in
}

// locale returns the requester's Slack locale, from the cache or from
// users.info within wait; "" when unknown (the service's default applies).
func (s *Server) locale(ctx context.Context, user string, wait time.Duration) string {
	now := time.Now()
	s.mu.Lock()
	e, ok := s.locales[user]
	s.mu.Unlock()
	if ok && now.Before(e.expires) {
		return e.lang
	}
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	u, err := s.api.GetUserInfoContext(ctx, user)
	if err != nil {
		s.log.Debug("locale unknown", slog.String("requester_id", user), slog.Any("err", err))
		return ""
	}
	lang := s.svc.Lang(u.Locale)
	if strings.TrimSpace(u.Locale) == "" {
		lang = ""
	}
	s.mu.Lock()
	if len(s.locales) > 10000 {
		clear(s.locales)
	}
	s.locales[user] = localeEntry{lang: lang, expires: now.Add(localeTTL)}
	s.mu.Unlock()
	return lang
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

package handlers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/onboard-check/onboard-check/diagnosis"
	"github.com/onboard-check/onboard-check/store"
)

// Config tunes the service.
type Config struct {
	Lang       string        // default reply language
	Access     Access        // who may ask
	RateLimit  int           // checks per requester per RateWindow; 0 means 20
	RateWindow time.Duration // 0 means 10 minutes
	Budget     time.Duration // per diagnosis; 0 means 20 s
	// Classify turns a source error into a catalog key the requester can
	// act on ("failure.credentials"); "" means unexpected.
	Classify func(error) string
	// Observer, when set, is told of finished diagnoses and of the job
	// queue (metrics).
	Observer Observer
	// Workers is how many queued jobs run at once; 0 means 16.
	Workers int
	// ClaimAfter is how long a job taken by a worker that neither answered
	// nor released it (its process died) waits before another worker takes
	// it; 0 means the budget plus two minutes. The queue's size is the
	// store's (store.WithQueueCap).
	ClaimAfter time.Duration
	// Grace is how long running jobs may finish once Work's context ends;
	// 0 means 30 s.
	Grace time.Duration
}

// Retention of what the service stores.
const (
	diagnosisTTL = 7 * 24 * time.Hour
	dedupTTL     = time.Hour
)

// Service is the conversation shared by every surface. It is safe for
// concurrent use.
type Service struct {
	cfg    Config
	engine *diagnosis.Engine
	source diagnosis.Source
	store  store.Store
	msg    *diagnosis.Text
	text   *Text
	log    *slog.Logger

	consumer   string      // this process's name in the job queue
	stopping   atomic.Bool // Work stopped taking jobs
	deliverers deliverers
	depthMu    sync.Mutex // orders the queue depth reports
}

// NewService wires the engine, a snapshot source and the store. It makes
// no network calls.
func NewService(cfg Config, engine *diagnosis.Engine, source diagnosis.Source, st store.Store, logger *slog.Logger) (*Service, error) {
	if cfg.Lang = diagnosis.NormalizeLang(cfg.Lang); cfg.Lang == "" {
		cfg.Lang = diagnosis.FallbackLang
	}
	if cfg.RateLimit <= 0 {
		cfg.RateLimit = 20
	}
	if cfg.RateWindow <= 0 {
		cfg.RateWindow = 10 * time.Minute
	}
	if cfg.Budget <= 0 {
		cfg.Budget = 20 * time.Second
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 16
	}
	if cfg.ClaimAfter <= 0 {
		cfg.ClaimAfter = cfg.Budget + 2*time.Minute
	}
	if cfg.Grace <= 0 {
		cfg.Grace = 30 * time.Second
	}
	text, err := NewText()
	if err != nil {
		return nil, err
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Service{cfg: cfg, engine: engine, source: source, store: st, msg: text.msg, text: text,
		log: logger.With(slog.String("component", "handlers")), consumer: consumerName()}, nil
}

// consumerName names this process among the queue's consumers: host,
// process id and a random part, so that a restarted process is a new
// consumer and never mistaken for the one that died.
func consumerName() string {
	host, _ := os.Hostname()
	return host + "-" + strconv.Itoa(os.Getpid()) + "-" + newID()[:6]
}

// Public reports whether replies in a channel are for everyone: the channel
// is a helpdesk channel, or no helpdesk channel is configured. Elsewhere
// surfaces show replies to the requester only.
func (s *Service) Public(channel string) bool {
	return len(s.cfg.Access.HelpdeskChannels) == 0 || s.cfg.Access.Helpdesk(channel)
}

// SlackGroups returns the Slack user groups of the allow-list: a Slack
// surface looks up whether the requester belongs to them.
func (s *Service) SlackGroups() []string { return slices.Clone(s.cfg.Access.SlackGroups) }

// Messages returns the conversation catalog, for surface renderers.
func (s *Service) Messages() *diagnosis.Text { return s.msg }

// T renders one conversation message.
func (s *Service) T(lang, key string, args ...string) string { return s.msg.T(lang, key, args...) }

// Budget is the time allowed for one Run.
func (s *Service) Budget() time.Duration { return s.cfg.Budget }

// Lang picks the reply language: the requester's, else the configured one.
func (s *Service) Lang(requested string) string {
	if l := diagnosis.NormalizeLang(requested); l != "" {
		return l
	}
	return s.cfg.Lang
}

// Prepare parses, authorises, deduplicates and rate-limits a request. It
// does no Graph I/O and returns in milliseconds, so that a surface can call
// it before it acknowledges. The Reply is the immediate answer (an ack, a
// usage text, a refusal, or a duplicate to ignore); a non-empty Job is to be
// passed to Run. A store outage degrades: no dedup and no follow-ups, never
// an error.
func (s *Service) Prepare(ctx context.Context, req Request) (Job, Reply, error) {
	lang := s.Lang(req.Lang)
	if reason := s.cfg.Access.refusal(req); reason != "" {
		return Job{}, s.Refuse(ctx, req, reason), nil
	}
	if dup := s.duplicate(ctx, req); dup {
		return Job{}, Reply{Kind: ReplyDuplicate, Lang: lang}, nil
	}
	cmd, err := Parse(req.Text)
	if err != nil {
		var ue *UsageError
		if errors.As(err, &ue) {
			r := s.reply(ReplyUsage, lang, ue.Key, "input", ue.Input)
			r.Text += "\n\n" + s.T(lang, "help.text")
			return Job{}, r, nil
		}
		return Job{}, Reply{}, fmt.Errorf("parse: %w", err)
	}
	job := Job{req: req, cmd: cmd, lang: lang}
	switch cmd.Kind {
	case KindHelp:
		return Job{}, s.reply(ReplyHelp, lang, "help.text"), nil
	case KindExplain:
		return job, Reply{}, nil // answered by Run from the knowledge base
	case KindCheck:
		if cmd.App != "" {
			if _, ok := s.engine.Apps().Lookup(cmd.App); !ok {
				return Job{}, s.reply(ReplyUsage, lang, "usage.app_unknown", "input", cmd.App), nil
			}
		}
		if !s.allow(ctx, req) {
			return Job{}, s.Refuse(ctx, req, refusalRateLimited), nil
		}
		r := s.reply(ReplyAck, lang, "ack.checking", "user", cmd.User.String())
		r.Ephemeral = true
		return job, r, nil
	}
	// A follow-up needs the diagnosis of its thread.
	id, err := s.threadDiagnosis(ctx, req)
	if err != nil {
		return Job{}, s.reply(ReplyUsage, lang, "usage.no_thread"), nil
	}
	job.record = id
	if cmd.Kind == KindRecheck || cmd.Kind == KindWhatIf {
		if !s.allow(ctx, req) {
			return Job{}, s.Refuse(ctx, req, refusalRateLimited), nil
		}
		if cmd.Kind == KindRecheck {
			return job, s.reply(ReplyAck, lang, "ack.rechecking"), nil
		}
	}
	return job, Reply{}, nil
}

// duplicate claims the delivery and the message; a claim already held
// means Slack or Teams delivered this message before.
func (s *Service) duplicate(ctx context.Context, req Request) bool {
	for _, k := range []string{req.DeliveryID, req.MessageKey} {
		if k == "" {
			continue
		}
		ok, err := s.store.Claim(ctx, string(req.Surface)+":"+k, dedupTTL)
		if err != nil {
			s.log.Warn("dedup unavailable; answering anyway", slog.Any("err", err))
			return false
		}
		if !ok {
			s.log.Info("duplicate delivery ignored", slog.String("surface", string(req.Surface)), slog.String("delivery_id", req.DeliveryID))
			return true
		}
	}
	return false
}

func (s *Service) allow(ctx context.Context, req Request) bool {
	ok, err := s.store.Allow(ctx, string(req.Surface)+":"+req.Requester.ID, s.cfg.RateLimit, s.cfg.RateWindow)
	if err != nil {
		s.log.Warn("rate limiter unavailable; allowing", slog.Any("err", err))
		return true
	}
	return ok
}

func (s *Service) threadDiagnosis(ctx context.Context, req Request) (string, error) {
	if req.Diagnosis != "" {
		return req.Diagnosis, nil
	}
	if req.Conversation.Thread == "" {
		return "", store.ErrNotFound
	}
	id, err := s.store.ThreadDiagnosis(ctx, s.thread(req.Surface, req.Conversation.Channel, req.Conversation.Thread))
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		s.log.Warn("thread lookup failed; follow-ups unavailable", slog.Any("err", err))
	}
	return id, err
}

func (s *Service) thread(surface Surface, channel, thread string) store.Thread {
	return store.Thread{Surface: string(surface), Channel: channel, Thread: thread}
}

// LinkThread remembers that the diagnosis id was posted in a thread, so
// that follow-ups there find it. Surfaces call it once the reply is posted
// and they know the thread's id. A store outage is logged, not returned.
func (s *Service) LinkThread(ctx context.Context, surface Surface, channel, thread, id string) {
	if id == "" || thread == "" {
		return
	}
	if err := s.store.LinkThread(ctx, s.thread(surface, channel, thread), id, diagnosisTTL); err != nil {
		s.log.Warn("thread not remembered; follow-ups there will not work", slog.Any("err", err))
	}
}

func (s *Service) reply(kind ReplyKind, lang, key string, args ...string) Reply {
	return Reply{Kind: kind, Lang: lang, Text: s.T(lang, key, args...)}
}

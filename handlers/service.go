package handlers

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/onboard-check/onboard-check/diagnosis"
	"github.com/onboard-check/onboard-check/store"
)

// Surface is where a request came from.
type Surface string

// Surfaces.
const (
	SurfaceSlack Surface = "slack"
	SurfaceTeams Surface = "teams"
	SurfaceCLI   Surface = "cli"
)

// Principal is who asks, as its surface authenticated it.
type Principal struct {
	ID       string   // Slack user id, or Teams AAD object id
	Groups   []string // Slack user group ids, when the surface knows them
	TenantID string   // Teams: the requester's tenant
}

// Conversation is where a request was made and where the reply goes.
type Conversation struct {
	Team    string // Slack team id or Teams team id
	Channel string // Slack channel id, or Teams conversation id without ;messageid=
	Thread  string // the thread's root: Slack thread_ts, Teams root activity id; empty outside a thread
}

// Request is one command or follow-up, already authenticated by its surface.
type Request struct {
	Surface    Surface
	DeliveryID string // Slack event_id or Teams activity id, for dedup
	// MessageKey identifies the user's message across deliveries (Slack
	// channel and ts), so that an app_mention and a message event for the
	// same message are answered once.
	MessageKey   string
	Requester    Principal
	Conversation Conversation
	Text         string // "/onboard-check adele@contoso.com", "details", "policy CA010"
	Lang         string // the requester's locale, if the surface knows it
	// Diagnosis is the diagnosis id a pressed button carries. When set, a
	// follow-up is about that diagnosis rather than the thread's latest,
	// and works even where the thread was never remembered.
	Diagnosis string
	// Resolve turns a mention (Slack <@U…>, Teams <at>…</at>) into a UPN
	// or object id. Surfaces without mentions leave it nil.
	Resolve func(ctx context.Context, t Target) (string, error) `json:"-"`
}

// ReplyKind is the closed set of answers.
type ReplyKind string

// Reply kinds.
const (
	ReplyAck       ReplyKind = "ack"       // "Checking adele@contoso.com…", before a Job runs
	ReplyDiagnosis ReplyKind = "diagnosis" // a new or rechecked diagnosis
	ReplyDetails   ReplyKind = "details"   // every finding of the thread's diagnosis, uncut
	ReplySignIns   ReplyKind = "signins"   // the diagnosed user's recent sign-ins
	ReplyPolicy    ReplyKind = "policy"    // one policy and how it treats the user
	ReplyExplain   ReplyKind = "explain"   // an AADSTS code explained
	ReplyWhatIf    ReplyKind = "whatif"    // which policies a hypothetical sign-in meets
	ReplyHelp      ReplyKind = "help"
	ReplyUsage     ReplyKind = "usage"     // the input was not understood
	ReplyRefusal   ReplyKind = "refusal"   // not allowed, or too many requests
	ReplyDuplicate ReplyKind = "duplicate" // a redelivery: say nothing
	ReplyFailure   ReplyKind = "failure"   // the work could not be done
)

// Reply is what a surface renders. Text is always set (already in the
// reply language) except for ReplyDuplicate; the other fields carry the
// structure a rich renderer needs.
type Reply struct {
	Kind ReplyKind
	Lang string
	Text string
	// Ephemeral asks the surface to show the reply only to the requester.
	Ephemeral bool

	Diagnosis   *diagnosis.Diagnosis // ReplyDiagnosis, ReplyDetails
	DiagnosisID string               // the stored diagnosis, for buttons
	SignIns     []diagnosis.SignIn   // ReplySignIns, newest first
	Policy      *PolicyView          // ReplyPolicy
	Explain     *ExplainView         // ReplyExplain
	WhatIf      []WhatIfView         // ReplyWhatIf, applying policies first
	Incident    string               // ReplyFailure of an unexpected error
}

// PolicyView is one policy and the evaluator's reasoning for the user.
type PolicyView struct {
	Policy     diagnosis.Policy
	Match      diagnosis.Match
	Conditions []string // one sentence per condition
	Link       string
}

// ExplainView is one AADSTS code from the knowledge base.
type ExplainView struct {
	Code        int
	Name        string
	Finding     diagnosis.FindingCode
	Explanation string
	Remediation []string
	Link        string
}

// WhatIfView is one policy judged against a hypothetical sign-in.
type WhatIfView struct {
	PolicyID, DisplayName string
	State                 diagnosis.PolicyState
	Match                 diagnosis.Match
	Controls              []string
	Why                   []string // sentences for the conditions that decided
}

// Job is prepared work: what Run will do. The zero Job does nothing.
type Job struct {
	req    Request
	cmd    Command
	lang   string
	record string // the thread's diagnosis id, for follow-ups
}

// Empty reports whether the job has nothing to run.
func (j Job) Empty() bool { return j.cmd.Kind == "" }

// Command returns the parsed command the job runs.
func (j Job) Command() Command { return j.cmd }

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
	// Observe, when set, is told of every finished diagnosis (metrics).
	Observe func(surface Surface, verdict diagnosis.Verdict, elapsed time.Duration)
}

// Retention of what the service stores (SPEC §9).
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
	text, err := NewText()
	if err != nil {
		return nil, err
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Service{cfg: cfg, engine: engine, source: source, store: st, msg: text.msg, text: text,
		log: logger.With(slog.String("component", "handlers"))}, nil
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

// Engine returns the diagnosis engine, for renderers that need its catalogs.
func (s *Service) Engine() *diagnosis.Engine { return s.engine }

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
	if !s.cfg.Access.Allowed(req) {
		s.log.Info("request refused", slog.String("surface", string(req.Surface)), slog.String("requester_id", req.Requester.ID),
			slog.String("channel_id", req.Conversation.Channel))
		return Job{}, s.reply(ReplyRefusal, lang, "refusal.not_allowed"), nil
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
			return Job{}, s.reply(ReplyRefusal, lang, "refusal.rate_limited"), nil
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
			return Job{}, s.reply(ReplyRefusal, lang, "refusal.rate_limited"), nil
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

// Run does the slow part of a prepared Job and returns the reply to post.
// Errors the requester can act on come back as a ReplyFailure with a
// catalog text; the error return is only for a job that was never prepared.
func (s *Service) Run(ctx context.Context, job Job) (Reply, error) {
	if job.Empty() {
		return Reply{}, errors.New("run: empty job")
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Budget)
	defer cancel()
	lang := job.lang
	switch job.cmd.Kind {
	case KindCheck:
		q, err := s.query(ctx, job)
		if err != nil {
			return s.failure(lang, err), nil
		}
		return s.check(ctx, job, q)
	case KindExplain:
		return s.explain(lang, job.cmd.Arg), nil
	}
	rec, err := s.store.Get(ctx, job.record)
	if err != nil {
		return s.reply(ReplyUsage, lang, "usage.no_thread"), nil
	}
	switch job.cmd.Kind {
	case KindRecheck:
		return s.check(ctx, job, rec.Query)
	case KindDetails:
		d := rec.Diagnosis
		return Reply{Kind: ReplyDetails, Lang: lang, Diagnosis: &d, DiagnosisID: rec.ID,
			Text: s.text.Render(d, lang, false)}, nil
	case KindSignIns:
		return s.signIns(lang, rec), nil
	case KindPolicy:
		return s.policy(lang, rec, job.cmd.Arg), nil
	case KindWhatIf:
		return s.whatIf(ctx, lang, rec, job.cmd.WhatIf), nil
	}
	return Reply{}, fmt.Errorf("run: unknown command %q", job.cmd.Kind)
}

// query turns a check into a diagnosis query, resolving mentions.
func (s *Service) query(ctx context.Context, job Job) (diagnosis.Query, error) {
	cmd := job.cmd
	user := cmd.User.Value
	if cmd.User.Kind == TargetSlackMention || cmd.User.Kind == TargetTeamsMention {
		if job.req.Resolve == nil {
			return diagnosis.Query{}, &Failure{Key: "failure.mention_unresolved"}
		}
		v, err := job.req.Resolve(ctx, cmd.User)
		if err != nil || v == "" {
			return diagnosis.Query{}, &Failure{Key: "failure.mention_unresolved", Err: err}
		}
		t, err := ParseTarget(v)
		if err != nil || (t.Kind != TargetUPN && t.Kind != TargetObjectID) {
			return diagnosis.Query{}, &Failure{Key: "failure.mention_unresolved", Err: err}
		}
		user = t.Value
	}
	q := diagnosis.Query{User: user}
	if cmd.App != "" {
		app, _ := s.engine.Apps().Lookup(cmd.App)
		q.App = cmd.App
		if app.Key != "" {
			q.App = app.Key
		}
	}
	if cmd.Since != "" {
		d, err := diagnosis.ParseWindow(cmd.Since)
		if err != nil {
			return q, &Failure{Key: "usage.since_bad", Args: []string{"input", cmd.Since}}
		}
		q.Until = s.engine.Now().UTC().Truncate(time.Second)
		q.Since = q.Until.Add(-d)
	}
	return q, nil
}

// check runs a diagnosis, stores it, links the thread it was asked in and
// writes the audit log.
func (s *Service) check(ctx context.Context, job Job, q diagnosis.Query) (Reply, error) {
	lang := job.lang
	started := time.Now()
	if !q.Since.IsZero() && job.cmd.Kind == KindRecheck {
		// A recheck looks at the same length of window, ending now.
		window := q.Until.Sub(q.Since)
		q.Until = s.engine.Now().UTC().Truncate(time.Second)
		q.Since = q.Until.Add(-window)
	}
	d, snap, err := s.engine.Run(ctx, s.source, q, lang)
	if err != nil {
		return s.failure(lang, err), nil
	}
	id := newID()
	rec := store.Record{ID: id, CreatedAt: s.engine.Now(), Surface: string(job.req.Surface), Requester: job.req.Requester.ID,
		Query: s.engine.Normalize(q), Lang: lang, Diagnosis: d, Snapshot: trim(snap)}
	if err := s.store.Save(ctx, rec, diagnosisTTL); err != nil {
		s.log.Warn("diagnosis not stored; follow-ups unavailable", slog.Any("err", err))
		id = ""
	} else if job.req.Conversation.Thread != "" {
		s.LinkThread(ctx, job.req.Surface, job.req.Conversation.Channel, job.req.Conversation.Thread, id)
	}
	target := q.User
	if d.User != nil {
		target = d.User.ID
	}
	if err := s.store.Append(ctx, store.AuditEntry{Time: s.engine.Now(), Surface: string(job.req.Surface), Requester: job.req.Requester.ID,
		Channel: job.req.Conversation.Channel, Target: target, Verdict: string(d.Verdict), DiagnosisID: id}); err != nil {
		s.log.Warn("audit entry not written", slog.Any("err", err))
	}
	s.log.Info("diagnosis finished", slog.String("surface", string(job.req.Surface)), slog.String("requester_id", job.req.Requester.ID),
		slog.String("verdict", string(d.Verdict)), slog.Int("findings", len(d.Findings)), slog.Duration("elapsed", time.Since(started)))
	s.log.Debug("diagnosis target", slog.String("user", q.User))
	if s.cfg.Observe != nil {
		s.cfg.Observe(job.req.Surface, d.Verdict, time.Since(started))
	}
	text := s.text.Render(d, lang, false)
	if job.cmd.Kind == KindRecheck {
		text = s.T(lang, "recheck.note") + "\n\n" + text
	}
	return Reply{Kind: ReplyDiagnosis, Lang: lang, Diagnosis: &d, DiagnosisID: id, Text: text}, nil
}

// trim keeps what follow-ups need and only the user's own sign-ins.
func trim(snap diagnosis.Snapshot) diagnosis.Snapshot {
	if snap.User == nil {
		snap.SignIns = nil
		return snap
	}
	own := snap.SignIns[:0:0]
	for _, si := range snap.SignIns {
		if strings.EqualFold(si.UserID, snap.User.ID) {
			own = append(own, si)
		}
	}
	slices.SortFunc(own, func(a, b diagnosis.SignIn) int { return b.CreatedDateTime.Compare(a.CreatedDateTime) })
	if len(own) > 200 {
		own = own[:200]
	}
	snap.SignIns = own
	return snap
}

// failure turns an error into a reply: a catalog text the requester can act
// on, or an incident id with the error logged under it.
func (s *Service) failure(lang string, err error) Reply {
	var f *Failure
	if errors.As(err, &f) {
		return s.reply(ReplyFailure, lang, f.Key, f.Args...)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return s.reply(ReplyFailure, lang, "failure.timeout")
	}
	if s.cfg.Classify != nil {
		if key := s.cfg.Classify(err); key != "" {
			return s.reply(ReplyFailure, lang, key)
		}
	}
	id := newID()[:8]
	s.log.Error("command failed", slog.String("incident", id), slog.Any("err", err))
	r := s.reply(ReplyFailure, lang, "failure.internal", "incident", id)
	r.Incident = id
	return r
}

func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func (s *Service) explain(lang, arg string) Reply {
	code, _ := strconv.Atoi(arg)
	kb := s.engine.KnowledgeBase()
	info, ok := kb.Lookup(code)
	if !ok {
		return s.reply(ReplyExplain, lang, "explain.unknown", "code", arg, "link", diagnosis.LookupURL(code))
	}
	t, _ := kb.Text(code, lang)
	v := &ExplainView{Code: code, Name: info.Name, Finding: info.Finding, Explanation: t.Explanation,
		Remediation: t.Remediation, Link: diagnosis.LookupURL(code)}
	var b strings.Builder
	b.WriteString(s.T(lang, "explain.head", "code", arg, "name", info.Name, "finding", string(info.Finding)))
	b.WriteString("\n" + t.Explanation)
	for i, step := range t.Remediation {
		fmt.Fprintf(&b, "\n%d. %s", i+1, step)
	}
	b.WriteString("\n" + v.Link)
	return Reply{Kind: ReplyExplain, Lang: lang, Explain: v, Text: b.String()}
}

func (s *Service) signIns(lang string, rec store.Record) Reply {
	list := rec.Snapshot.SignIns
	if len(list) > 20 {
		list = list[:20]
	}
	var b strings.Builder
	b.WriteString(s.T(lang, "signins.head", "user", rec.Query.User, "count", strconv.Itoa(len(rec.Snapshot.SignIns))))
	for _, si := range list {
		status := s.T(lang, "signins.success")
		if si.ErrorCode != 0 {
			status = s.T(lang, "signins.failure", "code", strconv.Itoa(si.ErrorCode))
		}
		kind := s.T(lang, "signins.interactive")
		if !si.Interactive {
			kind = s.T(lang, "signins.non_interactive")
		}
		b.WriteString("\n" + s.T(lang, "signins.line", "when", si.CreatedDateTime.UTC().Format("2006-01-02 15:04 UTC"),
			"app", si.AppDisplayName, "status", status, "kind", kind, "ip", si.IPAddress, "ca", si.ConditionalAccessStatus))
	}
	if len(list) == 0 {
		b.WriteString("\n" + s.T(lang, "signins.none"))
	}
	return Reply{Kind: ReplySignIns, Lang: lang, SignIns: list, Text: b.String()}
}

func (s *Service) policy(lang string, rec store.Record, arg string) Reply {
	snap := rec.Snapshot
	var found []diagnosis.Policy
	for _, p := range snap.Policies {
		if strings.EqualFold(p.ID, arg) || strings.EqualFold(p.DisplayName, arg) {
			found = []diagnosis.Policy{p}
			break
		}
		if strings.HasPrefix(strings.ToLower(p.DisplayName), strings.ToLower(arg)) {
			found = append(found, p)
		}
	}
	switch {
	case len(found) == 0:
		return s.reply(ReplyUsage, lang, "policy.not_found", "input", arg)
	case len(found) > 1:
		var names []string
		for _, p := range found {
			names = append(names, p.DisplayName)
		}
		return s.reply(ReplyUsage, lang, "policy.ambiguous", "input", arg, "names", strings.Join(names, "; "))
	}
	p := found[0]
	ev := diagnosis.NewEvaluator(s.engine.Apps(), snap.NamedLocations)
	r := diagnosis.NewRequest(snap)
	apps := s.engine.Apps().Onboarding()
	if rec.Query.App != "" {
		if a, ok := s.engine.Apps().Lookup(rec.Query.App); ok {
			apps = []diagnosis.App{a}
		}
	}
	best := diagnosis.Evaluation{Policy: p}
	for _, a := range apps {
		r.Apps = append([]string{a.AppID}, a.Related...)
		if e := ev.Evaluate(p, r); e.Match > best.Match || best.Conditions == nil {
			best = e
		}
	}
	v := &PolicyView{Policy: p, Match: best.Match, Link: "https://entra.microsoft.com/#view/Microsoft_AAD_ConditionalAccess/PolicyBlade/policyId/" + p.ID}
	for _, c := range best.Conditions {
		v.Conditions = append(v.Conditions, s.engine.ConditionText(c, lang))
	}
	var b strings.Builder
	b.WriteString(s.T(lang, "policy.head", "name", p.DisplayName, "state", s.T(lang, "state."+string(p.State)),
		"controls", strings.Join(p.Controls(), ", "), "id", p.ID))
	b.WriteString("\n" + s.T(lang, "match."+best.Match.String(), "user", rec.Query.User))
	for _, c := range v.Conditions {
		b.WriteString("\n- " + c)
	}
	b.WriteString("\n" + v.Link)
	return Reply{Kind: ReplyPolicy, Lang: lang, Policy: v, Text: b.String()}
}

// whatIf judges every policy against a hypothetical sign-in of the
// diagnosed user, with policies read fresh from the source.
func (s *Service) whatIf(ctx context.Context, lang string, rec store.Record, w WhatIf) Reply {
	snap := rec.Snapshot
	if fresh, err := s.source.Snapshot(ctx, diagnosis.Query{User: rec.Query.User, Since: s.engine.Now().Add(-time.Hour), Until: s.engine.Now()}); err == nil && fresh.User != nil && fresh.PoliciesRead {
		snap.Policies, snap.NamedLocations, snap.Groups, snap.Roles, snap.MembershipsRead =
			fresh.Policies, fresh.NamedLocations, fresh.Groups, fresh.Roles, fresh.MembershipsRead
	}
	if snap.User == nil {
		return s.reply(ReplyUsage, lang, "usage.no_thread")
	}
	appKey := w.App
	if appKey == "" {
		appKey = rec.Query.App
	}
	if appKey == "" {
		appKey = "azure-portal"
	}
	app, ok := s.engine.Apps().Lookup(appKey)
	if !ok {
		return s.reply(ReplyUsage, lang, "usage.app_unknown", "input", appKey)
	}
	r := diagnosis.NewRequest(snap)
	r.Apps = append([]string{app.AppID}, app.Related...)
	r.Platform, r.ClientAppType = w.Platform, w.Client
	if len(w.Location) == 2 {
		r.Country = strings.ToUpper(w.Location)
	} else {
		r.IP = w.Location
	}
	ev := diagnosis.NewEvaluator(s.engine.Apps(), snap.NamedLocations)
	var views []WhatIfView
	for _, p := range snap.Policies {
		e := ev.Evaluate(p, r)
		if e.Match == diagnosis.MatchNo {
			continue
		}
		v := WhatIfView{PolicyID: p.ID, DisplayName: p.DisplayName, State: p.State, Match: e.Match, Controls: p.Controls()}
		for _, c := range e.Conditions {
			if c.Match != diagnosis.MatchYes || c.Name == "users" || c.Name == "applications" {
				v.Why = append(v.Why, s.engine.ConditionText(c, lang))
			}
		}
		views = append(views, v)
	}
	slices.SortStableFunc(views, func(a, b WhatIfView) int { return int(b.Match) - int(a.Match) })
	var b strings.Builder
	b.WriteString(s.T(lang, "whatif.head", "user", snap.User.UserPrincipalName, "app", app.DisplayName))
	for _, v := range views {
		b.WriteString("\n- " + s.T(lang, "whatif.line", "name", v.DisplayName, "state", s.T(lang, "state."+string(v.State)),
			"match", s.T(lang, "whatif.match."+v.Match.String()), "controls", strings.Join(v.Controls, ", ")))
		for _, why := range v.Why {
			b.WriteString("\n    " + why)
		}
	}
	if len(views) == 0 {
		b.WriteString("\n" + s.T(lang, "whatif.none"))
	}
	return Reply{Kind: ReplyWhatIf, Lang: lang, WhatIf: views, Text: b.String()}
}

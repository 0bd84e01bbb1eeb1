package handlers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/onboard-check/onboard-check/diagnosis"
	"github.com/onboard-check/onboard-check/store"
)

// resolver turns a mention into a UPN or object id (Deliverer.Resolve
// bound to the job's route).
type resolver func(ctx context.Context, t Target) (string, error)

// Run does the slow part of a prepared Job and returns the reply to post.
// Errors the requester can act on come back as a ReplyFailure with a
// catalog text; the error return is only for a job that was never
// prepared. Run has no surface to resolve mentions with: it is for the
// command line and the sample tenant's HTTP check; chat jobs go through
// Enqueue, and resolve mentions through their surface's Deliverer.
func (s *Service) Run(ctx context.Context, job Job) (Reply, error) {
	return s.run(ctx, job, nil)
}

// maxLineWait is the longest a check waits in line for Graph's budget:
// at five sign-in reads per ten seconds, about 450 distinct accounts ahead.
const maxLineWait = 15 * time.Minute

func (s *Service) run(ctx context.Context, job Job, resolve resolver) (Reply, error) {
	if job.Empty() {
		return Reply{}, errors.New("run: empty job")
	}
	// A check waits in line for Graph's throttling budget as long as the
	// line is (the source bounds its own reads after that wait); a time
	// budget over the wait fails the checks at the back of a burst. The
	// line is still not endless: past maxLineWait a check gives up, so that
	// a stuck source cannot hold a worker for ever.
	budget := s.cfg.Budget
	if job.cmd.Kind == KindCheck || job.cmd.Kind == KindRecheck {
		budget += maxLineWait
	}
	ctx, cancel := context.WithTimeout(ctx, budget)
	defer cancel()
	lang := job.lang
	switch job.cmd.Kind {
	case KindCheck:
		q, err := s.query(ctx, job, resolve)
		if err != nil {
			return s.Failure(ctx, lang, err), nil
		}
		return s.check(ctx, job, q), nil
	case KindExplain:
		return s.explain(lang, job.cmd.Arg), nil
	}
	rec, err := s.store.Get(ctx, job.record)
	if err != nil {
		return s.reply(ReplyUsage, lang, "usage.no_thread"), nil
	}
	var r Reply
	switch job.cmd.Kind {
	case KindRecheck:
		return s.check(ctx, job, rec.Query), nil
	case KindDetails:
		r = s.details(lang, rec)
	case KindSignIns:
		r = s.signIns(lang, rec)
	case KindPolicy:
		r = s.policy(lang, rec, job.cmd.Arg)
	case KindWhatIf:
		r = s.whatIf(ctx, lang, rec, job.cmd.WhatIf)
	default:
		return Reply{}, fmt.Errorf("run: unknown command %q", job.cmd.Kind)
	}
	if r.Kind == ReplyUsage {
		return r, nil // nothing about the account was disclosed
	}
	e := store.AuditEntry{Target: rec.Query.User, DiagnosisID: rec.ID}
	if u := rec.Diagnosis.User; u != nil {
		e.Target, e.TargetID = u.UserPrincipalName, u.ID
	}
	return s.disclose(ctx, job, e, r), nil
}

// query turns a check into a diagnosis query, resolving mentions.
func (s *Service) query(ctx context.Context, job Job, resolve resolver) (diagnosis.Query, error) {
	cmd := job.cmd
	user := cmd.User.Value
	if cmd.User.Kind == TargetSlackMention || cmd.User.Kind == TargetTeamsMention {
		if resolve == nil {
			return diagnosis.Query{}, &Failure{Key: "failure.mention_unresolved"}
		}
		v, err := resolve(ctx, cmd.User)
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
	if !job.asked.IsZero() {
		// Checks asked together share one read of an account's sign-ins,
		// whichever waited longer for a worker.
		q.Until = job.asked.UTC().Truncate(time.Second)
	}
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
		if q.Until.IsZero() {
			q.Until = s.engine.Now().UTC().Truncate(time.Second)
		}
		q.Since = q.Until.Add(-d)
	}
	return q, nil
}

// check runs a diagnosis, stores it, links the thread it was asked in and
// audits the disclosure.
func (s *Service) check(ctx context.Context, job Job, q diagnosis.Query) Reply {
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
		return s.Failure(ctx, lang, err)
	}
	id := newID()
	rec := store.Record{ID: id, CreatedAt: s.engine.Now(), Surface: string(job.req.Surface), Requester: job.req.Requester.ID,
		Query: s.engine.Normalize(q), Lang: lang, Diagnosis: d, Snapshot: trim(snap)}
	if err := s.store.Save(ctx, rec, diagnosisTTL); err != nil {
		s.log.WarnContext(ctx, "diagnosis not stored; follow-ups unavailable", slog.Any("err", err))
		id = ""
	} else if job.req.Conversation.Thread != "" {
		s.LinkThread(ctx, job.req.Surface, job.req.Conversation.Channel, job.req.Conversation.Thread, id)
	}
	e := store.AuditEntry{Target: q.User, Verdict: string(d.Verdict), DiagnosisID: id}
	if d.User != nil {
		e.Target, e.TargetID = d.User.UserPrincipalName, d.User.ID
	}
	elapsed := time.Since(started)
	s.log.InfoContext(ctx, "diagnosis finished", slog.String("surface", string(job.req.Surface)), slog.String("requester_id", job.req.Requester.ID),
		slog.String("verdict", string(d.Verdict)), slog.Int("findings", len(d.Findings)), slog.Duration("elapsed", elapsed))
	s.log.DebugContext(ctx, "diagnosis target", slog.String("user", q.User))
	s.observer().CommandDone(job.req.Surface, d.Verdict, elapsed)
	text := s.text.Render(d, lang, false)
	if job.cmd.Kind == KindRecheck {
		text = s.T(lang, "recheck.note") + "\n\n" + text
	}
	r := Reply{Kind: ReplyDiagnosis, Lang: lang, Diagnosis: &d, DiagnosisID: id, Text: text}
	return s.disclose(ctx, job, e, r)
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

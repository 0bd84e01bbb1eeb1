package handlers

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"

	"github.com/onboard-check/onboard-check/diagnosis"
	"github.com/onboard-check/onboard-check/store"
)

// details is every finding of the stored diagnosis, uncut.
func (s *Service) details(lang string, rec store.Record) Reply {
	d := rec.Diagnosis
	return Reply{Kind: ReplyDetails, Lang: lang, Diagnosis: &d, DiagnosisID: rec.ID, Text: s.text.Render(d, lang, false)}
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
	found := diagnosis.FindPolicies(rec.Snapshot.Policies, arg)
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
	ex, ok := s.engine.ExplainPolicy(rec.Snapshot, rec.Query, found[0].ID, lang)
	if !ok {
		return s.reply(ReplyUsage, lang, "policy.not_found", "input", arg)
	}
	p := ex.Policy
	v := &PolicyView{Policy: p, Match: ex.Match, Conditions: ex.Conditions, Link: ex.Link}
	var b strings.Builder
	b.WriteString(s.T(lang, "policy.head", "name", p.DisplayName, "state", s.T(lang, "state."+string(p.State)),
		"controls", strings.Join(p.Controls(), ", "), "id", p.ID))
	b.WriteString("\n" + s.T(lang, "match."+ex.Match.String(), "user", rec.Query.User))
	for _, c := range v.Conditions {
		b.WriteString("\n- " + c)
	}
	b.WriteString("\n" + v.Link)
	return Reply{Kind: ReplyPolicy, Lang: lang, Policy: v, Text: b.String()}
}

// whatIf judges every policy against a hypothetical sign-in of the
// diagnosed user: the user and memberships of the stored diagnosis, with
// policies and named locations read fresh when the source can read them
// alone. It never reads sign-ins, whose throttle is the tightest.
func (s *Service) whatIf(ctx context.Context, lang string, rec store.Record, w WhatIf) Reply {
	snap := rec.Snapshot
	if ps, ok := s.source.(diagnosis.PolicySource); ok {
		fresh, err := ps.Policies(ctx)
		switch {
		case err != nil:
			s.log.WarnContext(ctx, "policies not re-read for whatif; using the diagnosis' own", slog.Any("err", err))
		case fresh.PoliciesRead:
			snap.Policies, snap.NamedLocations = fresh.Policies, fresh.NamedLocations
		}
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

package handlers_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/onboard-check/onboard-check/diagnosis"
	"github.com/onboard-check/onboard-check/diagnosis/demo"
	"github.com/onboard-check/onboard-check/handlers"
	"github.com/onboard-check/onboard-check/store"
)

var now = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

type fixture struct {
	svc   *handlers.Service
	store *store.Memory
}

func newFixture(t testing.TB, cfg handlers.Config, src diagnosis.Source) fixture {
	t.Helper()
	eng, err := diagnosis.NewEngine(func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	if src == nil {
		tenant, err := demo.Default(now)
		if err != nil {
			t.Fatal(err)
		}
		src = tenant
	}
	st := store.NewMemory(func() time.Time { return now })
	cfg.Access.Everyone = cfg.Access.Everyone || cfg.Access.Open()
	svc, err := handlers.NewService(cfg, eng, src, st, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	return fixture{svc: svc, store: st}
}

func slackReq(text, delivery, thread string) handlers.Request {
	return handlers.Request{Surface: handlers.SurfaceSlack, DeliveryID: delivery, Text: text,
		Requester:    handlers.Principal{ID: "U1"},
		Conversation: handlers.Conversation{Team: "T1", Channel: "C1", Thread: thread}}
}

// do runs Prepare and, when there is a job, Run.
func (f fixture) do(t *testing.T, req handlers.Request) (handlers.Reply, handlers.Reply) {
	t.Helper()
	job, ack, err := f.svc.Prepare(t.Context(), req)
	if err != nil {
		t.Fatalf("Prepare(%q): %v", req.Text, err)
	}
	if job.Empty() {
		return ack, handlers.Reply{}
	}
	r, err := f.svc.Run(t.Context(), job)
	if err != nil {
		t.Fatalf("Run(%q): %v", req.Text, err)
	}
	return ack, r
}

func TestCheckAndFollowUps(t *testing.T) {
	t.Parallel()
	f := newFixture(t, handlers.Config{}, nil)
	ack, r := f.do(t, slackReq("/onboard-check adele@contoso.com", "Ev1", ""))
	if ack.Kind != handlers.ReplyAck || !ack.Ephemeral || !strings.Contains(ack.Text, "adele@contoso.com") {
		t.Errorf("ack = %+v", ack)
	}
	if r.Kind != handlers.ReplyDiagnosis || r.Diagnosis == nil || r.Diagnosis.Verdict != diagnosis.VerdictBlocked || r.DiagnosisID == "" {
		t.Fatalf("reply = %+v", r)
	}
	if !strings.Contains(r.Text, "CA015") {
		t.Errorf("reply text does not name the blocking policy:\n%s", r.Text)
	}
	audit, err := f.store.Recent(t.Context(), 10)
	if err != nil || len(audit) != 1 || audit[0].Verdict != "blocked" || audit[0].Requester != "U1" {
		t.Errorf("audit = %+v, %v", audit, err)
	}

	// The surface posts the reply and links its thread.
	f.svc.LinkThread(t.Context(), handlers.SurfaceSlack, "C1", "1700000000.000100", r.DiagnosisID)
	for _, tt := range []struct {
		text string
		kind handlers.ReplyKind
		want string
	}{
		{"details", handlers.ReplyDetails, "CA015"},
		{"signins", handlers.ReplySignIns, "Azure Portal"},
		{"policy CA015", handlers.ReplyPolicy, "It may apply to adele@contoso.com, depending on the sign-in:\n- The user holds the included role Global Administrator."},
		{"policy CA0", handlers.ReplyUsage, "More than one policy"},
		{"explain 53003", handlers.ReplyExplain, "BlockedByConditionalAccess"},
		{"whatif app=azure-portal location=203.0.113.7", handlers.ReplyWhatIf, "CA001"},
		{"recheck", handlers.ReplyDiagnosis, "continuous access evaluation"},
	} {
		_, got := f.do(t, slackReq(tt.text, "Ev-"+tt.text, "1700000000.000100"))
		if got.Kind != tt.kind || !strings.Contains(got.Text, tt.want) {
			t.Errorf("%q: %s reply %q; want %s containing %q", tt.text, got.Kind, got.Text, tt.kind, tt.want)
		}
	}
	// From a trusted address the location block does not apply.
	_, w := f.do(t, slackReq("whatif location=203.0.113.7", "Ev-w2", "1700000000.000100"))
	for _, v := range w.WhatIf {
		if strings.HasPrefix(v.DisplayName, "CA015") {
			t.Errorf("whatif from the trusted HQ range lists CA015: %+v", v)
		}
	}
}

func TestFollowUpWithoutThread(t *testing.T) {
	t.Parallel()
	f := newFixture(t, handlers.Config{}, nil)
	ack, _ := f.do(t, slackReq("details", "Ev1", "1700000000.000999"))
	if ack.Kind != handlers.ReplyUsage || !strings.Contains(ack.Text, "no diagnosis in this thread") {
		t.Errorf("reply = %+v", ack)
	}
}

// TestFollowUpOfButton runs a follow-up on the diagnosis a button names,
// in a thread that was never linked, and refuses an id that was never stored.
func TestFollowUpOfButton(t *testing.T) {
	t.Parallel()
	f := newFixture(t, handlers.Config{}, nil)
	_, r := f.do(t, slackReq("adele@contoso.com", "Ev1", ""))
	req := slackReq("details", "Ev2", "1700000000.000999")
	req.Diagnosis = r.DiagnosisID
	if _, got := f.do(t, req); got.Kind != handlers.ReplyDetails || got.DiagnosisID != r.DiagnosisID {
		t.Errorf("details of the button's diagnosis = %+v", got)
	}
	req = slackReq("details", "Ev3", "")
	req.Diagnosis = "0000000000000000"
	if _, got := f.do(t, req); got.Kind != handlers.ReplyUsage {
		t.Errorf("details of an unknown diagnosis = %+v; want usage", got)
	}
}

func TestDuplicates(t *testing.T) {
	t.Parallel()
	f := newFixture(t, handlers.Config{}, nil)
	req := slackReq("adele@contoso.com", "Ev1", "")
	req.MessageKey = "C1:1700000000.000100"
	if ack, _ := f.do(t, req); ack.Kind != handlers.ReplyAck {
		t.Fatalf("first delivery: %+v", ack)
	}
	if ack, _ := f.do(t, req); ack.Kind != handlers.ReplyDuplicate {
		t.Errorf("redelivery = %s, want duplicate", ack.Kind)
	}
	other := req
	other.DeliveryID = "Ev2" // the same message as a second event type
	if ack, _ := f.do(t, other); ack.Kind != handlers.ReplyDuplicate {
		t.Errorf("same message, other event = %s, want duplicate", ack.Kind)
	}
}

func TestAccessAndRateLimit(t *testing.T) {
	t.Parallel()
	f := newFixture(t, handlers.Config{Access: handlers.Access{SlackChannels: []string{"C-helpdesk"}}, RateLimit: 2}, nil)
	if ack, _ := f.do(t, slackReq("adele@contoso.com", "Ev1", "")); ack.Kind != handlers.ReplyRefusal {
		t.Errorf("outside the allow-list: %s", ack.Kind)
	}
	if got, _ := f.store.Recent(t.Context(), 10); len(got) != 1 || got[0].Refusal != "not_allowed" || got[0].Verdict != "" ||
		got[0].Target != "adele@contoso.com" || got[0].Action != "check" || got[0].Requester != "U1" {
		t.Errorf("audit of a refused request = %+v, want one refusal entry", got)
	}
	req := slackReq("adele@contoso.com", "", "")
	req.Conversation.Channel = "C-helpdesk"
	for i, want := range []handlers.ReplyKind{handlers.ReplyAck, handlers.ReplyAck, handlers.ReplyRefusal} {
		job, ack, err := f.svc.Prepare(t.Context(), req)
		if err != nil || ack.Kind != want {
			t.Errorf("request %d: %s, %v; want %s", i, ack.Kind, err, want)
		}
		_ = job
	}
	teams := handlers.Access{TeamsTenant: "tenant-a"}
	if teams.Allowed(handlers.Request{Surface: handlers.SurfaceTeams, Requester: handlers.Principal{TenantID: "tenant-b"}}) {
		t.Error("a request from another tenant was allowed")
	}
}

func TestUsageAndHelp(t *testing.T) {
	t.Parallel()
	f := newFixture(t, handlers.Config{Lang: "nl"}, nil)
	ack, _ := f.do(t, slackReq("adele", "", ""))
	if ack.Kind != handlers.ReplyUsage || !strings.Contains(ack.Text, "is geen gebruiker") {
		t.Errorf("usage = %+v", ack)
	}
	req := slackReq("help", "", "")
	req.Lang = "en-GB"
	if ack, _ := f.do(t, req); ack.Kind != handlers.ReplyHelp || !strings.Contains(ack.Text, "Check an account") {
		t.Errorf("help = %+v", ack)
	}
	if ack, _ := f.do(t, slackReq("adele@contoso.com --app flightsim", "", "")); ack.Kind != handlers.ReplyUsage {
		t.Errorf("unknown app = %s", ack.Kind)
	}
}

type failingSource struct{ err error }

func (s failingSource) Snapshot(context.Context, diagnosis.Query) (diagnosis.Snapshot, error) {
	return diagnosis.Snapshot{}, s.err
}

func TestFailures(t *testing.T) {
	t.Parallel()
	secret := errors.New("dial tcp 10.0.0.1:443: token=abc123")
	f := newFixture(t, handlers.Config{}, failingSource{err: secret})
	_, r := f.do(t, slackReq("adele@contoso.com", "", ""))
	if r.Kind != handlers.ReplyFailure || r.Incident == "" || strings.Contains(r.Text, "abc123") || strings.Contains(r.Text, "dial") {
		t.Errorf("failure reply = %+v", r)
	}
	creds := errors.New("credentials")
	f = newFixture(t, handlers.Config{Classify: func(err error) string {
		if errors.Is(err, creds) {
			return "failure.credentials"
		}
		return ""
	}}, failingSource{err: creds})
	if _, r := f.do(t, slackReq("adele@contoso.com", "", "")); !strings.Contains(r.Text, "rejected this bot's credentials") {
		t.Errorf("classified failure = %q", r.Text)
	}
}

func TestMentionResolution(t *testing.T) {
	t.Parallel()
	f := newFixture(t, handlers.Config{}, nil)
	req := slackReq("<@U024BE7LH>", "", "")
	req.Resolve = func(_ context.Context, tg handlers.Target) (string, error) {
		if tg.Kind != handlers.TargetSlackMention || tg.Value != "U024BE7LH" {
			return "", errors.New("unexpected target")
		}
		return "adele@contoso.com", nil
	}
	if _, r := f.do(t, req); r.Diagnosis == nil || r.Diagnosis.User == nil || r.Diagnosis.User.UserPrincipalName != "adele@contoso.com" {
		t.Errorf("mention not resolved: %+v", r)
	}
	req.Resolve = nil
	if _, r := f.do(t, req); r.Kind != handlers.ReplyFailure {
		t.Errorf("unresolvable mention = %s", r.Kind)
	}
}

func TestRunnerDrains(t *testing.T) {
	t.Parallel()
	r := handlers.NewRunner(2)
	var mu sync.Mutex
	done := 0
	release := make(chan struct{})
	for range 3 {
		if err := r.Go(t.Context(), func(context.Context) {
			<-release
			mu.Lock()
			done++
			mu.Unlock()
		}); err != nil {
			t.Fatal(err)
		}
	}
	close(release)
	if err := r.Shutdown(t.Context()); err != nil {
		t.Fatal(err)
	}
	if done != 3 {
		t.Errorf("Shutdown returned with %d of 3 jobs done", done)
	}
	if err := r.Go(t.Context(), func(context.Context) {}); !errors.Is(err, handlers.ErrRunnerClosed) {
		t.Errorf("Go after Shutdown = %v", err)
	}
}

// TestMessagesComplete holds the conversation catalogs to the same keys
// and checks that every key the code uses exists.
func TestMessagesComplete(t *testing.T) {
	t.Parallel()
	m, err := handlers.Messages()
	if err != nil {
		t.Fatal(err)
	}
	en, nl := m.Keys("en"), m.Keys("nl")
	if strings.Join(en, ",") != strings.Join(nl, ",") {
		t.Errorf("en and nl keys differ:\nen %v\nnl %v", en, nl)
	}
	for _, k := range []string{"usage.too_long", "usage.encoding", "usage.policy_missing", "usage.policy_bad", "usage.explain_missing",
		"usage.explain_bad", "usage.no_arguments", "usage.flag_value", "usage.app_twice", "usage.app_bad", "usage.since_bad",
		"usage.flag_unknown", "usage.extra", "usage.whatif_bad", "usage.platform_bad", "usage.location_bad", "usage.client_bad",
		"usage.user_bad", "usage.app_unknown", "usage.no_thread", "failure.timeout", "failure.internal", "failure.credentials",
		"failure.unreachable", "failure.mention_unresolved", "failure.busy", "failure.restarting", "failure.restarted",
		"failure.audit_unavailable", "progress.ahead", "progress.ahead_one", "progress.next", "refusal.not_allowed",
		"refusal.rate_limited", "refusal.foreign_team", "refusal.foreign_tenant", "refusal.unauthenticated",
		"refusal.channel_not_allowed"} {
		if !m.Has("en", k) {
			t.Errorf("catalog lacks %q", k)
		}
	}
}

// policySource counts what whatif reads: it must re-read policies alone,
// never sign-ins.
type policySource struct {
	tenant   diagnosis.Source
	mu       sync.Mutex
	drop     string // a policy name prefix Policies leaves out, as if deleted since
	snaps    int
	policies int
}

func (s *policySource) Snapshot(ctx context.Context, q diagnosis.Query) (diagnosis.Snapshot, error) {
	s.mu.Lock()
	s.snaps++
	s.mu.Unlock()
	return s.tenant.Snapshot(ctx, q)
}

func (s *policySource) Policies(ctx context.Context) (diagnosis.Snapshot, error) {
	s.mu.Lock()
	s.policies++
	s.mu.Unlock()
	full, err := s.tenant.Snapshot(ctx, diagnosis.Query{User: "adele@contoso.com"})
	if err != nil {
		return diagnosis.Snapshot{}, err
	}
	out := diagnosis.Snapshot{NamedLocations: full.NamedLocations, PoliciesRead: true}
	for _, p := range full.Policies {
		if !strings.HasPrefix(p.DisplayName, s.drop) {
			out.Policies = append(out.Policies, p)
		}
	}
	return out, nil
}

func TestWhatIfReadsPoliciesOnly(t *testing.T) {
	t.Parallel()
	tenant, err := demo.Default(now)
	if err != nil {
		t.Fatal(err)
	}
	src := &policySource{tenant: tenant, drop: "CA015"}
	f := newFixture(t, handlers.Config{}, src)
	_, r := f.do(t, slackReq("adele@contoso.com", "", ""))
	f.svc.LinkThread(t.Context(), handlers.SurfaceSlack, "C1", "1700000000.000100", r.DiagnosisID)
	_, w := f.do(t, slackReq("whatif app=azure-portal location=203.0.113.7", "", "1700000000.000100"))
	if w.Kind != handlers.ReplyWhatIf || len(w.WhatIf) == 0 {
		t.Fatalf("whatif = %+v", w)
	}
	for _, v := range w.WhatIf {
		if strings.HasPrefix(v.DisplayName, "CA015") {
			t.Errorf("whatif judged CA015 from the stored diagnosis; want the policies read now, which lack it")
		}
	}
	if src.snaps != 1 || src.policies != 1 {
		t.Errorf("check + whatif made %d snapshot reads and %d policy reads; want 1 and 1", src.snaps, src.policies)
	}
}

// TestEveryDisclosureAudited: each answer about an account writes one
// entry naming the requester, the conversation, the action and the
// account; explain and usage answers disclose nothing and write none.
func TestEveryDisclosureAudited(t *testing.T) {
	t.Parallel()
	f := newFixture(t, handlers.Config{}, nil)
	const thread = "1700000000.000100"
	_, r := f.do(t, slackReq("adele@contoso.com", "", ""))
	f.svc.LinkThread(t.Context(), handlers.SurfaceSlack, "C1", thread, r.DiagnosisID)
	button := slackReq("details", "", "")
	button.Diagnosis = r.DiagnosisID
	steps := []struct {
		req     handlers.Request
		action  string
		verdict string
	}{
		{slackReq("recheck", "", thread), "recheck", "blocked"},
		{slackReq("details", "", thread), "details", ""},
		{slackReq("signins", "", thread), "signins", ""},
		{slackReq("policy CA015", "", thread), "policy", ""},
		{slackReq("whatif app=azure-portal", "", thread), "whatif", ""},
		{button, "button.details", ""},
		{slackReq("explain 53003", "", thread), "", ""},
		{slackReq("policy nosuchpolicy", "", thread), "", ""},
	}
	for _, st := range steps {
		before, _ := f.store.Recent(t.Context(), 100)
		_, got := f.do(t, st.req)
		after, err := f.store.Recent(t.Context(), 100)
		if err != nil {
			t.Fatal(err)
		}
		if st.action == "" {
			if len(after) != len(before) {
				t.Errorf("%q (%s) disclosed nothing but was audited: %+v", st.req.Text, got.Kind, after[0])
			}
			continue
		}
		if len(after) != len(before)+1 {
			t.Errorf("%q: %d audit entries written, want 1", st.req.Text, len(after)-len(before))
			continue
		}
		e := after[0]
		if e.Action != st.action || e.Requester != "U1" || e.Surface != "slack" || e.Target != "adele@contoso.com" || e.TargetID == "" ||
			e.Verdict != st.verdict || e.Refusal != "" || e.Time.IsZero() || !strings.HasPrefix(e.Conversation, "C1") {
			t.Errorf("%q: audit entry %+v; want action %s about adele by U1 in C1, verdict %q", st.req.Text, e, st.action, st.verdict)
		}
	}
}

// auditDown is a store whose audit log cannot be written, as when Redis
// goes away between reading a diagnosis and answering.
type auditDown struct{ store.Store }

func (auditDown) Append(context.Context, store.AuditEntry) error {
	return errors.New("dial tcp: connection refused")
}

// TestNoUnauditedDisclosure: when the entry cannot be written, nothing
// about the account is shown, and the requester is told why.
func TestNoUnauditedDisclosure(t *testing.T) {
	t.Parallel()
	f := newFixture(t, handlers.Config{}, nil)
	const thread = "1700000000.000100"
	_, r := f.do(t, slackReq("adele@contoso.com", "", ""))
	f.svc.LinkThread(t.Context(), handlers.SurfaceSlack, "C1", thread, r.DiagnosisID)

	eng, err := diagnosis.NewEngine(func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	tenant, err := demo.Default(now)
	if err != nil {
		t.Fatal(err)
	}
	down, err := handlers.NewService(handlers.Config{Access: handlers.Access{Everyone: true}}, eng, tenant, auditDown{f.store}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	down2 := fixture{svc: down, store: f.store}
	for _, text := range []string{"adele@contoso.com", "recheck", "details", "signins", "policy CA015", "whatif"} {
		for _, lang := range []string{"en", "nl"} {
			req := slackReq(text, "", thread)
			req.Lang = lang
			_, got := down2.do(t, req)
			if got.Kind != handlers.ReplyFailure || got.Diagnosis != nil || got.SignIns != nil || got.Policy != nil || got.WhatIf != nil ||
				strings.Contains(got.Text, "CA015") || strings.Contains(got.Text, "adele") || !strings.Contains(got.Text, map[string]string{"en": "audit log", "nl": "auditlogboek"}[lang]) {
				t.Errorf("%q (%s) with the audit log down = %+v; want the audit failure and nothing else", text, lang, got)
			}
		}
	}
	// The command line answers anyway: it is its operator's own terminal.
	req := slackReq("adele@contoso.com", "", "")
	req.Surface = handlers.SurfaceCLI
	if _, got := down2.do(t, req); got.Kind != handlers.ReplyDiagnosis {
		t.Errorf("CLI check with the audit log down = %s, want the diagnosis", got.Kind)
	}
}

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/onboard-check/onboard-check/adapters/slack/slacktest"
	"github.com/onboard-check/onboard-check/diagnosis/demo"
	"github.com/onboard-check/onboard-check/graph/graphtest"
)

// The burst test is onboarding day: 20 helpdesk agents send 40 slash
// commands at once, two for each of 20 accounts, to a serve reading a
// Graph that answers every request in 800 ms and throttles the sign-in
// reports as Microsoft does (5 reads per 10 s per app and tenant, 429 with
// Retry-After beyond). Every command is acknowledged within Slack's 3 s
// and answered exactly once with the right diagnosis; each account's
// sign-ins are read once, shared by its two checks; the bot waits for
// Graph's budget instead of being throttled; and a check that waits sees
// its acknowledgement updated with its place in line before the diagnosis
// takes its place.
//
// It runs in real time: 20 accounts at 5 sign-in reads per 10 s cannot be
// read in less than 30 s, so each variant takes about 35-45 s (the memory
// and Redis stores run side by side). It is skipped under -short.

const (
	burstSecret   = "burst-test-signing-secret"
	burstToken    = "xoxb-1-2-bursttest"
	burstAccounts = 20
	burstLatency  = 800 * time.Millisecond
	// burstDeadline bounds the wait for the 40 answers; the throttle alone
	// makes them take 30 s or more.
	burstDeadline = 150 * time.Second
)

// burstPeople are the users of Microsoft's sample tenant (the Microsoft
// 365 developer program's Contoso), one account each.
var burstPeople = []string{
	"Adele Vance", "Alex Wilber", "Allan Deyoung", "Christie Cline", "Debra Berger",
	"Diego Siciliani", "Emily Braun", "Enrico Cattaneo", "Grady Archie", "Henrietta Mueller",
	"Irvin Sayers", "Isaiah Langer", "Johanna Lorenz", "Joni Sherman", "Lee Gu",
	"Lidia Holloway", "Lynne Robbins", "Megan Bowen", "Miriam Graham", "Nestor Wilke",
}

// burstAccount is one account of the burst tenant and what its diagnosis
// must say: blocked by the one policy that names it.
type burstAccount struct {
	upn, id, name        string
	policyID, policyName string
}

// burstTenant is the untrusted-network scenario (p01) grown to 20
// accounts: each is blocked from the admin portals outside the HQ network
// by a policy of its own (a copy of CA015 that includes only that user),
// and has one failed sign-in whose appliedConditionalAccessPolicies list
// every policy of the tenant, as Graph's do: its own as failure, the
// others notApplied.
func burstTenant(t *testing.T) (*graphtest.Tenant, []burstAccount) {
	t.Helper()
	base := loadScenario(t, "p01-untrusted-network.json")
	if len(base.Users) == 0 || len(base.SignIns) != 1 {
		t.Fatalf("p01 changed: %d users, %d sign-ins; the burst tenant copies its first user and its one sign-in", len(base.Users), len(base.SignIns))
	}
	var block map[string]any
	var kept []map[string]any
	for _, p := range base.Policies {
		if strings.HasPrefix(fmt.Sprint(p["displayName"]), "CA015 ") {
			block = p
			continue
		}
		kept = append(kept, p)
	}
	if block == nil {
		t.Fatal("p01 changed: no CA015 policy to copy")
	}
	tmpl := base.SignIns[0]
	var applied []any
	for _, a := range tmpl["appliedConditionalAccessPolicies"].([]any) {
		if a.(map[string]any)["id"] != block["id"] {
			applied = append(applied, a)
		}
	}

	accounts := make([]burstAccount, burstAccounts)
	for i, name := range burstPeople[:burstAccounts] {
		accounts[i] = burstAccount{
			upn: strings.ToLower(strings.Fields(name)[0]) + "@contoso.com", name: name,
			id:         fmt.Sprintf("6b1e%04d-57a1-4c0e-9d2f-%012d", i, i),
			policyID:   fmt.Sprintf("c0a1%04d-2b7e-4f3d-8a61-%012d", i, i),
			policyName: fmt.Sprintf("CA1%02d Block admin portals outside HQ for %s", i+1, name),
		}
	}
	tenant := *base
	tenant.Users, tenant.SignIns, tenant.Policies = nil, nil, kept
	for i, a := range accounts {
		u := burstClone(t, base.Users[0])
		u["id"], u["userPrincipalName"], u["mail"], u["displayName"] = a.id, a.upn, a.upn, a.name
		tenant.Users = append(tenant.Users, u)

		p := burstClone(t, block)
		p["id"], p["displayName"] = a.policyID, a.policyName
		users := p["conditions"].(map[string]any)["users"].(map[string]any)
		users["includeUsers"], users["includeRoles"] = []any{a.id}, []any{}
		tenant.Policies = append(tenant.Policies, p)

		s := burstClone(t, tmpl)
		s["id"] = fmt.Sprintf("9d01%04d-606c-4de3-8063-%012d", i, i)
		s["correlationId"] = fmt.Sprintf("8d1f%04d-2692-4e85-af1c-%012d", i, i)
		s["createdDateTime"] = "-" + strconv.Itoa(10+i)
		s["userId"], s["userPrincipalName"], s["userDisplayName"] = a.id, a.upn, a.name
		list := slices.Clone(applied)
		for j, b := range accounts {
			result, grant := "notApplied", []any{}
			if j == i {
				result, grant = "failure", []any{"Block"}
			}
			list = append(list, map[string]any{"id": b.policyID, "displayName": b.policyName,
				"enforcedGrantControls": grant, "enforcedSessionControls": []any{}, "result": result})
		}
		s["appliedConditionalAccessPolicies"] = list
		tenant.SignIns = append(tenant.SignIns, s)
	}
	return &tenant, accounts
}

func burstClone(t *testing.T, m map[string]any) map[string]any {
	t.Helper()
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// burstCommand is one slash command of the burst and what came of it.
type burstCommand struct {
	n         int
	requester string // Slack user id
	channel   string // where it was typed: a helpdesk channel or a DM
	public    bool   // a helpdesk channel: the diagnosis is for everyone there
	hook      string // its response_url's id at the fake
	account   burstAccount
	sent      time.Time
	ackAfter  time.Duration
}

// burstCommands: requester r asks about account r, then about account
// r+1, so that every account is asked about twice, by two people. Even
// requesters type in their helpdesk channel (the diagnosis is posted
// there), odd ones in their DM with the bot (it replaces their
// acknowledgement).
func burstCommands(accounts []burstAccount) []*burstCommand {
	n := len(accounts)
	out := make([]*burstCommand, 2*n)
	for k := range out {
		r := k % n
		c := &burstCommand{n: k, requester: fmt.Sprintf("U0HD%05d", r), hook: fmt.Sprintf("cmd%02d", k),
			account: accounts[(r+k/n)%n], public: r%2 == 0}
		if c.public {
			c.channel = fmt.Sprintf("C0HD%05d", r)
		} else {
			c.channel = fmt.Sprintf("D0HD%05d", r)
		}
		out[k] = c
	}
	return out
}

// burstPost is one message the fake Slack received for a command.
type burstPost struct {
	kind   string // "progress", "diagnosis", "delete" or "other"
	via    string // "response_url" or "chat.postMessage"
	at     time.Time
	header string
	text   string // the message's text
	blocks string // its blocks, as JSON
	// replace and ephemeral are what a response_url post asked for.
	replace, ephemeral bool
	ahead, seconds     int // a progress note's place in line
}

func TestBurstOfChecksStaysInsideGraphsThrottle(t *testing.T) {
	if testing.Short() {
		t.Skip("runs for about 40 s in real time: Graph's sign-in throttle paces it")
	}
	t.Run("memory", func(t *testing.T) {
		t.Parallel()
		runBurst(t, "")
	})
	t.Run("redis", func(t *testing.T) {
		t.Parallel()
		_, redisURL := queueRedis(t)
		runBurst(t, redisURL)
	})
}

func runBurst(t *testing.T, redisURL string) {
	tenant, accounts := burstTenant(t)
	g := graphtest.NewServer(t, tenant, graphtest.WithToken("burst-graph-token"),
		graphtest.WithLatency(burstLatency), graphtest.WithSignInLimit(5, 10*time.Second))
	fake := slacktest.NewServer(t, burstToken)
	cmds := burstCommands(accounts)
	var requesters, helpdesks []string
	for _, c := range cmds[:len(accounts)] {
		requesters = append(requesters, c.requester)
		if c.public {
			helpdesks = append(helpdesks, c.channel)
		}
		fake.AddUser(slacktest.User{ID: c.requester, Name: "agent-" + c.requester, Email: strings.ToLower(c.requester) + "@contoso.com", Locale: "en-US"})
	}
	env := map[string]string{
		"ONBOARD_GRAPH_URL": g.URL(), "ONBOARD_GRAPH_TOKEN": "burst-graph-token",
		"SLACK_BOT_TOKEN": burstToken, "SLACK_SIGNING_SECRET": burstSecret, "SLACK_API_URL": fake.APIURL(),
		"ONBOARD_ALLOW_SLACK_USERS": strings.Join(requesters, ","),
		"ONBOARD_HELPDESK_CHANNELS": strings.Join(helpdesks, ","),
	}
	if redisURL != "" {
		env["ONBOARD_REDIS_URL"] = redisURL
	}
	srv := startServe(t, env, nil)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("serve's warnings and errors:\n%s", burstTrouble(srv.logs.String()))
		}
	})
	// The bot has been running a while: it knows its own workspace
	// (auth.test) before the burst comes in.
	for wait := time.Now().Add(10 * time.Second); !strings.Contains(srv.logs.String(), `"msg":"bot identified"`); {
		if time.Now().After(wait) {
			t.Fatal("serve did not learn its workspace with auth.test within 10 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	svc := srv.s.service
	progressRE := burstProgressPatterns(svc.T)

	// The burst: every command sent at the same moment, as signed requests.
	start := make(chan struct{})
	var wg sync.WaitGroup
	for _, c := range cmds {
		wg.Go(func() {
			form := url.Values{"command": {"/onboard-check"}, "text": {c.account.upn}, "user_id": {c.requester},
				"user_name": {"agent-" + c.requester}, "channel_id": {c.channel}, "team_id": {"T1"}, "team_domain": {"contoso"},
				"response_url": {fake.ResponseURL(c.hook)}, "trigger_id": {fmt.Sprintf("13345224609.738474920.%02d", c.n)},
				"api_app_id": {"A0BURST"}}.Encode()
			req, err := http.NewRequest(http.MethodPost, srv.public+"/slack/commands", strings.NewReader(form))
			if err != nil {
				t.Error(err)
				return
			}
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			<-start
			c.sent = time.Now()
			slacktest.Sign(req, burstSecret, c.sent)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Errorf("command %d: %v", c.n, err)
				return
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			c.ackAfter = time.Since(c.sent)
			var ack struct {
				ResponseType string `json:"response_type"`
				Text         string `json:"text"`
			}
			if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &ack) != nil {
				t.Errorf("command %d: HTTP %d %s", c.n, resp.StatusCode, body)
				return
			}
			if want := svc.T("en", "ack.checking", "user", c.account.upn); ack.Text != want || ack.ResponseType != "ephemeral" {
				t.Errorf("command %d of %s acknowledged with %q (%s), want the ephemeral %q", c.n, c.requester, ack.Text, ack.ResponseType, want)
			}
		})
	}
	close(start)
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	var slowestAck time.Duration
	for _, c := range cmds {
		slowestAck = max(slowestAck, c.ackAfter)
		if c.ackAfter > 3*time.Second {
			t.Errorf("command %d acknowledged after %v; Slack gives up after 3 s", c.n, c.ackAfter)
		}
	}

	// Then the answers, paced by Graph's throttle.
	deadline := time.Now().Add(burstDeadline)
	for burstAnswers(fake) < len(cmds) && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	if n := burstAnswers(fake); n < len(cmds) {
		t.Errorf("%d answers after %v, want %d", n, burstDeadline, len(cmds))
	}
	// A duplicate, or a progress note overwriting an answer, would come now.
	time.Sleep(2 * time.Second)

	posts := burstPosts(t, fake, cmds, progressRE)
	var slowest time.Duration
	var progressed, replacedPrivately, waitedLong, waitedLongTold int
	for _, c := range cmds {
		ps := posts[c]
		var diag []burstPost
		var notes int
		for i, p := range ps {
			switch p.kind {
			case "progress":
				notes++
				if len(diag) > 0 {
					t.Errorf("command %d: a progress note after its diagnosis: %q", c.n, p.text)
				}
				if !p.replace || !p.ephemeral || p.via != "response_url" {
					t.Errorf("command %d: progress note %q not put in place of the acknowledgement (replace_original %v, ephemeral %v, via %s)",
						c.n, p.text, p.replace, p.ephemeral, p.via)
				}
				if p.seconds <= 0 || p.ahead < 0 {
					t.Errorf("command %d: progress note %q: %d ahead, %d s", c.n, p.text, p.ahead, p.seconds)
				}
			case "diagnosis":
				diag = append(diag, p)
			case "delete":
				if !c.public || i != len(ps)-1 || len(diag) != 1 {
					t.Errorf("command %d: its acknowledgement deleted out of turn (post %d of %d)", c.n, i+1, len(ps))
				}
			default:
				t.Errorf("command %d: unexpected %s post %q", c.n, p.via, p.text)
			}
		}
		if len(diag) != 1 {
			t.Errorf("command %d (%s asks about %s) answered %d times, want once", c.n, c.requester, c.account.upn, len(diag))
			continue
		}
		d := diag[0]
		wait := d.at.Sub(c.sent)
		slowest = max(slowest, wait)
		if wait > 5*time.Second {
			waitedLong++
			if notes > 0 {
				waitedLongTold++
			}
		}
		if notes > 0 {
			progressed++
		}
		switch {
		case c.public && d.via != "chat.postMessage":
			t.Errorf("command %d in helpdesk channel %s answered through %s, want a post in the channel", c.n, c.channel, d.via)
		case !c.public && (d.via != "response_url" || !d.replace || !d.ephemeral):
			t.Errorf("command %d in DM %s answered through %s (replace_original %v, ephemeral %v); want it in place of the acknowledgement",
				c.n, c.channel, d.via, d.replace, d.ephemeral)
		case !c.public && notes > 0:
			replacedPrivately++
		}
		if c.public && notes > 0 && ps[len(ps)-1].kind != "delete" {
			t.Errorf("command %d: its progress note stayed after the diagnosis was posted in the channel", c.n)
		}
		burstCheckDiagnosis(t, srv, c, d, accounts)
	}

	for _, a := range accounts {
		if n := g.SignInReads(a.id); n != 1 {
			t.Errorf("%s's sign-ins read %d times; its two checks should share one read", a.upn, n)
		}
	}
	if n := g.Throttled(); n > 2 {
		t.Errorf("Graph answered %d sign-in reads with 429; the bot should wait for its budget instead", n)
	}
	if progressed == 0 || replacedPrivately == 0 {
		t.Errorf("%d checks saw a progress note, %d in a DM then replaced by the diagnosis; want at least one that waited (longest wait %v)",
			progressed, replacedPrivately, slowest)
	}
	m := srv.s.metrics
	if n := testutil.ToFloat64(m.jobs.WithLabelValues("answered")); n != float64(len(cmds)) {
		t.Errorf("onboard_jobs_total{result=\"answered\"} = %v, want %d", n, len(cmds))
	}
	if n := testutil.ToFloat64(m.graphFailures.WithLabelValues("throttled")); n != 0 {
		t.Errorf("onboard_graph_failures_total{kind=\"throttled\"} = %v, want 0: no check failed for Graph's throttle", n)
	}
	if n := testutil.ToFloat64(m.jobsQueued); n != 0 {
		t.Errorf("onboard_jobs_queued = %v after every job ran, want 0", n)
	}
	t.Logf("%d checks of %d accounts: slowest ack %v, slowest answer %v after its command; %d waited over 5 s, %d of them told their place in line; %d saw a progress note; Graph: %d round trips, %d throttled",
		len(cmds), len(accounts), slowestAck.Round(time.Millisecond), slowest.Round(time.Millisecond), waitedLong, waitedLongTold,
		progressed, g.RoundTrips(), g.Throttled())
}

// burstProgressPatterns turns the catalog's progress notes into patterns
// that capture the place in line and the estimate.
func burstProgressPatterns(tr func(lang, key string, args ...string) string) []*regexp.Regexp {
	var out []*regexp.Regexp
	for _, key := range []string{"progress.ahead", "progress.ahead_one", "progress.next"} {
		s := regexp.QuoteMeta(tr("en", key, "ahead", "\x01", "seconds", "\x02"))
		s = strings.ReplaceAll(s, "\x01", `(?P<ahead>\d+)`)
		s = strings.ReplaceAll(s, "\x02", `(?P<seconds>\d+)`)
		out = append(out, regexp.MustCompile("^"+s+"$"))
	}
	return out
}

// burstAnswers counts the diagnoses posted so far, by either way.
func burstAnswers(fake *slacktest.Server) int {
	n := len(fake.Calls("chat.postMessage"))
	for _, c := range fake.Calls("response_url") {
		if strings.Contains(string(c.Body), `"type":"header"`) {
			n++
		}
	}
	return n
}

// burstPosts sorts what the fake Slack received by command: response_url
// posts by their URL, channel posts by channel and the account in their
// header (each requester asks about two different accounts).
func burstPosts(t *testing.T, fake *slacktest.Server, cmds []*burstCommand, progressRE []*regexp.Regexp) map[*burstCommand][]burstPost {
	t.Helper()
	out := map[*burstCommand][]burstPost{}
	byHook := map[string]*burstCommand{}
	for _, c := range cmds {
		byHook["/response/"+c.hook] = c
	}
	for _, call := range fake.Calls("") {
		switch call.Method {
		case "response_url":
			c := byHook[call.Path]
			if c == nil {
				t.Errorf("a post to an unknown response_url %s", call.Path)
				continue
			}
			var m struct {
				Text            string          `json:"text"`
				Blocks          json.RawMessage `json:"blocks"`
				ResponseType    string          `json:"response_type"`
				ReplaceOriginal bool            `json:"replace_original"`
				DeleteOriginal  bool            `json:"delete_original"`
			}
			if err := json.Unmarshal(call.Body, &m); err != nil {
				t.Errorf("command %d: response_url body %s: %v", c.n, call.Body, err)
				continue
			}
			p := burstPost{via: "response_url", at: call.At, text: m.Text, blocks: string(m.Blocks),
				replace: m.ReplaceOriginal, ephemeral: m.ResponseType == "ephemeral", header: burstHeader(m.Blocks)}
			switch {
			case m.DeleteOriginal:
				p.kind = "delete"
			case p.header != "":
				p.kind = "diagnosis"
			default:
				p.kind = "other"
				for _, re := range progressRE {
					if sm := re.FindStringSubmatch(m.Text); sm != nil {
						p.kind = "progress"
						if i := re.SubexpIndex("ahead"); i > 0 {
							p.ahead, _ = strconv.Atoi(sm[i])
						}
						p.seconds, _ = strconv.Atoi(sm[re.SubexpIndex("seconds")])
					}
				}
			}
			out[c] = append(out[c], p)
		case "chat.postMessage":
			blocks := json.RawMessage(call.Form.Get("blocks"))
			p := burstPost{via: "chat.postMessage", at: call.At, kind: "diagnosis", blocks: string(blocks),
				text: call.Form.Get("text"), header: burstHeader(blocks)}
			var owner *burstCommand
			for _, c := range cmds {
				if c.channel == call.Form.Get("channel") && strings.HasSuffix(p.header, ": "+c.account.upn) {
					owner = c
				}
			}
			if owner == nil {
				t.Errorf("a post in %s no command asked for: %q", call.Form.Get("channel"), p.header)
				continue
			}
			out[owner] = append(out[owner], p)
		case "chat.update", "chat.postEphemeral":
			t.Errorf("unexpected %s in %s: %s", call.Method, call.Form.Get("channel"), call.Form.Get("text"))
		}
	}
	return out
}

// burstHeader is the text of a message's header block, "" without one.
func burstHeader(blocks json.RawMessage) string {
	var bs []struct {
		Type string `json:"type"`
		Text struct {
			Text string `json:"text"`
		} `json:"text"`
	}
	if json.Unmarshal(blocks, &bs) != nil {
		return ""
	}
	for _, b := range bs {
		if b.Type == "header" {
			return b.Text.Text
		}
	}
	return ""
}

// burstCheckDiagnosis holds an answer to its command: the verdict and the
// account in its header, the account's own blocking policy and no other
// one, and behind its Recheck button the stored diagnosis, made for this
// requester, of this account, blocked by that policy.
func burstCheckDiagnosis(t *testing.T, srv started, c *burstCommand, d burstPost, accounts []burstAccount) {
	t.Helper()
	svc := srv.s.service
	if want := svc.T("en", "verdict.blocked") + ": " + c.account.upn; !strings.HasSuffix(d.header, want) {
		t.Errorf("command %d about %s answered with header %q, want %q", c.n, c.account.upn, d.header, want)
	}
	if !strings.Contains(d.blocks, c.account.policyName) {
		t.Errorf("command %d about %s: the answer does not name %s:\n%s", c.n, c.account.upn, c.account.policyName, d.blocks)
	}
	var others []string
	for _, a := range accounts {
		if a != c.account {
			others = append(others, a.policyID)
			if strings.Contains(d.blocks, a.policyName) {
				t.Errorf("command %d about %s: the answer names %s, another account's policy", c.n, c.account.upn, a.policyName)
			}
		}
	}
	var bs []struct {
		Elements []struct {
			ActionID string `json:"action_id"`
			Value    string `json:"value"`
		} `json:"elements"`
	}
	_ = json.Unmarshal([]byte(d.blocks), &bs)
	var id string
	for _, b := range bs {
		for _, e := range b.Elements {
			if e.ActionID == "recheck" {
				id = e.Value
			}
		}
	}
	if id == "" {
		t.Errorf("command %d: no Recheck button in the answer", c.n)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	rec, err := srv.s.store.Get(ctx, id)
	if err != nil {
		t.Errorf("command %d: diagnosis %s behind the Recheck button: %v", c.n, id, err)
		return
	}
	if rec.Requester != c.requester || rec.Surface != "slack" {
		t.Errorf("command %d of %s: the diagnosis was made for %s on %s", c.n, c.requester, rec.Requester, rec.Surface)
	}
	x := demo.Expect{User: c.account.upn, Verdict: "blocked", Findings: []string{"ca_block"},
		Policies: []string{c.account.policyID}, AbsentPolicies: others}
	if rec.Diagnosis.User == nil || !strings.EqualFold(rec.Diagnosis.User.UserPrincipalName, c.account.upn) {
		t.Errorf("command %d about %s: the diagnosis is of %+v", c.n, c.account.upn, rec.Diagnosis.User)
	}
	for _, p := range x.Problems(rec.Diagnosis) {
		t.Errorf("command %d about %s: %s", c.n, c.account.upn, p)
	}
}

// burstTrouble keeps the log lines above info, for a failed run.
func burstTrouble(logs string) string {
	var out []string
	for _, l := range strings.Split(logs, "\n") {
		if strings.Contains(l, `"level":"WARN"`) || strings.Contains(l, `"level":"ERROR"`) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

package teams_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/onboard-check/onboard-check/adapters/teams/teamstest"
	"github.com/onboard-check/onboard-check/handlers"
)

// TestForgedTokensRunNothing sends a channel mention with every kind of
// forged or misdirected token: each gets 401, and nothing runs: no token
// fetched, no reply, no directory read, no store write.
func TestForgedTokensRunNothing(t *testing.T) {
	t.Parallel()
	e := setup(t, options{})
	now := time.Now()
	act := mentionActivity(e, "1700000000001", channelThread, "onboard-check adele@contoso.com")
	for _, f := range e.bf.Forgeries(appID, now) {
		if code := teamstest.Post(t, e.h, f.Authorization, act); code != http.StatusUnauthorized {
			t.Errorf("%s: status %d, want 401", f.Name, code)
		}
	}
	// A valid token, but for another activity: the key is not endorsed
	// for the channel, or the activity claims another serviceUrl.
	unendorsed := mentionActivity(e, "1700000000001", channelThread, "onboard-check adele@contoso.com")
	unendorsed["channelId"] = "kik"
	moved := mentionActivity(e, "1700000000001", channelThread, "onboard-check adele@contoso.com")
	moved["serviceUrl"] = "https://smba.evil.example/emea/"
	for name, a := range map[string]map[string]any{"unendorsed channel": unendorsed, "activity from another serviceUrl": moved} {
		if code := e.post(t, a); code != http.StatusUnauthorized {
			t.Errorf("%s: status %d, want 401", name, code)
		}
	}
	e.drain(t)
	if r := e.bf.Replies(); len(r) != 0 {
		t.Errorf("forged tokens got replies: %v", r)
	}
	if n := e.bf.TokenRequests(); n != 0 {
		t.Errorf("forged tokens made the bot ask for %d tokens", n)
	}
	if n := e.bf.MemberLookups(); n != 0 {
		t.Errorf("forged tokens made the bot read the roster %d times", n)
	}
	if n := e.src.calls.Load(); n != 0 {
		t.Errorf("forged tokens read the tenant %d times", n)
	}
	if n := e.store.writes.Load(); n != 0 {
		t.Errorf("forged tokens wrote to the store %d times", n)
	}
	if got, _ := e.store.Recent(t.Context(), 5); len(got) != 0 {
		t.Errorf("forged tokens were audited: %v", got)
	}
	logs := e.logs.String()
	if !strings.Contains(logs, `"issuer":"https://sts.windows.net/`) {
		t.Errorf("the log does not name the issuer of the refused Entra token:\n%s", logs)
	}
	for _, f := range e.bf.Forgeries(appID, now) {
		if _, tok, _ := strings.Cut(f.Authorization, " "); len(tok) > 20 && strings.Contains(logs, tok[len(tok)-20:]) {
			t.Errorf("the log holds the %s token", f.Name)
		}
	}
}

// TestRefusalClaimsNothing: a refused delivery is answered once its token
// is valid, so the refusals claimed no dedup key.
func TestRefusalClaimsNothing(t *testing.T) {
	t.Parallel()
	e := setup(t, options{})
	act := mentionActivity(e, "1700000000001", channelThread, "onboard-check adele@contoso.com")
	teamstest.Post(t, e.h, e.bf.Forgeries(appID, time.Now())[1].Authorization, act)
	if code := e.post(t, act); code != http.StatusOK {
		t.Fatalf("valid token: status %d", code)
	}
	if got := e.bf.WaitAnswers(waitCtx(t), 1); len(got) != 1 || !contains(got[0], "CA015") {
		t.Errorf("the delivery refused before was not answered: %v", got)
	}
}

// TestChannelMentionAnsweredInThread: a mention in a channel thread is
// answered in that thread with the card naming the blocking policy, under
// a token from the token endpoint; the card's buttons and a typed
// follow-up run in the same thread; one token serves every reply.
func TestChannelMentionAnsweredInThread(t *testing.T) {
	t.Parallel()
	e := setup(t, options{})
	if code := e.post(t, mentionActivity(e, "1700000000001", channelThread, "onboard-check adele@contoso.com")); code != http.StatusOK {
		t.Fatalf("status %d, want 200", code)
	}
	replies := e.bf.WaitAnswers(waitCtx(t), 1)
	if len(replies) != 1 {
		t.Fatalf("replies = %v", replies)
	}
	r := replies[0]
	const wantPath = "/v3/conversations/19:helpdesk@thread.tacv2%3Bmessageid=1700000000001/activities/1700000000001"
	if r.Path != wantPath {
		t.Errorf("path = %s, want %s", r.Path, wantPath)
	}
	if issued := e.bf.Issued(); len(issued) != 1 || r.Authorization != "Bearer "+issued[0] {
		t.Errorf("Authorization = %q; the token endpoint issued %v", r.Authorization, issued)
	}
	if r.Body["type"] != "message" || r.Body["replyToId"] != "1700000000001" {
		t.Errorf("type %v, replyToId %v; want a message replying to 1700000000001", r.Body["type"], r.Body["replyToId"])
	}
	if conv, _ := r.Body["conversation"].(map[string]any); conv["id"] != channelThread {
		t.Errorf("conversation = %v, want %s", r.Body["conversation"], channelThread)
	}
	if text, _ := r.Body["text"].(string); !strings.Contains(text, "CA015") {
		t.Errorf("text fallback %q does not name the policy", text)
	}
	c := content(t, r)
	if c["version"] != "1.5" || c["type"] != "AdaptiveCard" {
		t.Errorf("card type %v version %v, want AdaptiveCard 1.5", c["type"], c["version"])
	}
	if b, _ := json.Marshal(c); !bytes.Contains(b, []byte("CA015 Block admin portals outside HQ network")) || bytes.Contains(b, []byte("Action.Execute")) {
		t.Errorf("card does not name CA015, or uses Action.Execute: %s", b)
	}

	// The Details button, delivered twice; the Recheck button; a typed
	// follow-up in the thread.
	details := e.bf.Activity("1700000000099", channelThread, "", map[string]any{"value": buttonData(t, r, "details"), "replyToId": "reply-1"})
	e.post(t, details)
	e.post(t, details)
	e.post(t, e.bf.Activity("1700000000100", channelThread, "", map[string]any{"value": buttonData(t, r, "recheck")}))
	e.post(t, mentionActivity(e, "1700000000101", channelThread, "policy CA015"))
	e.drain(t)
	replies = e.bf.Answers()
	if len(replies) != 4 {
		t.Fatalf("%d replies, want the diagnosis, details once, recheck and policy: %v", len(replies), replies)
	}
	byActivity := map[string]teamstest.Reply{}
	for _, r := range replies {
		if r.Conversation != channelThread {
			t.Errorf("reply outside the thread: %s", r.Path)
		}
		byActivity[r.ReplyTo] = r
	}
	for id, want := range map[string]string{"1700000000099": "53003", "1700000000100": "CA015", "1700000000101": "Block admin portals outside HQ network"} {
		if r, ok := byActivity[id]; !ok || !contains(r, want) {
			t.Errorf("the reply to %s does not mention %s: %v", id, want, r)
		}
	}
	if n := e.bf.TokenRequests(); n != 1 {
		t.Errorf("%d token requests for four replies; want one, cached", n)
	}
	if n := e.src.calls.Load(); n != 2 {
		t.Errorf("%d directory reads; want the check and the recheck", n)
	}
}

// TestAnsweredBeforeDiagnosis: the HTTP request is answered while the
// directory is still being read; the reply follows.
func TestAnsweredBeforeDiagnosis(t *testing.T) {
	t.Parallel()
	gate := make(chan struct{})
	e := setup(t, options{gate: gate})
	if code := e.post(t, mentionActivity(e, "1700000000001", channelThread, "onboard-check adele@contoso.com")); code != http.StatusOK {
		t.Fatalf("status %d, want 200 before the diagnosis", code)
	}
	if n := len(e.bf.Answers()); n != 0 {
		t.Fatalf("%d replies before the directory answered", n)
	}
	close(gate)
	if got := e.bf.WaitAnswers(waitCtx(t), 1); len(got) != 1 || !contains(got[0], "CA015") {
		t.Errorf("replies = %v", got)
	}
}

// TestPersonalChat: in a one-to-one chat the bot needs no mention, the
// chat is the thread, and a card's button acts on that card's diagnosis
// even after another account was checked.
func TestPersonalChat(t *testing.T) {
	t.Parallel()
	e := setup(t, options{})
	e.post(t, e.bf.PersonalActivity("p1", "onboard-check adele@contoso.com", nil))
	adele := e.bf.WaitAnswers(waitCtx(t), 1)
	e.post(t, e.bf.PersonalActivity("p2", "megan@contoso.com", nil))
	e.bf.WaitAnswers(waitCtx(t), 2)
	e.post(t, e.bf.PersonalActivity("p3", "", map[string]any{"value": buttonData(t, adele[0], "details")}))
	e.post(t, e.bf.PersonalActivity("p4", "signins", nil))
	e.drain(t)
	got := map[string]teamstest.Reply{}
	for _, r := range e.bf.Answers() {
		got[r.ReplyTo] = r
	}
	if len(got) != 4 {
		t.Fatalf("%d replies, want 4: %v", len(got), got)
	}
	if p := got["p1"].Path; p != "/v3/conversations/a:1personal-chat-with-jan/activities/p1" {
		t.Errorf("path = %s", p)
	}
	if r := got["p3"]; !contains(r, "adele@contoso.com") || contains(r, "megan@contoso.com") {
		t.Errorf("Details of adele's card showed another diagnosis: %v", r)
	}
	if r := got["p4"]; !contains(r, "megan@contoso.com") {
		t.Errorf("signins typed after megan's check: %v", r)
	}
}

// TestGroupChat: a mention in a group chat is answered in that chat.
func TestGroupChat(t *testing.T) {
	t.Parallel()
	e := setup(t, options{})
	e.post(t, e.bf.GroupActivity("g1", "<at>onboard-check</at> explain 53003", map[string]any{"entities": []any{teamstest.BotMention()}}))
	got := e.bf.WaitAnswers(waitCtx(t), 1)
	if len(got) != 1 || got[0].Path != "/v3/conversations/19:group-chat@thread.v2/activities/g1" || !contains(got[0], "53003") {
		t.Errorf("replies = %v", got)
	}
}

// TestPersonMention: a mentioned person is checked by the aadObjectId of
// the mention, and the reply is in the activity's locale.
func TestPersonMention(t *testing.T) {
	t.Parallel()
	e := setup(t, options{})
	act := e.bf.Activity("m1", channelThread, "<at>onboard-check</at> onboard-check <at>Megan Bowen</at>",
		map[string]any{"entities": []any{teamstest.BotMention(), teamstest.Mention("29:megan", "Megan Bowen", meganID)}, "locale": "nl-NL"})
	e.post(t, act)
	got := e.bf.WaitAnswers(waitCtx(t), 1)
	if len(got) != 1 || !contains(got[0], "megan@contoso.com") || !contains(got[0], "Risico") || got[0].Body["locale"] != "nl" {
		t.Errorf("Dutch reply about Megan = %v", got)
	}
	if n := e.bf.MemberLookups(); n != 0 {
		t.Errorf("%d roster lookups for a mention that carries its aadObjectId", n)
	}
}

// TestPersonMentionThroughRoster: a mention without aadObjectId is
// resolved through the team's roster.
func TestPersonMentionThroughRoster(t *testing.T) {
	t.Parallel()
	e := setup(t, options{})
	e.bf.AddMember("29:megan", meganID, "megan@contoso.com")
	e.post(t, e.bf.Activity("m2", channelThread, "<at>onboard-check</at> onboard-check <at>Megan Bowen</at>",
		map[string]any{"entities": []any{teamstest.BotMention(), teamstest.Mention("29:megan", "Megan Bowen", "")}}))
	got := e.bf.WaitAnswers(waitCtx(t), 1)
	if len(got) != 1 || !contains(got[0], "megan@contoso.com") {
		t.Errorf("mention without aadObjectId: %v", got)
	}
	if n := e.bf.MemberLookups(); n != 1 {
		t.Errorf("%d roster lookups, want 1", n)
	}
}

// TestAccessRefusal: a requester outside the allow-lists is refused by
// the service, in the thread.
func TestAccessRefusal(t *testing.T) {
	t.Parallel()
	e := setup(t, options{access: handlers.Access{TeamsUsers: []string{"00000000-0000-0000-0000-00000000abcd"}}})
	e.post(t, mentionActivity(e, "a1", channelThread, "onboard-check adele@contoso.com"))
	e.drain(t)
	if got := e.bf.Answers(); len(got) != 1 || !contains(got[0], "not on the list") {
		t.Errorf("refusal = %v", got)
	}
	if n := e.src.calls.Load(); n != 0 {
		t.Errorf("a refused requester read the directory %d times", n)
	}
}

// TestRedelivery: the same activity delivered twice is answered once.
func TestRedelivery(t *testing.T) {
	t.Parallel()
	e := setup(t, options{})
	act := mentionActivity(e, "1700000000001", channelThread, "onboard-check adele@contoso.com")
	e.post(t, act)
	e.post(t, act)
	e.drain(t)
	if got := e.bf.Answers(); len(got) != 1 {
		t.Errorf("%d replies to one activity delivered twice", len(got))
	}
	if n := e.src.calls.Load(); n != 1 {
		t.Errorf("%d directory reads", n)
	}
}

// TestUsageAndOtherActivities: a message the grammar does not know gets
// usage; typing and reactions get nothing; a malformed activity with a
// valid token is a 400.
func TestUsageAndOtherActivities(t *testing.T) {
	t.Parallel()
	e := setup(t, options{})
	e.post(t, mentionActivity(e, "u1", channelThread, "onboard-check not-a-user"))
	for _, typ := range []string{"typing", "messageReaction", "installationUpdate"} {
		if code := e.post(t, e.bf.Activity("x-"+typ, channelThread, "", map[string]any{"type": typ})); code != http.StatusOK {
			t.Errorf("%s: status %d", typ, code)
		}
	}
	bad := e.bf.Activity("x", channelThread, "", nil)
	delete(bad, "conversation")
	if code := e.post(t, bad); code != http.StatusBadRequest {
		t.Errorf("activity without conversation: status %d, want 400", code)
	}
	e.drain(t)
	got := e.bf.Answers()
	if len(got) != 1 || !contains(got[0], "not-a-user") {
		t.Errorf("replies = %v", got)
	}
}

// TestTolerantDecoding: a value that is not an object and fields of
// unexpected types do not fail the activity.
func TestTolerantDecoding(t *testing.T) {
	t.Parallel()
	e := setup(t, options{})
	act := mentionActivity(e, "v1", channelThread, "explain 53003")
	act["value"] = "a string value"
	act["localTimezone"] = 60
	act["channelData"] = map[string]any{"tenant": map[string]any{"id": teamstest.TenantID}, "team": "not an object", "eventType": 3}
	if code := e.post(t, act); code != http.StatusOK {
		t.Fatalf("status %d", code)
	}
	if got := e.bf.WaitAnswers(waitCtx(t), 1); len(got) != 1 || !contains(got[0], "53003") {
		t.Errorf("replies = %v", got)
	}
}

// TestWelcomeWhenAdded: added to a team, the bot posts how to use it as a
// new message in the channel.
func TestWelcomeWhenAdded(t *testing.T) {
	t.Parallel()
	e := setup(t, options{})
	act := e.bf.Activity("u1", teamstest.ChannelID, "", map[string]any{"type": "conversationUpdate",
		"membersAdded": []any{map[string]any{"id": teamstest.BotID}}})
	if code := e.post(t, act); code != http.StatusOK {
		t.Fatalf("status %d", code)
	}
	e.post(t, act)
	e.drain(t)
	got := e.bf.Answers()
	if len(got) != 1 || !contains(got[0], "Check an account") || got[0].Path != "/v3/conversations/19:helpdesk@thread.tacv2/activities" {
		t.Errorf("welcome = %v", got)
	}
}

// TestBodyLimit: an oversized body is refused before its token is read.
func TestBodyLimit(t *testing.T) {
	t.Parallel()
	e := setup(t, options{})
	req := httptest.NewRequest(http.MethodPost, "/api/messages", strings.NewReader(`{"text":"`+strings.Repeat("x", 600<<10)+`"}`))
	req.Header.Set("Authorization", "Bearer "+e.valid())
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	if rec.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("status %d, want 413", rec.Code)
	}
	if n := e.bf.JWKSFetches(); n != 0 {
		t.Errorf("the keys were fetched %d times for an oversized body", n)
	}
}

package teams_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/onboard-check/onboard-check/adapters/teams/teamstest"
	"github.com/onboard-check/onboard-check/diagnosis"
	"github.com/onboard-check/onboard-check/handlers"
)

// TestAcknowledgedThenReplaced: a check is acknowledged in the thread at
// once, and the acknowledgement is replaced in place by the diagnosis
// (PUT …/activities/{ackId}): one message in the thread, showing the card.
func TestAcknowledgedThenReplaced(t *testing.T) {
	t.Parallel()
	gate := make(chan struct{})
	e := setup(t, options{gate: gate})
	if code := e.post(t, mentionActivity(e, "1700000000001", channelThread, "onboard-check adele@contoso.com")); code != http.StatusOK {
		t.Fatalf("status %d", code)
	}
	acks := e.bf.Messages()
	if len(acks) != 1 || acks[0].ReplyTo != "1700000000001" || !contains(acks[0], "Checking adele@contoso.com") {
		t.Fatalf("before the diagnosis: %v; want the acknowledgement in the thread", acks)
	}
	close(gate)
	e.drain(t)
	shown := e.bf.Shown()
	if len(shown) != 1 || !contains(shown[0], "CA015") || contains(shown[0], "Checking") {
		t.Fatalf("shown = %v; want the acknowledgement replaced by the diagnosis", shown)
	}
	ups := e.bf.Updates()
	const wantPath = "/v3/conversations/19:helpdesk@thread.tacv2%3Bmessageid=1700000000001/activities/reply-1"
	if len(ups) != 1 || ups[0].Path != wantPath || ups[0].Body["id"] != "reply-1" {
		t.Errorf("updates = %v; want one PUT to %s", ups, wantPath)
	}
}

// TestProgressUpdatesAcknowledgement: when the check waits for Graph's
// budget, the acknowledgement shows its place in line, then the diagnosis
// replaces it.
func TestProgressUpdatesAcknowledgement(t *testing.T) {
	t.Parallel()
	gate := make(chan struct{}) // Graph's budget, held until the update is seen
	e := setup(t, options{gate: gate, progress: &diagnosis.Progress{Ahead: 12, Wait: 25 * time.Second}})
	e.post(t, mentionActivity(e, "1700000000001", channelThread, "onboard-check adele@contoso.com"))
	if got := e.bf.Wait(waitCtx(t), 2); len(got) != 2 {
		t.Fatalf("activities = %v; want the acknowledgement and its update", got)
	}
	close(gate)
	e.drain(t)
	ups := e.bf.Updates()
	if len(ups) != 2 {
		t.Fatalf("updates = %v; want the place in line, then the diagnosis", ups)
	}
	if text, _ := ups[0].Body["text"].(string); !strings.Contains(text, "12 checks ahead of yours, about 25 s") || ups[0].ReplyTo != "reply-1" {
		t.Errorf("progress update = %v", ups[0])
	}
	if atts, _ := ups[0].Body["attachments"].([]any); len(atts) != 0 {
		t.Errorf("the progress update carries a card: %v", ups[0])
	}
	if shown := e.bf.Shown(); len(shown) != 1 || !contains(shown[0], "CA015") {
		t.Errorf("shown = %v; want the diagnosis in place of the acknowledgement", shown)
	}
}

// TestAcknowledgementLost: when the acknowledgement could not be posted,
// the diagnosis comes as a new reply in the thread.
func TestAcknowledgementLost(t *testing.T) {
	t.Parallel()
	e := setup(t, options{})
	e.bf.Fail(1, http.StatusForbidden)
	e.post(t, mentionActivity(e, "1700000000001", channelThread, "onboard-check adele@contoso.com"))
	e.drain(t)
	got := e.bf.Answers()
	if len(got) != 1 || got[0].ReplyTo != "1700000000001" || !contains(got[0], "CA015") || len(e.bf.Updates()) != 0 {
		t.Errorf("answers = %v, updates %v; want the diagnosis posted as a reply", got, e.bf.Updates())
	}
}

// TestFollowUpWithoutAcknowledgement: a follow-up answered from the
// knowledge base or the stored diagnosis is one reply, with no
// acknowledgement first.
func TestFollowUpWithoutAcknowledgement(t *testing.T) {
	t.Parallel()
	e := setup(t, options{})
	e.post(t, mentionActivity(e, "x1", channelThread, "explain 53003"))
	e.drain(t)
	if got := e.bf.Messages(); len(got) != 1 || !contains(got[0], "53003") || len(e.bf.Updates()) != 0 {
		t.Errorf("messages = %v; want the answer as the only reply, without acknowledgement", got)
	}
}

// TestDeliverOnAnotherReplica: the route is all a replica needs: one
// process acknowledges the check, another, sharing nothing with it but
// the route's JSON, replaces the acknowledgement with the reply.
func TestDeliverOnAnotherReplica(t *testing.T) {
	t.Parallel()
	gate := make(chan struct{})
	a := setup(t, options{gate: gate})
	b := setup(t, options{bf: a.bf})
	a.post(t, mentionActivity(a, "1700000000001", channelThread, "onboard-check adele@contoso.com"))
	route := `{"serviceUrl":"` + a.bf.URL() + `","conversation":"` + channelThread + `","conversationType":"channel","activity":"1700000000001",` +
		`"ack":"reply-1","tenant":"` + teamstest.TenantID + `","locale":"nl-NL","bot":{"id":"` + teamstest.BotID + `"},` +
		`"user":{"id":"29:1helpdesk","aadObjectId":"` + teamstest.RequesterID + `"}}`
	msgs, _ := handlers.Messages()
	reply := handlers.Reply{Kind: handlers.ReplyFailure, Lang: "nl", Text: msgs.T("nl", "failure.restarted")}
	if err := b.srv.Deliver(t.Context(), []byte(route), reply); err != nil {
		t.Fatal(err)
	}
	shown := a.bf.Shown()
	if len(shown) != 1 || shown[0].ReplyTo != "1700000000001" || !contains(shown[0], msgs.T("nl", "failure.restarted")) {
		t.Errorf("shown = %v; want the acknowledgement replaced by the other replica's reply", shown)
	}
	close(gate)
}

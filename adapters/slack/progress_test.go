package slack_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/onboard-check/onboard-check/diagnosis"
	"github.com/onboard-check/onboard-check/handlers"
)

const inLine = "12 checks ahead of yours, about 25 s"

// responseBody is a response_url post as Slack reads it.
type responseBody struct {
	Text            string `json:"text"`
	ResponseType    string `json:"response_type"`
	ReplaceOriginal bool   `json:"replace_original"`
	DeleteOriginal  bool   `json:"delete_original"`
}

func decodeResponse(t *testing.T, b []byte) responseBody {
	t.Helper()
	var r responseBody
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("response_url body %s: %v", b, err)
	}
	return r
}

// TestProgressReplacesEphemeralAck: a slash command waiting for Graph
// has its ephemeral acknowledgement replaced with its place in line, and
// then with the private diagnosis.
func TestProgressReplacesEphemeralAck(t *testing.T) {
	t.Parallel()
	e := setup(t, options{slow: true, wait: &diagnosis.Progress{Ahead: 12, Wait: 25 * time.Second},
		handlers: handlers.Config{Access: handlers.Access{HelpdeskChannels: []string{"C0OTHER"}}}})
	e.post(t, "/slack/commands", commandForm("adele@contoso.com", "U0HELPDESK", helpdesk, e.fake.ResponseURL("p1")))
	got := e.fake.Wait(waitCtx(t), "response_url", 1)
	if p := decodeResponse(t, got[0].Body); !p.ReplaceOriginal || p.ResponseType != "ephemeral" || !strings.Contains(p.Text, inLine) {
		t.Errorf("progress = %+v; want the ack replaced, privately, with %q", p, inLine)
	}
	close(e.src.gate)
	e.drain(t)
	got = e.fake.Calls("response_url")
	if len(got) != 2 {
		t.Fatalf("%d response_url posts; want the progress and the diagnosis", len(got))
	}
	if p := decodeResponse(t, got[1].Body); !p.ReplaceOriginal || !strings.Contains(string(got[1].Body), blocking) {
		t.Errorf("diagnosis = %s; want it in place of the acknowledgement", got[1].Body)
	}
}

// TestProgressThenPostedDiagnosis: in a helpdesk channel the diagnosis is
// posted for everyone, and the requester's progress note goes.
func TestProgressThenPostedDiagnosis(t *testing.T) {
	t.Parallel()
	e := setup(t, options{slow: true, wait: &diagnosis.Progress{Ahead: 12, Wait: 25 * time.Second}})
	e.post(t, "/slack/commands", commandForm("adele@contoso.com", "U0HELPDESK", helpdesk, e.fake.ResponseURL("p2")))
	e.fake.Wait(waitCtx(t), "response_url", 1)
	close(e.src.gate)
	e.drain(t)
	if posts := e.fake.Calls("chat.postMessage"); len(posts) != 1 || !strings.Contains(posts[0].Form.Get("blocks"), blocking) {
		t.Errorf("posts %+v; want the diagnosis in the channel", posts)
	}
	got := e.fake.Calls("response_url")
	if len(got) != 2 || !decodeResponse(t, got[1].Body).DeleteOriginal {
		t.Errorf("response_url posts %d; want the progress note, then its removal", len(got))
	}
}

// TestProgressOfAMentionUpdatedInPlace: a mention's progress note is
// posted in its thread, updated, and replaced by the diagnosis
// (chat.update).
func TestProgressOfAMentionUpdatedInPlace(t *testing.T) {
	t.Parallel()
	e := setup(t, options{slow: true, wait: &diagnosis.Progress{Ahead: 12, Wait: 25 * time.Second}})
	const ts = "1700000100.000100"
	e.post(t, "/slack/events", eventBody("Ev100", "app_mention", "U0HELPDESK", "<@UBOT> adele@contoso.com", ts, ""))
	posts := e.fake.Wait(waitCtx(t), "chat.postMessage", 1)
	if posts[0].Form.Get("thread_ts") != ts || !strings.Contains(posts[0].Form.Get("text"), inLine) {
		t.Errorf("progress note %v; want %q in the mention's thread", posts[0].Form, inLine)
	}
	close(e.src.gate)
	e.drain(t)
	updates := e.fake.Calls("chat.update")
	if len(updates) != 1 || updates[0].Form.Get("ts") != firstPost || !strings.Contains(updates[0].Form.Get("blocks"), blocking) {
		t.Errorf("updates %+v; want the note replaced by the diagnosis", updates)
	}
	if n := len(e.fake.Calls("chat.postMessage")); n != 1 {
		t.Errorf("%d posts; want the note alone (the diagnosis takes its place)", n)
	}
}

// TestProgressWithoutResponseURL: a slash command whose response_url is
// not Slack's shows its progress as a note in the channel, which the
// diagnosis replaces, and whose thread then takes follow-ups.
func TestProgressWithoutResponseURL(t *testing.T) {
	t.Parallel()
	e := setup(t, options{slow: true, wait: &diagnosis.Progress{Ahead: 12, Wait: 25 * time.Second}})
	e.post(t, "/slack/commands", commandForm("adele@contoso.com", "U0HELPDESK", helpdesk, "https://evil.example/hook"))
	posts := e.fake.Wait(waitCtx(t), "chat.postMessage", 1)
	if !strings.Contains(posts[0].Form.Get("text"), inLine) || posts[0].Form.Get("thread_ts") != "" {
		t.Errorf("progress note %v", posts[0].Form)
	}
	close(e.src.gate)
	e.waitLinked(t, firstPost)
	e.drain(t)
	if u := e.fake.Calls("chat.update"); len(u) != 1 || !strings.Contains(u[0].Form.Get("blocks"), blocking) {
		t.Errorf("updates %+v; want the diagnosis in place of the note", u)
	}
}

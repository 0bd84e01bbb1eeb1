package slack_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/onboard-check/onboard-check/adapters/slack"
	"github.com/onboard-check/onboard-check/internal/logbuf"
)

// TestSocketMode runs the conversation over a fake Socket Mode connection:
// a slash command (and its redelivery), a thread mention delivered twice
// and once more as a retry, a reconnect that Slack asks for, and a button
// after it.
func TestSocketMode(t *testing.T) {
	t.Parallel()
	e := setup(t, options{slack: func(c *slack.Config) { c.AppToken = "xapp-1-A1-1234-abcdef"; c.SigningSecret = "" }})
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- e.slack.Run(ctx) }()

	slash := map[string]any{"command": "/onboard-check", "text": "adele@contoso.com",
		"user_id": "U0HELPDESK", "channel_id": helpdesk, "team_id": "T1", "response_url": e.fake.ResponseURL("s"), "trigger_id": "s1"}
	e.fake.SendEnvelope("env-1", "slash_commands", slash)
	posts := e.fake.Wait(waitCtx(t), "chat.postMessage", 1)
	if len(posts) != 1 || !strings.Contains(posts[0].Form.Get("blocks"), blocking) {
		t.Fatalf("socket mode diagnosis = %+v", posts)
	}
	acks := e.fake.Wait(waitCtx(t), "socket_ack", 1)
	var ack struct {
		EnvelopeID string `json:"envelope_id"`
		Payload    struct {
			ResponseType string `json:"response_type"`
			Text         string `json:"text"`
		} `json:"payload"`
	}
	if err := json.Unmarshal(acks[0].Body, &ack); err != nil || ack.EnvelopeID != "env-1" ||
		ack.Payload.ResponseType != "ephemeral" || !strings.Contains(ack.Payload.Text, "Checking adele@contoso.com") {
		t.Errorf("slash command ack = %s; want the ephemeral Checking… as its payload", acks[0].Body)
	}
	e.waitLinked(t, firstPost)
	e.fake.SendEnvelope("env-1", "slash_commands", slash, 1) // redelivered: acknowledged, not answered again

	const text, ts = "<@UBOT> details", "1700000010.000300"
	e.fake.SendEnvelope("env-2", "events_api", json.RawMessage(eventBody("Ev10", "app_mention", "U0HELPDESK", text, ts, firstPost)))
	e.fake.SendEnvelope("env-3", "events_api", json.RawMessage(eventBody("Ev11", "message", "U0HELPDESK", text, ts, firstPost)))
	e.fake.SendEnvelope("env-4", "events_api", json.RawMessage(eventBody("Ev10", "app_mention", "U0HELPDESK", text, ts, firstPost)), 1)
	e.fake.Wait(waitCtx(t), "chat.postMessage", 2)
	e.fake.Wait(waitCtx(t), "socket_ack", 5) // an ack sent as the connection closes would be lost
	e.fake.SendDisconnect()
	id := buttonValue(t, posts[0], "details")
	e.fake.SendEnvelope("env-5", "interactive", json.RawMessage(buttonPayload("details", id, firstPost, e.fake.ResponseURL("b"), false)))
	e.fake.Wait(waitCtx(t), "chat.postMessage", 3)
	e.fake.Wait(waitCtx(t), "socket_ack", 6)
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run = %v", err)
	}
	e.drain(t)

	if got := e.fake.Acks(); !sameSet(got, []string{"env-1", "env-1", "env-2", "env-3", "env-4", "env-5"}) {
		t.Errorf("acknowledged %v; want every envelope once", got)
	}
	if n := len(e.fake.Calls("apps.connections.open")); n < 2 {
		t.Errorf("apps.connections.open called %d times; want a reconnect after Slack's disconnect", n)
	}
	posts = e.fake.Calls("chat.postMessage")
	if len(posts) != 3 {
		t.Fatalf("%d posts; want the diagnosis, one answer to the mention and one to the button", len(posts))
	}
	for _, p := range posts[1:] {
		if p.Form.Get("thread_ts") != firstPost {
			t.Errorf("reply outside the thread: %v", p.Form)
		}
	}
}

// TestRunLearnsWorkspace: Run asks auth.test who the bot is, once, and
// without SLACK_APP_TOKEN then waits for the end; New asked nothing.
func TestRunLearnsWorkspace(t *testing.T) {
	t.Parallel()
	e := setup(t, options{})
	if n := len(e.fake.Calls("")); n != 0 {
		t.Errorf("New made %d calls to Slack; want none", n)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- e.slack.Run(ctx) }()
	if got := e.fake.Wait(waitCtx(t), "auth.test", 1); len(got) != 1 {
		t.Fatalf("auth.test calls %d, want 1", len(got))
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run = %v, want nil at the end", err)
	}
	if n := len(e.fake.Calls("")); n != 1 {
		t.Errorf("%d calls to Slack; want auth.test alone", n)
	}
}

// TestRunRejectedBotToken: a bot token Slack rejects stops Run with an
// error that names the variable and holds no token.
func TestRunRejectedBotToken(t *testing.T) {
	t.Parallel()
	e := setup(t, options{})
	e.fake.Fail("auth.test", "invalid_auth")
	err := e.slack.Run(t.Context())
	if err == nil || !strings.Contains(err.Error(), "SLACK_BOT_TOKEN") || strings.Contains(err.Error(), botToken) {
		t.Errorf("Run with a rejected token = %v; want an error naming SLACK_BOT_TOKEN", err)
	}
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// TestSocketModeRejectedAppToken: an app-level token Slack refuses stops
// Run with the cause named, and no token in the error or the log.
func TestSocketModeRejectedAppToken(t *testing.T) {
	t.Parallel()
	const appToken = "xapp-1-A1-1234-revokedabcdef"
	logs := &logbuf.Buffer{}
	e := setup(t, options{logs: logs, slack: func(c *slack.Config) { c.AppToken = appToken; c.SigningSecret = "" }})
	e.fake.Fail("apps.connections.open", "invalid_auth")
	err := e.slack.Run(t.Context())
	if err == nil || !strings.Contains(err.Error(), "SLACK_APP_TOKEN rejected") {
		t.Fatalf("Run = %v; want the app token named as the cause", err)
	}
	if strings.Contains(err.Error()+logs.String(), appToken) {
		t.Errorf("the app token leaked: %v\n%s", err, logs.String())
	}
}

// TestSocketModeNetworkProblemLogged: a connection Slack drops is logged
// as a network problem, and slack-go tries again.
func TestSocketModeNetworkProblemLogged(t *testing.T) {
	t.Parallel()
	logs := &logbuf.Buffer{}
	e := setup(t, options{logs: logs, slack: func(c *slack.Config) { c.AppToken = "xapp-1-A1-1234-abcdef"; c.SigningSecret = "" }})
	e.fake.Drop("apps.connections.open", 1)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- e.slack.Run(ctx) }()
	wait := waitCtx(t)
	for !strings.Contains(logs.String(), `"cause":"network`) {
		select {
		case <-wait.Done():
			t.Fatalf("no network cause logged:\n%s", logs.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run = %v after a network problem; want nil at the end", err)
	}
}

// TestSocketModeForeignTeamRefused: a slash command over Socket Mode from
// a workspace that is not the bot's is refused in its acknowledgement,
// and nothing runs.
func TestSocketModeForeignTeamRefused(t *testing.T) {
	t.Parallel()
	e := setup(t, options{slack: func(c *slack.Config) { c.AppToken = "xapp-1-A1-1234-abcdef"; c.SigningSecret = "" }})
	e.fake.SetIdentity("T999", "", "UBOT")
	var env struct {
		EnvelopeID string          `json:"envelope_id"`
		Type       string          `json:"type"`
		Payload    json.RawMessage `json:"payload"`
	}
	if err := json.Unmarshal(payload(t, "socket_slash_commands.json"), &env); err != nil {
		t.Fatal(err)
	}
	slash := editJSON(t, env.Payload, func(m map[string]any) { m["text"] = "adele@contoso.com" })
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- e.slack.Run(ctx) }()
	e.fake.SendEnvelope(env.EnvelopeID, env.Type, json.RawMessage(slash))
	acks := e.fake.Wait(waitCtx(t), "socket_ack", 1)
	cancel()
	<-done
	if len(acks) != 1 || !strings.Contains(string(acks[0].Body), "own Slack workspace") {
		t.Errorf("acks %+v; want the foreign-team refusal", acks)
	}
	if e.src.calls.Load() != 0 || len(e.fake.Calls("chat.postMessage")) != 0 {
		t.Error("a refused Socket Mode command ran")
	}
}

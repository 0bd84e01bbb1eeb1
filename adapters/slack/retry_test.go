package slack_test

import (
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

// The rate-limit tests run in a synctest bubble against the in-process
// fake: Retry-After is waited for on the bubble's clock, exactly.

func TestRateLimitedPostWaitsRetryAfter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := setup(t, options{inProcess: true})
		e.fake.RateLimit("chat.postMessage", 1, 7*time.Second)
		if got := e.post(t, "/slack/commands", commandForm("adele@contoso.com", "U0HELPDESK", helpdesk, e.fake.ResponseURL("1"))); got.status != http.StatusOK {
			t.Fatalf("ack status %d", got.status)
		}
		e.drain(t)
		posts := e.fake.Calls("chat.postMessage")
		if len(posts) != 2 {
			t.Fatalf("%d posts; want the rate-limited one and its retry", len(posts))
		}
		if d := posts[1].At.Sub(posts[0].At); d != 7*time.Second {
			t.Errorf("retried after %s, want Retry-After's 7s", d)
		}
		if !strings.Contains(posts[1].Form.Get("blocks"), blocking) || len(e.fake.Calls("response_url")) != 0 {
			t.Errorf("the retry did not deliver the diagnosis: %+v", e.fake.Calls(""))
		}
	})
}

func TestRateLimitedTwiceFallsBack(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := setup(t, options{inProcess: true})
		e.fake.RateLimit("chat.postMessage", 2, time.Second)
		e.post(t, "/slack/commands", commandForm("adele@contoso.com", "U0HELPDESK", helpdesk, e.fake.ResponseURL("1")))
		e.drain(t)
		if n := len(e.fake.Calls("chat.postMessage")); n != 2 {
			t.Errorf("%d posts; want one retry only", n)
		}
		got := e.fake.Calls("response_url")
		if len(got) != 1 || !strings.Contains(string(got[0].Body), blocking) {
			t.Errorf("response_url got %+v; want the diagnosis", got)
		}
	})
}

func TestLongRetryAfterFallsBackAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := setup(t, options{inProcess: true})
		e.fake.RateLimit("chat.postMessage", 1, 10*time.Minute)
		e.post(t, "/slack/commands", commandForm("adele@contoso.com", "U0HELPDESK", helpdesk, e.fake.ResponseURL("1")))
		e.drain(t)
		posts, got := e.fake.Calls("chat.postMessage"), e.fake.Calls("response_url")
		if len(posts) != 1 || len(got) != 1 {
			t.Fatalf("%d posts, %d response_url; want one of each", len(posts), len(got))
		}
		if d := got[0].At.Sub(posts[0].At); d != 0 {
			t.Errorf("fell back after %s; want at once rather than after ten minutes", d)
		}
	})
}

// TestThreadReplyRetriedAfterNetworkError: a follow-up has no response_url,
// so a post lost to the network is tried once more, a second later.
func TestThreadReplyRetriedAfterNetworkError(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := setup(t, options{inProcess: true})
		e.post(t, "/slack/commands", commandForm("adele@contoso.com", "U0HELPDESK", helpdesk, e.fake.ResponseURL("1")))
		e.fake.Wait(waitCtx(t), "chat.postMessage", 1)
		e.waitLinked(t, firstPost)
		e.fake.Drop("chat.postMessage", 1)
		e.post(t, "/slack/events", eventBody("Ev50", "app_mention", "U0HELPDESK", "<@UBOT> signins", "1700000050.1", firstPost))
		e.drain(t)
		posts := e.fake.Calls("chat.postMessage")
		if len(posts) != 3 || posts[2].Form.Get("thread_ts") != firstPost {
			t.Fatalf("%d posts; want the diagnosis, the lost answer and its retry in the thread", len(posts))
		}
		if d := posts[2].At.Sub(posts[1].At); d != time.Second {
			t.Errorf("retried after %s, want 1s", d)
		}
	})
}

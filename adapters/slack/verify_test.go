package slack_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/onboard-check/onboard-check/adapters/slack"
	"github.com/onboard-check/onboard-check/adapters/slack/slacktest"
	secretpkg "github.com/onboard-check/onboard-check/internal/secret"
)

// TestVerifierSlackExample checks the worked example of Slack's
// documentation, at its own time.
// https://api.slack.com/authentication/verifying-requests-from-slack
func TestVerifierSlackExample(t *testing.T) {
	t.Parallel()
	const body = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
	h := http.Header{}
	h.Set("X-Slack-Request-Timestamp", "1531420618")
	h.Set("X-Slack-Signature", "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503")
	v := slack.NewVerifier("8f742231b10e8888abcd99yyyzzz85a5", func() time.Time { return time.Unix(1531420618, 0).Add(30 * time.Second) })
	if err := v.Verify(h, []byte(body)); err != nil {
		t.Errorf("Verify(Slack's example) = %v", err)
	}
	if err := v.Verify(h, []byte(body+"&x=1")); !errors.Is(err, slack.ErrBadSignature) {
		t.Errorf("Verify(changed body) = %v, want ErrBadSignature", err)
	}
}

func TestVerifierWindow(t *testing.T) {
	t.Parallel()
	now := time.Unix(1700000000, 0)
	v := slack.NewVerifier(secret, func() time.Time { return now })
	for _, tt := range []struct {
		name string
		at   time.Time
		want error
	}{
		{"now", now, nil},
		{"five minutes ago", now.Add(-5 * time.Minute), nil},
		{"five minutes ahead", now.Add(5 * time.Minute), nil},
		{"a second too old", now.Add(-5*time.Minute - time.Second), slack.ErrStale},
		{"a second too far ahead", now.Add(5*time.Minute + time.Second), slack.ErrStale},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, "/slack/events", strings.NewReader(`{"type":"event_callback"}`))
			slacktest.Sign(r, secret, tt.at)
			if err := v.Verify(r.Header, []byte(`{"type":"event_callback"}`)); !errors.Is(err, tt.want) {
				t.Errorf("Verify(signed at %s) = %v, want %v", tt.at.Sub(now), err, tt.want)
			}
		})
	}
}

func TestVerifierRefuses(t *testing.T) {
	t.Parallel()
	now := time.Unix(1700000000, 0)
	body := []byte("text=adele")
	ts := strconv.FormatInt(now.Unix(), 10)
	for _, tt := range []struct {
		name   string
		secret string
		ts     string
		sig    string
		want   error
	}{
		{"no headers", secret, "", "", slack.ErrNoSignature},
		{"no secret configured", "", ts, "v0=00", slack.ErrNoSignature},
		{"not hex", secret, ts, "v0=zz", slack.ErrBadSignature},
		{"short", secret, ts, "v0=abcd", slack.ErrBadSignature},
		{"no version", secret, ts, "abcd", slack.ErrBadSignature},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			if tt.ts != "" {
				h.Set("X-Slack-Request-Timestamp", tt.ts)
			}
			if tt.sig != "" {
				h.Set("X-Slack-Signature", tt.sig)
			}
			v := slack.NewVerifier(secretpkg.Secret(tt.secret), func() time.Time { return now })
			if err := v.Verify(h, body); !errors.Is(err, tt.want) {
				t.Errorf("Verify = %v, want %v", err, tt.want)
			}
		})
	}
}

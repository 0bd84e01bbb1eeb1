package teams

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	bfschema "github.com/infracloudio/msbotbuilder-go/schema"
	"golang.org/x/time/rate"

	"github.com/onboard-check/onboard-check/handlers"
	"github.com/onboard-check/onboard-check/internal/secret"
)

const (
	// maxSendAttempts bounds the posts of one reply (429s, one 401, 503s).
	maxSendAttempts = 4
	// maxRetryAfter caps the wait the connector may ask for.
	maxRetryAfter = 30 * time.Second
	// maxConnectorAnswer bounds what is read of a connector's answer.
	maxConnectorAnswer = 64 << 10
)

// Teams accepts about seven messages a second per conversation before it
// answers 429 (https://learn.microsoft.com/microsoftteams/platform/bots/how-to/rate-limit);
// stay under that rather than learn it from the answers.
const (
	sendRate  = 7
	sendBurst = 7
)

// statusError is an answer of the connector that no retry changes.
type statusError struct{ status int }

func (e *statusError) Error() string { return "connector status " + strconv.Itoa(e.status) }

// errTokenRefused is the connector refusing the bot's token even after
// a renewal: nothing the bot posts can arrive then.
var errTokenRefused = errors.New("connector refused the token")

// route is everything a reply to an activity needs, on any replica: the
// validated serviceUrl (the only host that ever receives the bot's
// token), the conversation, the activity answered, the acknowledgement
// posted for it, and the accounts and mentions of the activity. It is
// stored as JSON with the job.
type route struct {
	ServiceURL   string                  `json:"serviceUrl"`
	Conversation string                  `json:"conversation"`
	ConvType     string                  `json:"conversationType,omitempty"`
	Activity     string                  `json:"activity,omitempty"` // replyToId; empty for a new message
	Ack          string                  `json:"ack,omitempty"`      // the acknowledgement's activity id
	Tenant       string                  `json:"tenant"`
	Locale       string                  `json:"locale,omitempty"`
	Team         string                  `json:"team,omitempty"`
	Bot          bfschema.ChannelAccount `json:"bot"`
	User         bfschema.ChannelAccount `json:"user"`
	Mentions     []routeMention          `json:"mentions,omitempty"`
}

// routeMention is a person mentioned in the activity, for Resolve.
type routeMention struct {
	Text        string `json:"text"`
	Name        string `json:"name,omitempty"`
	ID          string `json:"id"`
	AADObjectID string `json:"aadObjectId,omitempty"`
}

// newRoute is the route of a reply to a validated activity from tenant.
func newRoute(a activity, tenant string) route {
	rt := route{ServiceURL: a.ServiceURL, Conversation: a.Conversation.ID, ConvType: a.Conversation.ConversationType,
		Activity: a.replyTo(), Tenant: tenant, Locale: a.Locale, Team: a.ChannelData.Team.ID, Bot: a.Recipient, User: a.From}
	for _, m := range a.mentions() {
		if m.Mentioned.ID == a.Recipient.ID {
			continue
		}
		rt.Mentions = append(rt.Mentions, routeMention{Text: m.Text, Name: m.Mentioned.Name, ID: m.Mentioned.ID, AADObjectID: m.Mentioned.AADObjectID})
	}
	return rt
}

// decodeRoute reads a route stored with a job.
func decodeRoute(b []byte) (route, error) {
	var rt route
	if err := json.Unmarshal(b, &rt); err != nil {
		return route{}, fmt.Errorf("route: %w", err)
	}
	if rt.ServiceURL == "" || rt.Conversation == "" {
		return route{}, errors.New("route: no serviceUrl or conversation")
	}
	return rt, nil
}

// limiterKey is the conversation a route posts into, thread aside.
func (rt route) limiterKey() string {
	c, _, _ := strings.Cut(rt.Conversation, ";messageid=")
	return c
}

// activitiesURL is {serviceUrl}/v3/conversations/{id}/activities[/{id}].
func (rt route) activitiesURL(id string) string {
	u := strings.TrimSuffix(rt.ServiceURL, "/") + "/v3/conversations/" + url.PathEscape(rt.Conversation) + "/activities"
	if id != "" {
		u += "/" + url.PathEscape(id)
	}
	return u
}

// address fills the envelope of an outgoing activity: from the bot, to
// the requester, in the conversation, as a reply to the activity.
func (rt route) address(out *outgoing) {
	conv := bfschema.ConversationAccount{ID: rt.Conversation, ConversationType: rt.ConvType, TenantID: rt.Tenant}
	bot, user := rt.Bot, rt.User
	out.From, out.Recipient, out.Conversation, out.ReplyToID = &bot, &user, &conv, rt.Activity
}

// send posts a reply into the route's conversation and thread
// (POST {serviceUrl}/v3/conversations/{conversation.id}/activities/{activity.id})
// and returns the id the connector gave the new activity.
func (s *Server) send(ctx context.Context, rt route, r handlers.Reply) (string, error) {
	out := render(r, s.svc.Messages())
	rt.address(&out)
	body, err := marshal(out)
	if err != nil {
		return "", fmt.Errorf("encode reply: %w", err)
	}
	return s.call(ctx, rt, http.MethodPost, rt.activitiesURL(rt.Activity), body)
}

// update replaces the activity id (the acknowledgement) with the reply
// (PUT {serviceUrl}/v3/conversations/{conversation.id}/activities/{id}).
func (s *Server) update(ctx context.Context, rt route, id string, r handlers.Reply) error {
	out := render(r, s.svc.Messages())
	rt.address(&out)
	out.ID = id
	body, err := marshal(out)
	if err != nil {
		return fmt.Errorf("encode update: %w", err)
	}
	_, err = s.call(ctx, rt, http.MethodPut, rt.activitiesURL(id), body)
	return err
}

// call sends an activity body to the connector, pacing the conversation's
// sends, waiting out 429, 502, 503 and 504 answers (Retry-After), and
// renewing the token once after a 401. It returns the resource id the
// connector answers with.
func (s *Server) call(ctx context.Context, rt route, method, u string, body []byte) (string, error) {
	renewed := false
	var last error
	for attempt := 1; attempt <= maxSendAttempts; attempt++ {
		if err := s.limiter(rt.limiterKey()).Wait(ctx); err != nil {
			return "", fmt.Errorf("reply: %w", err)
		}
		tok, err := s.tokens.Token(ctx)
		if err != nil {
			return "", err
		}
		status, wait, id, err := s.callOnce(ctx, method, u, tok, body)
		switch {
		case err != nil:
			return "", err // the message may have arrived: posting again could show it twice
		case status/100 == 2:
			return id, nil
		case status == http.StatusUnauthorized && !renewed:
			s.tokens.Invalidate(tok)
			renewed = true
			last = errTokenRefused
			continue
		case status == http.StatusTooManyRequests || status == http.StatusBadGateway ||
			status == http.StatusServiceUnavailable || status == http.StatusGatewayTimeout:
			// Not after a 500: the message may have been posted.
			if wait == 0 {
				wait = time.Duration(attempt) * time.Second
			}
			last = fmt.Errorf("connector status %d", status)
			t := time.NewTimer(wait)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				return "", fmt.Errorf("reply: %w after %w", context.Cause(ctx), last)
			}
		case status == http.StatusUnauthorized:
			return "", fmt.Errorf("reply: %w twice", errTokenRefused)
		default:
			return "", &statusError{status: status}
		}
	}
	return "", fmt.Errorf("reply: gave up after %d attempts: %w", maxSendAttempts, last)
}

// callOnce makes one request; wait is the connector's Retry-After, if
// any, and id the resource id of a successful answer.
func (s *Server) callOnce(ctx context.Context, method, u string, tok secret.Secret, body []byte) (status int, wait time.Duration, id string, err error) {
	req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(body))
	if err != nil {
		return 0, 0, "", fmt.Errorf("reply: %w", secret.RedactError(err))
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+tok.Reveal())
	resp, err := s.http.Do(req)
	if err != nil {
		return 0, 0, "", fmt.Errorf("reply: %w", secret.RedactError(err))
	}
	defer resp.Body.Close()
	var answer struct {
		ID string `json:"id"`
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, maxConnectorAnswer))
	if resp.StatusCode/100 == 2 {
		_ = json.Unmarshal(b, &answer) // an answer without id is still a success
	}
	return resp.StatusCode, retryAfter(resp.Header.Get("Retry-After"), time.Now()), answer.ID, nil
}

// retryAfter reads a Retry-After header: seconds or an HTTP date, capped.
func retryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	var d time.Duration
	if n, err := strconv.Atoi(v); err == nil {
		d = time.Duration(n) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	}
	return min(max(d, 0), maxRetryAfter)
}

// limiter returns the send limiter of a conversation.
func (s *Server) limiter(conversation string) *rate.Limiter {
	s.mu.Lock()
	defer s.mu.Unlock()
	l, ok := s.limits[conversation]
	if !ok {
		if len(s.limits) > 10000 {
			clear(s.limits)
		}
		l = rate.NewLimiter(sendRate, sendBurst)
		s.limits[conversation] = l
	}
	return l
}

package slack

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	slackapi "github.com/slack-go/slack"
)

const (
	// selfWait bounds an auth.test made while a request waits for its
	// acknowledgement (when Run has not learnt who the bot is yet).
	selfWait = 500 * time.Millisecond
	// lookupRetry is how long a failed lookup is not repeated for a
	// request; Run keeps retrying auth.test on its own schedule.
	lookupRetry = time.Minute
)

// errSelfUnknown: auth.test has not answered yet, so no requester can be
// bound to the bot's workspace, and none is served.
var errSelfUnknown = errors.New("slack: the bot's own workspace is not known yet (auth.test)")

// identity is who the bot is in Slack, from auth.test.
type identity struct {
	User       string // the bot's user id, whose mentions address it
	Team       string // the workspace it is installed in
	Enterprise string // its Enterprise Grid organisation, if any
}

// requester is the team and organisation a request says its requester
// belongs to, from the payload's own fields.
type requester struct {
	Team       string // user_team, else team_id / team.id
	Enterprise string // enterprise_id, when the requester is of the installing workspace's organisation
}

// learn asks auth.test who the bot is, retrying with backoff while Slack
// cannot be reached; a rejected token is final.
func (s *Server) learn(ctx context.Context) error {
	wait := time.Second
	for {
		_, err := s.whoAmI(ctx, 0)
		if err == nil {
			return nil
		}
		if rejected(err) {
			return fmt.Errorf("slack: SLACK_BOT_TOKEN rejected by auth.test: %w", err)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
		wait = min(2*wait, lookupRetry)
	}
}

// whoAmI returns the bot's identity, asking auth.test once and remembering
// the answer. With limit > 0 (a request waiting) a call that failed less
// than lookupRetry ago is not repeated, and the call waits limit at most.
func (s *Server) whoAmI(ctx context.Context, limit time.Duration) (identity, error) {
	s.mu.Lock()
	self, checked := s.self, s.checked
	s.mu.Unlock()
	if self.Team != "" || self.Enterprise != "" {
		return self, nil
	}
	if limit > 0 {
		if !checked.IsZero() && s.now().Sub(checked) < lookupRetry {
			return identity{}, errSelfUnknown
		}
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, limit)
		defer cancel()
	}
	resp, err := s.api.AuthTestContext(ctx)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		s.checked = s.now()
		err = fmt.Errorf("auth.test: %w", redact(err))
		s.log.Warn("the bot's own workspace is not known yet; requests are refused until it is", slog.Any("err", err))
		return identity{}, errors.Join(errSelfUnknown, err)
	}
	if resp.TeamID == "" && resp.EnterpriseID == "" {
		s.checked = s.now()
		return identity{}, errors.Join(errSelfUnknown, errors.New("auth.test named no team"))
	}
	s.self = identity{User: resp.UserID, Team: resp.TeamID, Enterprise: resp.EnterpriseID}
	s.log.Info("bot identified", slog.String("team_id", resp.TeamID), slog.String("enterprise_id", resp.EnterpriseID),
		slog.String("bot_user_id", resp.UserID))
	return s.self, nil
}

// rejected reports whether Slack refused a token for good.
func rejected(err error) bool {
	var refused slackapi.SlackErrorResponse
	if !errors.As(err, &refused) {
		return false
	}
	switch refused.Err {
	case "invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired", "not_allowed_token_type":
		return true
	}
	return false
}

// member reports whether the requester belongs to the bot's own
// organisation — its workspace, or its Enterprise Grid organisation — or
// to a team or organisation listed in Config.Teams. Every id a payload
// gives must agree: a team of our organisation named beside another
// organisation is foreign.
func (s *Server) member(self identity, r requester) bool {
	listed := func(id string) bool { return id != "" && slices.Contains(s.cfg.Teams, id) }
	if listed(r.Team) || listed(r.Enterprise) {
		return true
	}
	if r.Enterprise != "" {
		return self.Enterprise != "" && r.Enterprise == self.Enterprise
	}
	return r.Team != "" && r.Team == self.Team
}

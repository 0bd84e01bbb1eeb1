package slack

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/onboard-check/onboard-check/handlers"
)

// Who people are: a mention's email (users.info), a requester's language
// (users.info) and user groups (usergroups.users.list), cached briefly.

const (
	// Lookups made before an acknowledgement (the requester's language and
	// user groups) wait this long at most, so that Slack still gets its
	// answer well inside 3 seconds when the Web API is slow.
	localeWait = 300 * time.Millisecond
	groupsWait = 500 * time.Millisecond
	// localeTTL is how long a requester's language is remembered.
	localeTTL = time.Hour
	// groupsTTL is how long a user group's members are remembered: someone
	// removed from an allowed group loses access within five minutes.
	groupsTTL = 4 * time.Minute
	// maxCached bounds the per-user caches; a full cache starts over.
	maxCached = 10000
)

type cached[T any] struct {
	v       T
	expires time.Time
}

// resolve turns a Slack mention into the person's profile email
// (users.info; the app needs users:read.email).
func (s *Server) resolve(ctx context.Context, t handlers.Target) (string, error) {
	if t.Kind != handlers.TargetSlackMention {
		return t.Value, nil
	}
	u, err := s.api.GetUserInfoContext(ctx, t.Value)
	if err != nil {
		return "", fmt.Errorf("users.info: %w", redact(err))
	}
	if u.Profile.Email == "" {
		return "", errors.New("users.info: no email (the app needs users:read.email)")
	}
	return u.Profile.Email, nil
}

// botUserID returns the bot's own user id, "" while auth.test has not
// answered.
func (s *Server) botUserID(ctx context.Context) string {
	self, _ := s.whoAmI(ctx, localeWait)
	return self.User
}

// groupsOf returns the allow-listed user groups the user belongs to, from
// usergroups.users.list (cached for groupsTTL), waiting groupsWait at most.
// A group that cannot be read admits nobody.
func (s *Server) groupsOf(ctx context.Context, user string) []string {
	wanted := s.svc.SlackGroups()
	if len(wanted) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, groupsWait)
	defer cancel()
	var in []string
	for _, g := range wanted {
		now := s.now()
		s.mu.Lock()
		e, ok := s.groups[g]
		s.mu.Unlock()
		if !ok || !now.Before(e.expires) {
			ids, err := s.api.GetUserGroupMembersContext(ctx, g)
			if err != nil {
				s.log.Warn("user group not readable; it admits nobody (the app needs usergroups:read)", slog.String("group", g), slog.Any("err", redact(err)))
				continue
			}
			e = cached[[]string]{v: ids, expires: now.Add(groupsTTL)}
			s.mu.Lock()
			if len(s.groups) >= maxCached {
				clear(s.groups)
			}
			s.groups[g] = e
			s.mu.Unlock()
		}
		for _, id := range e.v {
			if id == user {
				in = append(in, g)
				break
			}
		}
	}
	return in
}

// locale returns the requester's reply language from their Slack locale
// (users.info), cached; "" when unknown, and the service's default applies.
// It waits localeWait at most, and a failed lookup is not repeated for a
// minute, so that a slow or failing Web API does not slow every answer.
func (s *Server) locale(ctx context.Context, user string) string {
	if user == "" {
		return ""
	}
	now := s.now()
	s.mu.Lock()
	e, ok := s.locales[user]
	s.mu.Unlock()
	if ok && now.Before(e.expires) {
		return e.v
	}
	ctx, cancel := context.WithTimeout(ctx, localeWait)
	defer cancel()
	e = cached[string]{expires: now.Add(localeTTL)}
	u, err := s.api.GetUserInfoContext(ctx, user)
	switch {
	case err != nil:
		s.log.Debug("locale unknown", slog.String("requester_id", user), slog.Any("err", redact(err)))
		e.expires = now.Add(lookupRetry)
	case strings.TrimSpace(u.Locale) != "":
		e.v = s.svc.Lang(u.Locale)
	}
	s.mu.Lock()
	if len(s.locales) >= maxCached {
		clear(s.locales)
	}
	s.locales[user] = e
	s.mu.Unlock()
	return e.v
}

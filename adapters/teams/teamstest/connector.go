package teamstest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// Reply is one activity the connector received.
type Reply struct {
	Method        string // POST (a new activity) or PUT (an update)
	Path          string // /v3/conversations/{id}/activities[/{replyTo}], as sent (escaped)
	Conversation  string // the conversation id, unescaped
	ReplyTo       string // the activity id in the path, if any: the one answered (POST) or updated (PUT)
	ID            string // the id the connector gave a new activity (reply-N)
	Authorization string // the Authorization header as sent
	Type          string // the activity type: message, typing
	Status        int    // what the connector answered
	Body          map[string]any
}

// String describes a reply for test messages.
func (r Reply) String() string {
	b, _ := json.Marshal(r.Body)
	return fmt.Sprintf("%s %s", r.Path, strings.TrimSpace(string(b)))
}

// Throttle makes the next n activities answer 429 with the Retry-After
// header value retryAfter ("" for none).
func (s *Server) Throttle(n int, retryAfter string) {
	s.mu.Lock()
	s.throttle += n
	s.retryAfter = retryAfter
	s.mu.Unlock()
}

// Fail makes the next n activities answer status (after any throttling).
func (s *Server) Fail(n, status int) {
	s.mu.Lock()
	s.failures = append(s.failures, slices.Repeat([]int{status}, n)...)
	s.mu.Unlock()
}

// Unauthorize makes the next n activities answer 401, as the connector
// does for a token it no longer accepts.
func (s *Server) Unauthorize(n int) { s.mu.Lock(); s.unauthorize += n; s.mu.Unlock() }

func (s *Server) handleActivity(w http.ResponseWriter, r *http.Request) {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		s.tb.Errorf("connector: reading the body: %v", err)
	}
	var body map[string]any
	if err := json.Unmarshal(b, &body); err != nil {
		s.tb.Errorf("connector got a body that is not JSON: %v", err)
	}
	if r.Header.Get("Content-Type") != "application/json" {
		s.tb.Errorf("connector got Content-Type %q", r.Header.Get("Content-Type"))
	}
	typ, _ := body["type"].(string)
	s.mu.Lock()
	s.replies = append(s.replies, Reply{Method: r.Method, Path: r.URL.EscapedPath(), Conversation: r.PathValue("conv"), ReplyTo: r.PathValue("id"),
		Authorization: r.Header.Get("Authorization"), Type: typ, Body: body})
	n := len(s.replies)
	if r.Method == http.MethodPut && !s.postedLocked(r.PathValue("id")) {
		s.replies[n-1].Status = http.StatusNotFound
		close(s.changed)
		s.changed = make(chan struct{})
		s.mu.Unlock()
		writeJSON(w, http.StatusNotFound, map[string]any{"error": map[string]any{"code": "ActivityNotFoundInConversation", "message": "fake connector"}})
		return
	}
	issued := s.issuedLocked(r.Header.Get("Authorization"))
	status := http.StatusCreated
	switch {
	case s.throttle > 0:
		s.throttle--
		status = http.StatusTooManyRequests
		if s.retryAfter != "" {
			w.Header().Set("Retry-After", s.retryAfter)
		}
	case len(s.failures) > 0:
		status, s.failures = s.failures[0], s.failures[1:]
	case s.unauthorize > 0 || !issued:
		if s.unauthorize > 0 {
			s.unauthorize--
		}
		status = http.StatusUnauthorized
	}
	id := r.PathValue("id")
	if r.Method == http.MethodPost {
		id = "reply-" + strconv.Itoa(n)
	}
	if status == http.StatusCreated && r.Method == http.MethodPut {
		status = http.StatusOK
	}
	s.replies[n-1].Status = status
	if status/100 == 2 && r.Method == http.MethodPost {
		s.replies[n-1].ID = id
	}
	close(s.changed)
	s.changed = make(chan struct{})
	s.mu.Unlock()
	if status/100 != 2 {
		writeJSON(w, status, map[string]any{"error": map[string]any{"code": http.StatusText(status), "message": "fake connector"}})
		return
	}
	writeJSON(w, status, map[string]any{"id": id})
}

// postedLocked reports whether id is an activity the connector created.
func (s *Server) postedLocked(id string) bool {
	for _, r := range s.replies {
		if r.ID == id && id != "" {
			return true
		}
	}
	return false
}

// Updates returns the PUTs the connector accepted, oldest first.
func (s *Server) Updates() []Reply {
	var out []Reply
	for _, r := range s.Replies() {
		if r.Method == http.MethodPut && r.Status/100 == 2 {
			out = append(out, r)
		}
	}
	return out
}

// Shown returns the messages as people see them now: every message the
// connector accepted with its latest accepted update applied, oldest
// first. Path and ReplyTo stay those of the post.
func (s *Server) Shown() []Reply {
	replies := s.Replies()
	var out []Reply
	at := map[string]int{}
	for _, r := range replies {
		switch {
		case r.Status/100 != 2 || r.Type != "message":
		case r.Method == http.MethodPost:
			at[r.ID] = len(out)
			out = append(out, r)
		case r.Method == http.MethodPut:
			if i, ok := at[r.ReplyTo]; ok {
				out[i].Body, out[i].Authorization = r.Body, r.Authorization
			}
		}
	}
	return out
}

// Answers returns the shown messages that carry a card: the answers, not
// acknowledgements waiting to be replaced.
func (s *Server) Answers() []Reply {
	var out []Reply
	for _, r := range s.Shown() {
		if atts, _ := r.Body["attachments"].([]any); len(atts) > 0 {
			out = append(out, r)
		}
	}
	return out
}

// WaitAnswers blocks until n messages show a card (Answers), or ctx
// ends; it returns the answers shown then.
func (s *Server) WaitAnswers(ctx context.Context, n int) []Reply {
	for {
		s.mu.Lock()
		ch := s.changed
		s.mu.Unlock()
		if got := s.Answers(); len(got) >= n {
			return got
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return s.Answers()
		}
	}
}

// Replies returns every activity the connector received, oldest first.
func (s *Server) Replies() []Reply {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.replies)
}

// Messages returns the message activities the connector accepted as new
// posts (no updates, no typing indicators, no refused attempts).
func (s *Server) Messages() []Reply {
	var out []Reply
	for _, r := range s.Replies() {
		if r.Type == "message" && r.Method == http.MethodPost && r.Status == http.StatusCreated {
			out = append(out, r)
		}
	}
	return out
}

// Wait blocks until the connector received n activities, or ctx ends; it
// returns what arrived.
func (s *Server) Wait(ctx context.Context, n int) []Reply { return s.WaitFor(ctx, n, "") }

// WaitFor blocks until the connector received n activities of the type
// ("" for any), or ctx ends; it returns what arrived of that type.
func (s *Server) WaitFor(ctx context.Context, n int, typ string) []Reply {
	for {
		s.mu.Lock()
		ch := s.changed
		var got []Reply
		for _, r := range s.replies {
			if typ == "" || r.Type == typ {
				got = append(got, r)
			}
		}
		s.mu.Unlock()
		if len(got) >= n {
			return got
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return got
		}
	}
}

// AddMember puts a person on the roster the connector serves.
func (s *Server) AddMember(teamsID, aadObjectID, upn string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.members == nil {
		s.members = map[string]map[string]any{}
	}
	s.members[teamsID] = map[string]any{"id": teamsID, "aadObjectId": aadObjectID, "objectId": aadObjectID,
		"userPrincipalName": upn, "name": upn, "tenantId": TenantID, "userRole": "user"}
}

// MemberLookups counts the roster requests.
func (s *Server) MemberLookups() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.memberLookup
}

func (s *Server) handleMember(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.memberLookup++
	issued := s.issuedLocked(r.Header.Get("Authorization"))
	m, ok := s.members[r.PathValue("user")]
	s.mu.Unlock()
	switch {
	case !issued:
		writeJSON(w, http.StatusUnauthorized, map[string]any{"error": map[string]any{"code": "Unauthorized"}})
	case !ok:
		writeJSON(w, http.StatusNotFound, map[string]any{"error": map[string]any{"code": "MemberNotFoundInConversation"}})
	default:
		writeJSON(w, http.StatusOK, m)
	}
}

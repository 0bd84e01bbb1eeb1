package graphtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// InMemoryURL is the service root of a server made with NewInMemory.
const InMemoryURL = "https://graph.test"

// Server is a fake Microsoft Graph serving one tenant. It is safe for
// concurrent use.
type Server struct {
	tenant       *Tenant
	now          time.Time
	token        string // required bearer token; "" accepts any
	pageSize     int
	latency      time.Duration
	noBatch      bool
	noTransitive bool
	nextBase     string // rewrites @odata.nextLink to another root
	base         string
	mux          *http.ServeMux
	srv          *httptest.Server
	signInAt     map[string]time.Time // sign-in id → createdDateTime
	mu           sync.Mutex
	faults       map[string]*faultState
	requests     []Request
	exchanges    []exchange
	noCombined   bool
	signInLimit  int           // sign-in reads per signInPeriod; 0 means no limit
	signInPeriod time.Duration //
	signInHits   []time.Time   // sign-in reads admitted in the current window
	reads        map[string]int
	throttled    int
}

type faultState struct {
	Fault
	used int
}

type exchange struct{ start, end time.Time }

// Request is what the fake received. Sub-requests of a $batch are recorded
// too, with InBatch set; they are not round trips.
type Request struct {
	Method     string
	Path       string // unescaped path, e.g. /v1.0/users/x#EXT#@contoso.com
	RawPath    string // as sent, e.g. /v1.0/users/x%23EXT%23@contoso.com
	Query      url.Values
	Header     http.Header // without Authorization
	Authorized bool        // an Authorization header was present
	InBatch    bool
	Status     int
}

// Option configures a Server.
type Option func(*Server)

// WithToken makes the server require "Authorization: Bearer tok" and answer
// 401 InvalidAuthenticationToken otherwise.
func WithToken(tok string) Option { return func(s *Server) { s.token = tok } }

// WithPageSize caps every page (default: $top, else 100).
func WithPageSize(n int) Option { return func(s *Server) { s.pageSize = n } }

// WithLatency delays every answer, so that parallel requests overlap.
func WithLatency(d time.Duration) Option { return func(s *Server) { s.latency = d } }

// WithoutBatch answers $batch with 404, as a Graph stand-in without it does.
func WithoutBatch() Option { return func(s *Server) { s.noBatch = true } }

// WithoutTransitive makes transitiveMemberOf unsupported (404), as on a
// Graph stand-in that serves only direct memberOf.
func WithoutTransitive() Option { return func(s *Server) { s.noTransitive = true } }

// WithFault injects a fault in addition to the tenant file's.
func WithFault(endpoint string, f Fault) Option {
	return func(s *Server) { s.faults[endpoint] = &faultState{Fault: f} }
}

// WithoutCombinedSignInFilter answers 400 to a sign-in filter that names
// more than one sign-in event type, as a Graph that does not accept the
// one-query form would.
func WithoutCombinedSignInFilter() Option { return func(s *Server) { s.noCombined = true } }

// WithSignInLimit enforces Graph's throttle on the sign-in reports: at most
// limit sign-in reads (first pages, next pages and batch sub-requests alike)
// per period for the tenant; beyond it 429 TooManyRequests with a
// Retry-After (seconds, with a fraction) saying when the window frees.
// https://learn.microsoft.com/graph/throttling-limits
func WithSignInLimit(limit int, period time.Duration) Option {
	return func(s *Server) { s.signInLimit, s.signInPeriod = limit, period }
}

// WithNextLinkBase makes @odata.nextLink point at another service root, to
// test that a client does not follow it with its token.
func WithNextLinkBase(root string) Option { return func(s *Server) { s.nextBase = root } }

func newServer(t *Tenant, opts []Option) *Server {
	s := &Server{tenant: t, now: time.Now(), faults: map[string]*faultState{}, signInAt: map[string]time.Time{}, reads: map[string]int{}}
	for name, f := range t.Faults {
		s.faults[name] = &faultState{Fault: f}
	}
	if t.Expect.PageSize > 0 {
		s.pageSize = t.Expect.PageSize
	}
	for _, o := range opts {
		o(s)
	}
	for _, si := range t.SignIns {
		at, _ := signInTime(si, s.now) // checked by ParseTenant
		s.signInAt[str(si["id"])] = at
	}
	s.mux = http.NewServeMux()
	s.mux.HandleFunc("GET /v1.0/users", s.handleUsers)
	s.mux.HandleFunc("GET /v1.0/users/{id}", s.handleUser)
	s.mux.HandleFunc("GET /v1.0/users/{id}/transitiveMemberOf", func(w http.ResponseWriter, r *http.Request) {
		if s.noTransitive {
			writeError(w, http.StatusNotFound, "Request_UnsupportedQuery", "Unsupported segment type.")
			return
		}
		s.handleMemberOf(w, r)
	})
	s.mux.HandleFunc("GET /v1.0/users/{id}/memberOf", s.handleMemberOf)
	s.mux.HandleFunc("GET /v1.0/identity/conditionalAccess/policies", s.handlePolicies)
	s.mux.HandleFunc("GET /v1.0/identity/conditionalAccess/namedLocations", s.handleNamedLocations)
	s.mux.HandleFunc("GET /v1.0/identity/conditionalAccess/authenticationStrength/policies/{id}", s.handleStrength)
	s.mux.HandleFunc("GET /v1.0/policies/identitySecurityDefaultsEnforcementPolicy", s.handleSecurityDefaults)
	s.mux.HandleFunc("GET /beta/users/{id}/authentication/requirements", s.handleRequirements)
	s.mux.HandleFunc("GET /v1.0/auditLogs/signIns", s.handleSignIns)
	s.mux.HandleFunc("GET /beta/auditLogs/signIns", s.handleSignIns)
	s.mux.HandleFunc("POST /v1.0/$batch", s.handleBatch)
	s.mux.HandleFunc("POST /beta/$batch", s.handleBatch)
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "Request_UnsupportedQuery", "Unsupported request.")
	})
	return s
}

// NewServer starts a fake Graph on a loopback httptest.Server for the test
// and closes it when the test ends.
func NewServer(tb testing.TB, t *Tenant, opts ...Option) *Server {
	tb.Helper()
	s := newServer(t, opts)
	s.srv = httptest.NewServer(s)
	s.base = s.srv.URL
	tb.Cleanup(s.srv.Close)
	return s
}

// NewInMemory makes a fake Graph without a listener: Client serves requests
// in the caller's goroutine, so that waits run on synctest's fake clock.
func NewInMemory(tb testing.TB, t *Tenant, opts ...Option) *Server {
	tb.Helper()
	s := newServer(t, opts)
	s.base = InMemoryURL
	return s
}

// URL is the service root to configure a client with.
func (s *Server) URL() string { return s.base }

// Client returns an HTTP client that reaches the server.
func (s *Server) Client() *http.Client {
	if s.srv != nil {
		return s.srv.Client()
	}
	return &http.Client{Transport: roundTripper{s}}
}

type roundTripper struct{ s *Server }

func (rt roundTripper) RoundTrip(r *http.Request) (*http.Response, error) {
	if !strings.HasPrefix(r.URL.String(), rt.s.base+"/") {
		return nil, fmt.Errorf("graphtest: no route to host %s", r.URL.Host)
	}
	if err := r.Context().Err(); err != nil {
		return nil, err
	}
	rec := httptest.NewRecorder()
	rt.s.ServeHTTP(rec, r)
	if r.Body != nil {
		_ = r.Body.Close()
	}
	if err := r.Context().Err(); err != nil {
		return nil, err
	}
	resp := rec.Result()
	resp.Request = r
	return resp, nil
}

// Requests returns what the server received, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// RoundTrips counts HTTP exchanges; a $batch is one.
func (s *Server) RoundTrips() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.exchanges)
}

// MaxSequential is the longest chain of round trips each of which started
// after the previous one had been answered: how many a client waited for
// one after another. Parallel requests overlap and count once.
func (s *Server) MaxSequential() int {
	s.mu.Lock()
	ex := slices.Clone(s.exchanges)
	s.mu.Unlock()
	slices.SortFunc(ex, func(a, b exchange) int { return a.start.Compare(b.start) })
	chain := make([]int, len(ex))
	best := 0
	for i := range ex {
		chain[i] = 1
		for j := range i {
			if !ex[j].end.After(ex[i].start) && chain[j]+1 > chain[i] {
				chain[i] = chain[j] + 1
			}
		}
		best = max(best, chain[i])
	}
	return best
}

// Reset forgets recorded requests, round trips and read counts (faults
// keep their counts).
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests, s.exchanges, s.reads, s.throttled = nil, nil, map[string]int{}, 0
}

// SignInReads counts the first-page sign-in reads whose filter named the
// account with this object id (any log, batched or not), so that a test
// can assert "at most one read per distinct account".
func (s *Server) SignInReads(userID string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reads[strings.ToLower(userID)]
}

// Throttled counts the sign-in reads answered 429 by WithSignInLimit.
func (s *Server) Throttled() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.throttled
}

// admitSignIn applies WithSignInLimit; it returns the wait before the
// window frees, or 0 when the read may proceed.
func (s *Server) admitSignIn() time.Duration {
	if s.signInLimit <= 0 {
		return 0
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	keep := s.signInHits[:0]
	for _, t := range s.signInHits {
		if now.Sub(t) < s.signInPeriod {
			keep = append(keep, t)
		}
	}
	s.signInHits = keep
	if len(keep) >= s.signInLimit {
		s.throttled++
		return keep[len(keep)-s.signInLimit].Add(s.signInPeriod).Sub(now)
	}
	s.signInHits = append(s.signInHits, now)
	return 0
}

// ServeHTTP serves one top-level request: it checks the token, records the
// exchange and routes it.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	defer func() {
		s.mu.Lock()
		s.exchanges = append(s.exchanges, exchange{start: start, end: time.Now()})
		s.mu.Unlock()
	}()
	idx := s.record(r, false)
	defer func() { s.setStatus(idx, rec.status) }()
	if s.latency > 0 && !sleep(r.Context(), s.latency) {
		writeError(rec, http.StatusGatewayTimeout, "RequestTimeout", "The client went away.")
		return
	}
	if s.token != "" && r.Header.Get("Authorization") != "Bearer "+s.token {
		writeError(rec, http.StatusUnauthorized, "InvalidAuthenticationToken", "Access token is empty or invalid.")
		return
	}
	s.mux.ServeHTTP(rec, r)
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

func (s *Server) record(r *http.Request, inBatch bool) int {
	h := r.Header.Clone()
	_, authorized := h["Authorization"]
	h.Del("Authorization")
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, Request{Method: r.Method, Path: r.URL.Path, RawPath: r.URL.EscapedPath(),
		Query: r.URL.Query(), Header: h, Authorized: authorized, InBatch: inBatch})
	return len(s.requests) - 1
}

func (s *Server) setStatus(i, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if i < len(s.requests) {
		s.requests[i].Status = status
	}
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// fault applies the endpoint's fault, if any is left; it reports whether
// it answered.
func (s *Server) fault(w http.ResponseWriter, r *http.Request, endpoint string) bool {
	s.mu.Lock()
	f, ok := s.faults[endpoint]
	var active Fault
	if ok && (f.Times <= 0 || f.used < f.Times) {
		f.used++
		active = f.Fault
	} else {
		ok = false
	}
	s.mu.Unlock()
	if !ok {
		return false
	}
	if active.LatencyMS > 0 && !sleep(r.Context(), time.Duration(active.LatencyMS)*time.Millisecond) {
		writeError(w, http.StatusGatewayTimeout, "RequestTimeout", "The client went away.")
		return true
	}
	if active.Status == 0 {
		return false
	}
	switch {
	case active.RetryAfterText != "":
		w.Header().Set("Retry-After", active.RetryAfterText)
	case active.RetryAfter > 0:
		w.Header().Set("Retry-After", strconv.Itoa(active.RetryAfter))
	}
	code, msg := active.Code, active.Message
	if code == "" {
		code = http.StatusText(active.Status)
	}
	if msg == "" {
		msg = http.StatusText(active.Status)
	}
	writeError(w, active.Status, code, msg)
	return true
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	id := fmt.Sprintf("00000000-0000-0000-0000-%012d", status)
	w.Header().Set("request-id", id)
	writeJSON(w, status, map[string]any{"error": map[string]any{
		"code": code, "message": msg,
		"innerError": map[string]any{"date": "2025-01-01T00:00:00", "request-id": id, "client-request-id": id},
	}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (s *Server) findUser(key string) (map[string]any, bool) {
	for _, u := range s.tenant.Users {
		if strings.EqualFold(str(u["id"]), key) || strings.EqualFold(str(u["userPrincipalName"]), key) {
			return u, true
		}
	}
	return nil, false
}

func notFound(w http.ResponseWriter, key string) {
	writeError(w, http.StatusNotFound, "Request_ResourceNotFound",
		fmt.Sprintf("Resource '%s' does not exist or one of its queried reference-property objects are not present.", key))
}

// pathUser finds the user the request's {id} names, by object id or UPN,
// or answers 404 as Graph does.
func (s *Server) pathUser(w http.ResponseWriter, r *http.Request) (map[string]any, bool) {
	key := r.PathValue("id")
	u, ok := s.findUser(key)
	if !ok {
		notFound(w, key)
	}
	return u, ok
}

func (s *Server) handleUser(w http.ResponseWriter, r *http.Request) {
	if s.fault(w, r, "users") {
		return
	}
	u, ok := s.pathUser(w, r)
	if !ok {
		return
	}
	out := clone(u)
	delete(out, "memberOf")
	delete(out, "authenticationRequirements")
	if sel := r.URL.Query().Get("$select"); sel != "" {
		keep := map[string]bool{}
		for _, f := range strings.Split(sel, ",") {
			keep[strings.TrimSpace(f)] = true
		}
		for k := range out {
			if !keep[k] {
				delete(out, k)
			}
		}
	}
	out["@odata.context"] = s.base + "/v1.0/$metadata#users/$entity"
	writeJSON(w, http.StatusOK, out)
}

// handleUsers lists users matching $filter=mail eq '…' (case-insensitive,
// as Graph compares strings), with $select applied.
func (s *Server) handleUsers(w http.ResponseWriter, r *http.Request) {
	if s.fault(w, r, "users") {
		return
	}
	f, err := ParseFilter(r.URL.Query().Get("$filter"))
	if err != nil || f.Mail == nil {
		writeError(w, http.StatusBadRequest, "Request_UnsupportedQuery", "Unsupported filter.")
		return
	}
	var list []map[string]any
	for _, u := range s.tenant.Users {
		if strings.EqualFold(str(u["mail"]), *f.Mail) {
			out := clone(u)
			delete(out, "memberOf")
			delete(out, "authenticationRequirements")
			list = append(list, out)
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"@odata.context": s.base + "/v1.0/$metadata#users", "value": list})
}

func (s *Server) handleMemberOf(w http.ResponseWriter, r *http.Request) {
	if s.fault(w, r, "memberOf") {
		return
	}
	u, ok := s.pathUser(w, r)
	if !ok {
		return
	}
	ids, _ := u["memberOf"].([]any)
	var items []map[string]any
	for _, id := range ids {
		for _, g := range s.tenant.Groups {
			if strings.EqualFold(str(g["id"]), str(id)) {
				o := clone(g)
				o["@odata.type"] = "#microsoft.graph.group"
				items = append(items, o)
			}
		}
		for _, ro := range s.tenant.Roles {
			if strings.EqualFold(str(ro["id"]), str(id)) {
				o := clone(ro)
				o["@odata.type"] = "#microsoft.graph.directoryRole"
				items = append(items, o)
			}
		}
	}
	s.page(w, r, "directoryObjects", items)
}

func (s *Server) handlePolicies(w http.ResponseWriter, r *http.Request) {
	if s.fault(w, r, "policies") {
		return
	}
	var items []map[string]any
	for _, p := range s.tenant.Policies {
		items = append(items, clone(p))
	}
	s.page(w, r, "identity/conditionalAccess/policies", items)
}

func (s *Server) handleNamedLocations(w http.ResponseWriter, r *http.Request) {
	if s.fault(w, r, "namedLocations") {
		return
	}
	var items []map[string]any
	for _, l := range s.tenant.NamedLocations {
		items = append(items, clone(l))
	}
	s.page(w, r, "identity/conditionalAccess/namedLocations", items)
}

// reportOnly are the appliedConditionalAccessPolicyResult members after
// unknownFutureValue: Graph sends them only to clients that ask with
// Prefer: include-unknown-enum-members.
var reportOnly = []string{"reportOnlySuccess", "reportOnlyFailure", "reportOnlyNotApplied", "reportOnlyInterrupted"}

func (s *Server) handleSignIns(w http.ResponseWriter, r *http.Request) {
	beta := strings.HasPrefix(r.URL.Path, "/beta/")
	if d := s.admitSignIn(); d > 0 {
		w.Header().Set("Retry-After", strconv.FormatFloat(d.Seconds(), 'f', 3, 64))
		writeError(w, http.StatusTooManyRequests, "TooManyRequests", "Too many requests.")
		return
	}
	var f Filter
	if raw := r.URL.Query().Get("$filter"); raw != "" {
		var err error
		if f, err = ParseFilter(raw); err != nil {
			writeError(w, http.StatusBadRequest, "Request_UnsupportedQuery", "Invalid filter clause: "+err.Error())
			return
		}
	}
	if s.noCombined && len(f.EventTypes) > 1 {
		writeError(w, http.StatusBadRequest, "Request_UnsupportedQuery", "Invalid filter clause.")
		return
	}
	nextPage := r.URL.Query().Get("$skiptoken") != ""
	if s.fault(w, r, "signIns") || beta && s.fault(w, r, "betaSignIns") || nextPage && s.fault(w, r, "signInsNextPage") {
		return
	}
	if f.UserID != nil && !nextPage {
		s.mu.Lock()
		s.reads[strings.ToLower(*f.UserID)]++
		s.mu.Unlock()
	}
	unknownEnums := strings.Contains(r.Header.Get("Prefer"), "include-unknown-enum-members")
	type hit struct {
		at time.Time
		m  map[string]any
	}
	var hits []hit
	for _, si := range s.tenant.SignIns {
		at := s.signInAt[str(si["id"])]
		if !s.matches(f, si, at, beta) {
			continue
		}
		o := clone(si)
		o["createdDateTime"] = at.Format(time.RFC3339)
		if !beta {
			delete(o, "signInEventTypes") // a beta property
		}
		if !unknownEnums {
			if ps, ok := o["appliedConditionalAccessPolicies"].([]any); ok {
				for _, p := range ps {
					if pm, ok := p.(map[string]any); ok && slices.Contains(reportOnly, str(pm["result"])) {
						pm["result"] = "unknownFutureValue"
					}
				}
			}
		}
		hits = append(hits, hit{at, o})
	}
	slices.SortStableFunc(hits, func(a, b hit) int { return b.at.Compare(a.at) }) // newest first, as Graph
	items := make([]map[string]any, len(hits))
	for i, h := range hits {
		items[i] = h.m
	}
	s.page(w, r, "auditLogs/signIns", items)
}

// matches applies a filter. v1.0 holds interactive sign-ins only; beta
// returns the event types its filter names, interactive ones without one.
func (s *Server) matches(f Filter, si map[string]any, at time.Time, beta bool) bool {
	interactive, _ := si["isInteractive"].(bool)
	switch {
	case f.UserID != nil && !strings.EqualFold(str(si["userId"]), *f.UserID),
		f.UserPrincipalName != nil && !strings.EqualFold(str(si["userPrincipalName"]), *f.UserPrincipalName),
		f.AppID != nil && !strings.EqualFold(str(si["appId"]), *f.AppID),
		!f.Since.IsZero() && (at.Before(f.Since) || f.SinceExclusive && at.Equal(f.Since)),
		!f.Until.IsZero() && (at.After(f.Until) || f.UntilExclusive && at.Equal(f.Until)):
		return false
	case !beta || len(f.EventTypes) == 0:
		return interactive
	}
	types, _ := si["signInEventTypes"].([]any)
	if len(types) == 0 && interactive {
		types = []any{"interactiveUser"}
	}
	for _, t := range types {
		if slices.Contains(f.EventTypes, str(t)) {
			return true
		}
	}
	return false
}

// page answers one page of items with $top and $skiptoken, and a nextLink
// when more remain.
func (s *Server) page(w http.ResponseWriter, r *http.Request, set string, items []map[string]any) {
	q := r.URL.Query()
	size := 100
	if top, err := strconv.Atoi(q.Get("$top")); err == nil && top > 0 {
		size = top
	}
	if s.pageSize > 0 && s.pageSize < size {
		size = s.pageSize
	}
	skip, _ := strconv.Atoi(q.Get("$skiptoken"))
	skip = min(max(skip, 0), len(items))
	end := min(skip+size, len(items))
	version := "v1.0"
	if strings.HasPrefix(r.URL.Path, "/beta/") {
		version = "beta"
	}
	out := map[string]any{"@odata.context": s.base + "/" + version + "/$metadata#" + set, "value": nonNil(items[skip:end])}
	if end < len(items) {
		q.Set("$skiptoken", strconv.Itoa(end))
		root := s.base
		if s.nextBase != "" {
			root = s.nextBase
		}
		out["@odata.nextLink"] = root + r.URL.EscapedPath() + "?" + q.Encode()
	}
	writeJSON(w, http.StatusOK, out)
}

func nonNil(v []map[string]any) []map[string]any {
	if v == nil {
		return []map[string]any{}
	}
	return v
}

type batchRequest struct {
	Requests []struct {
		ID      string            `json:"id"`
		Method  string            `json:"method"`
		URL     string            `json:"url"`
		Headers map[string]string `json:"headers"`
	} `json:"requests"`
}

type subResponse struct {
	ID      string            `json:"id"`
	Status  int               `json:"status"`
	Headers map[string]string `json:"headers,omitempty"`
	Body    json.RawMessage   `json:"body,omitempty"`
}

// handleBatch answers $batch as Graph does, by running each sub-request
// through the same mux, so a batched read is exactly as faithful as single
// calls. It is one round trip however many sub-requests it holds.
func (s *Server) handleBatch(w http.ResponseWriter, r *http.Request) {
	if s.noBatch {
		writeError(w, http.StatusNotFound, "Request_UnsupportedQuery", "Unsupported segment $batch.")
		return
	}
	if s.fault(w, r, "batch") {
		return
	}
	var in batchRequest
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&in); err != nil {
		writeError(w, http.StatusBadRequest, "BadRequest", "Invalid batch payload.")
		return
	}
	if len(in.Requests) == 0 || len(in.Requests) > 20 {
		writeError(w, http.StatusBadRequest, "BadRequest", "A batch holds 1 to 20 requests.")
		return
	}
	out := struct {
		Responses []subResponse `json:"responses"`
	}{}
	version := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/"), "/$batch")
	for _, q := range in.Requests {
		target := "/" + version + "/" + strings.TrimPrefix(q.URL, "/")
		sub, err := http.NewRequestWithContext(r.Context(), q.Method, target, nil)
		if err != nil || strings.Contains(q.URL, "://") {
			out.Responses = append(out.Responses, subResponse{ID: q.ID, Status: http.StatusBadRequest,
				Body: json.RawMessage(`{"error":{"code":"BadRequest","message":"Invalid request URL."}}`)})
			continue
		}
		for k, v := range q.Headers {
			sub.Header.Set(k, v)
		}
		if a := r.Header.Get("Authorization"); a != "" {
			sub.Header.Set("Authorization", a)
		}
		idx := s.record(sub, true)
		rec := httptest.NewRecorder()
		s.mux.ServeHTTP(rec, sub)
		s.setStatus(idx, rec.Code)
		h := map[string]string{}
		for k := range rec.Header() {
			h[k] = rec.Header().Get(k)
		}
		out.Responses = append(out.Responses, subResponse{ID: q.ID, Status: rec.Code, Headers: h,
			Body: json.RawMessage(bytes.TrimSpace(rec.Body.Bytes()))})
	}
	writeJSON(w, http.StatusOK, out)
}

// handleStrength serves one authenticationStrengthPolicy of the tenant.
func (s *Server) handleStrength(w http.ResponseWriter, r *http.Request) {
	if s.fault(w, r, "authenticationStrength") {
		return
	}
	id := r.PathValue("id")
	for _, p := range s.tenant.AuthenticationStrengthPolicies {
		if strings.EqualFold(str(p["id"]), id) {
			out := clone(p)
			out["@odata.context"] = s.base + "/v1.0/$metadata#identity/conditionalAccess/authenticationStrength/policies/$entity"
			writeJSON(w, http.StatusOK, out)
			return
		}
	}
	notFound(w, id)
}

// handleSecurityDefaults serves identitySecurityDefaultsEnforcementPolicy:
// the tenant file's, else Microsoft's documented body with isEnabled false
// (a tenant that uses Conditional Access).
func (s *Server) handleSecurityDefaults(w http.ResponseWriter, r *http.Request) {
	if s.fault(w, r, "securityDefaults") {
		return
	}
	out := map[string]any{
		"description": "Security defaults is a set of basic identity security mechanisms recommended by Microsoft. When enabled, these recommendations will be automatically enforced in your organization. Administrators and users will be better protected from common identity related attacks.",
		"displayName": "Security Defaults",
		"id":          "00000000-0000-0000-0000-000000000005",
		"isEnabled":   false,
	}
	if s.tenant.SecurityDefaults != nil {
		out = clone(s.tenant.SecurityDefaults)
	}
	out["@odata.context"] = s.base + "/v1.0/$metadata#policies/identitySecurityDefaultsEnforcementPolicy/$entity"
	writeJSON(w, http.StatusOK, out)
}

// handleRequirements serves a user's strongAuthenticationRequirements: the
// user's "authenticationRequirements" in the tenant file, else disabled.
func (s *Server) handleRequirements(w http.ResponseWriter, r *http.Request) {
	if s.fault(w, r, "requirements") {
		return
	}
	u, ok := s.pathUser(w, r)
	if !ok {
		return
	}
	out := map[string]any{"perUserMfaState": "disabled"}
	if req, ok := u["authenticationRequirements"].(map[string]any); ok {
		out = clone(req)
	}
	out["@odata.context"] = s.base + "/beta/$metadata#users('" + str(u["id"]) + "')/authentication/requirements/$entity"
	writeJSON(w, http.StatusOK, out)
}

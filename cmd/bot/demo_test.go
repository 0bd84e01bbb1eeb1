package main

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestDemoCheck: /demo/check answers every output and language, refuses
// unknown or bad parameters naming them, and counts as surface demo.
func TestDemoCheck(t *testing.T) {
	t.Parallel()
	srv := startServe(t, nil, nil)
	for _, tt := range []struct {
		query       string
		status      int
		contentType string
		body        string // a substring of the body
	}{
		{"user=adele@contoso.com", 200, "application/json", `"schemaVersion":1`},
		{"user=adele@contoso.com&output=json&lang=nl&since=3d&app=azure-portal", 200, "application/json", `"schemaVersion":1`},
		{"user=adele@contoso.com&output=text", 200, "text/plain", "adele@contoso.com"},
		{"user=adele@contoso.com&output=slack", 200, "application/json", `"blocks"`},
		{"user=adele@contoso.com&output=teams", 200, "application/json", `"AdaptiveCard"`},
		{"user=adele@contoso.com&colour=red", 400, "application/json", `"parameter":"colour"`},
		{"user=adele@contoso.com&output=xml", 400, "application/json", `"parameter":"output"`},
		{"user=adele@contoso.com&lang=de", 400, "application/json", `"parameter":"lang"`},
		{"user=adele@contoso.com&since=soon", 400, "application/json", `"parameter":"since"`},
		{"user=adele@contoso.com&since=45d", 400, "application/json", `"parameter":"since"`},
		{"user=adele@contoso.com&app=flight-simulator", 400, "application/json", `"parameter":"app"`},
		{"user=adele", 400, "application/json", `"parameter":"user"`},
		{"user=%3C@U024BE7LH%3E", 400, "application/json", `"parameter":"user"`},
		{"user=adele@contoso.com&user=megan@contoso.com", 400, "application/json", `"parameter":"user"`},
	} {
		code, header, body := get(t, srv.public+"/demo/check?"+tt.query)
		if code != tt.status || !strings.HasPrefix(header.Get("Content-Type"), tt.contentType) || !strings.Contains(body, tt.body) {
			t.Errorf("GET /demo/check?%s = %d %s %.200s; want %d %s containing %s", tt.query, code, header.Get("Content-Type"), body,
				tt.status, tt.contentType, tt.body)
		}
	}
	_, _, metrics := get(t, srv.metrics+"/metrics")
	if !strings.Contains(metrics, `onboard_commands_total{surface="demo",verdict="blocked"} 5`) {
		t.Errorf("demo checks not counted as surface demo:\n%s", grepLines(metrics, "onboard_commands_total"))
	}
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

func TestDemoCheckRateLimitedPerAddress(t *testing.T) {
	t.Parallel()
	srv := startServe(t, nil, func(s *server) { s.demoRate = rateLimit{limit: 2, window: time.Minute} })
	for i, want := range []int{200, 200, 429, 429} {
		code, header, body := get(t, srv.public+"/demo/check?user=adele@contoso.com")
		if code != want {
			t.Errorf("request %d = %d, want %d", i+1, code, want)
		}
		if code == http.StatusTooManyRequests && (header.Get("Retry-After") != "60" || !strings.Contains(body, `"error"`)) {
			t.Errorf("429 with Retry-After %q and body %s", header.Get("Retry-After"), body)
		}
	}
}

// TestDemoCheckDiagnosisLimit: past the chat surfaces' limit of diagnoses
// per requester, one client address gets 429 too.
func TestDemoCheckDiagnosisLimit(t *testing.T) {
	t.Parallel()
	srv := startServe(t, nil, func(s *server) { s.demoRate = rateLimit{limit: 1000, window: time.Minute} })
	var codes []int
	for range 21 {
		code, _, _ := get(t, srv.public+"/demo/check?user=megan@contoso.com&output=text")
		codes = append(codes, code)
	}
	if codes[19] != http.StatusOK || codes[20] != http.StatusTooManyRequests {
		t.Errorf("statuses %v; want 20 answers, then 429", codes)
	}
}

// FuzzDemoCheckQuery sends /demo/check any query string: it answers a
// diagnosis (200), names the parameter it refuses (400) or limits (429),
// never fails (500).
func FuzzDemoCheckQuery(f *testing.F) {
	for _, seed := range []string{
		"user=adele@contoso.com",
		"user=adele@contoso.com&output=teams&lang=nl&since=72h&app=azure-portal",
		"user=conor.o'brien@contoso.com&output=text",
		"user=adele_fabrikam.com%23EXT%23@contoso.onmicrosoft.com",
		"user=%3C@U024BE7LH%3E",
		"user=adele@contoso.com&since=45d",
		"user=adele@contoso.com&colour=red",
		"user=a&user=b",
		"%zz",
	} {
		f.Add(seed)
	}
	s, err := buildServer(f.Context(), environ(nil), slog.New(slog.DiscardHandler))
	if err != nil {
		f.Fatal(err)
	}
	s.demoRate = rateLimit{limit: 1 << 30, window: time.Minute}
	f.Fuzz(func(t *testing.T, query string) {
		r := httptest.NewRequest(http.MethodGet, "/demo/check", nil)
		r.URL.RawQuery = query
		w := httptest.NewRecorder()
		s.mux.ServeHTTP(w, r)
		switch w.Code {
		case http.StatusOK, http.StatusTooManyRequests:
		case http.StatusBadRequest:
			var body map[string]string
			if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil || body["error"] == "" {
				t.Errorf("400 without an error message: %q", w.Body.String())
			}
		default:
			t.Errorf("query %q: status %d %q", query, w.Code, w.Body.String())
		}
	})
}

package main

import (
	"net/http"
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

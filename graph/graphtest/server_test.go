package graphtest_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/onboard-check/onboard-check/graph/graphtest"
)

func TestParseFilter(t *testing.T) {
	t.Parallel()
	f, err := graphtest.ParseFilter("userPrincipalName eq 'conor.o''brien@contoso.com' and createdDateTime ge 2025-10-01T08:00:00Z" +
		" and createdDateTime lt 2025-10-02T08:00:00Z and signInEventTypes/any(t: t eq 'nonInteractiveUser' or t eq 'servicePrincipal')")
	if err != nil {
		t.Fatal(err)
	}
	if f.UserPrincipalName == nil || *f.UserPrincipalName != "conor.o'brien@contoso.com" {
		t.Errorf("userPrincipalName = %v", f.UserPrincipalName)
	}
	if !f.Since.Equal(time.Date(2025, 10, 1, 8, 0, 0, 0, time.UTC)) || !f.UntilExclusive || len(f.EventTypes) != 2 {
		t.Errorf("parsed %+v", f)
	}
	for _, bad := range []string{
		"userId eq 'x", "userId eq 'a'' or true", "userId ne 'x'", "displayName eq 'x'", "userId eq 'x' or userId eq 'y'",
		"createdDateTime ge yesterday", "signInEventTypes/any(t: t eq 'a'", "userId eq 'x' and",
	} {
		if _, err := graphtest.ParseFilter(bad); err == nil {
			t.Errorf("ParseFilter(%q) = nil error, want one", bad)
		}
	}
}

func tenant() *graphtest.Tenant {
	t := &graphtest.Tenant{Users: []map[string]any{{"id": "u1", "userPrincipalName": "Conor.O'Brien@contoso.com", "memberOf": []any{"g1"}}},
		Groups: []map[string]any{{"id": "g1", "displayName": "IT"}}}
	for i := range 5 {
		t.SignIns = append(t.SignIns, map[string]any{"id": string(rune('a' + i)), "createdDateTime": "-" + string(rune('1'+i)),
			"userId": "u1", "userPrincipalName": "conor.o'brien@contoso.com", "isInteractive": true})
	}
	return t
}

func get(t *testing.T, c *http.Client, u string, h map[string]string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, u, nil)
	for k, v := range h {
		req.Header.Set(k, v)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	b, _ := io.ReadAll(resp.Body)
	_ = json.Unmarshal(b, &body)
	return resp.StatusCode, body
}

func TestServer(t *testing.T) {
	t.Parallel()
	srv := graphtest.NewServer(t, tenant(), graphtest.WithToken("tok"), graphtest.WithPageSize(2))
	auth := map[string]string{"Authorization": "Bearer tok"}

	if status, body := get(t, srv.Client(), srv.URL()+"/v1.0/users/u1", nil); status != 401 ||
		body["error"].(map[string]any)["code"] != "InvalidAuthenticationToken" {
		t.Errorf("no token: %d %v", status, body)
	}
	if status, body := get(t, srv.Client(), srv.URL()+"/v1.0/users/CONOR.O%27BRIEN@contoso.com?$select=id", auth); status != 200 || body["id"] != "u1" || body["userPrincipalName"] != nil {
		t.Errorf("user by UPN with $select: %d %v", status, body)
	}
	if status, _ := get(t, srv.Client(), srv.URL()+"/v1.0/users/nobody@contoso.com", auth); status != 404 {
		t.Errorf("unknown user: %d, want 404", status)
	}

	// Paging: 5 sign-ins, 2 a page, newest first.
	next := srv.URL() + "/v1.0/auditLogs/signIns?$filter=" + url.QueryEscape("userPrincipalName eq 'conor.o''brien@contoso.com'")
	var ids []string
	for next != "" {
		status, body := get(t, srv.Client(), next, auth)
		if status != 200 {
			t.Fatalf("sign-ins page: %d %v", status, body)
		}
		for _, v := range body["value"].([]any) {
			ids = append(ids, v.(map[string]any)["id"].(string))
		}
		next, _ = body["@odata.nextLink"].(string)
	}
	if got := strings.Join(ids, ""); got != "abcde" {
		t.Errorf("paged ids = %q, want abcde", got)
	}
	if srv.RoundTrips() != 6 {
		t.Errorf("RoundTrips = %d, want 6", srv.RoundTrips())
	}
}

func TestServerBatch(t *testing.T) {
	t.Parallel()
	srv := graphtest.NewServer(t, tenant(), graphtest.WithFault("memberOf", graphtest.Fault{Status: 429, RetryAfter: 3, Times: 1}))
	payload := `{"requests":[{"id":"1","method":"GET","url":"/users/u1"},{"id":"2","method":"GET","url":"/users/u1/transitiveMemberOf"},{"id":"3","method":"GET","url":"/users/u1/transitiveMemberOf"}]}`
	resp, err := srv.Client().Post(srv.URL()+"/v1.0/$batch", "application/json", strings.NewReader(payload))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Responses []struct {
			ID      string
			Status  int
			Headers map[string]string
			Body    map[string]any
		}
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	if len(out.Responses) != 3 || out.Responses[0].Status != 200 || out.Responses[1].Status != 429 ||
		out.Responses[1].Headers["Retry-After"] != "3" || out.Responses[2].Status != 200 {
		t.Errorf("batch responses = %+v", out.Responses)
	}
	if v := out.Responses[2].Body["value"].([]any); len(v) != 1 || v[0].(map[string]any)["@odata.type"] != "#microsoft.graph.group" {
		t.Errorf("memberships = %v", v)
	}
	if srv.RoundTrips() != 1 || len(srv.Requests()) != 4 {
		t.Errorf("RoundTrips = %d, requests = %d; want 1 and 4 (the batch and its sub-requests)", srv.RoundTrips(), len(srv.Requests()))
	}
}

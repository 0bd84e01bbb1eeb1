package teams_test

import (
	"net/http"
	"testing"

	"github.com/onboard-check/onboard-check/adapters/teams/teamstest"
)

// TestIdentityRefusals: activities whose token is valid but whose sender
// the bot does not serve are refused before anything runs: no reply, no
// token fetched, no directory read, nothing stored but the audit entry of
// the refusal.
func TestIdentityRefusals(t *testing.T) {
	t.Parallel()
	const otherTenant = "8a1c9e3b-0000-4000-8000-000000000001"
	for _, tt := range []struct {
		name   string
		edit   func(a map[string]any)
		status int
		reason string // the refusal audited
	}{
		// Web Chat and Direct Line clients choose from.id themselves; the
		// channel is not served at all.
		{"web chat", func(a map[string]any) {
			a["channelId"] = "webchat"
			a["from"] = map[string]any{"id": "dl_adele", "name": "Adele"}
		}, http.StatusForbidden, "channel_not_allowed"},
		{"direct line claiming an object id", func(a map[string]any) {
			a["channelId"] = "directline"
			a["from"] = map[string]any{"id": teamstest.RequesterID, "aadObjectId": teamstest.RequesterID}
		}, http.StatusForbidden, "channel_not_allowed"},
		{"emulator when not allowed", func(a map[string]any) { a["channelId"] = "emulator" }, http.StatusForbidden, "channel_not_allowed"},
		{"no channel", func(a map[string]any) { delete(a, "channelId") }, http.StatusForbidden, "channel_not_allowed"},
		// On Teams, from.id is never a fallback for aadObjectId.
		{"no aadObjectId", func(a map[string]any) {
			a["from"] = map[string]any{"id": "29:1helpdesk", "name": "Jan de Vries"}
		}, http.StatusOK, "unauthenticated"},
		{"empty aadObjectId", func(a map[string]any) {
			a["from"] = map[string]any{"id": "29:1helpdesk", "aadObjectId": " "}
		}, http.StatusOK, "unauthenticated"},
		{"another tenant", func(a map[string]any) {
			a["conversation"].(map[string]any)["tenantId"] = otherTenant
			a["channelData"].(map[string]any)["tenant"] = map[string]any{"id": otherTenant}
		}, http.StatusOK, "foreign_tenant"},
		{"tenant fields disagree", func(a map[string]any) {
			a["channelData"].(map[string]any)["tenant"] = map[string]any{"id": otherTenant}
		}, http.StatusOK, "tenant_mismatch"},
		{"no tenant", func(a map[string]any) {
			delete(a["conversation"].(map[string]any), "tenantId")
			delete(a["channelData"].(map[string]any), "tenant")
		}, http.StatusOK, "foreign_tenant"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := setup(t, options{})
			act := mentionActivity(e, "i1", channelThread, "onboard-check adele@contoso.com")
			tt.edit(act)
			if code := e.post(t, act); code != tt.status {
				t.Errorf("status %d, want %d", code, tt.status)
			}
			e.drain(t)
			if got := e.bf.Replies(); len(got) != 0 {
				t.Errorf("replies = %v, want none", got)
			}
			if n := e.bf.TokenRequests(); n != 0 {
				t.Errorf("%d token requests for a refused activity", n)
			}
			if n := e.src.calls.Load(); n != 0 {
				t.Errorf("%d directory reads for a refused activity", n)
			}
			// The one write is the audit entry of the refusal.
			if n := e.store.writes.Load(); n != 1 {
				t.Errorf("%d store writes for a refused activity, want the audit entry", n)
			}
			if got, _ := e.store.Recent(t.Context(), 5); len(got) != 1 || got[0].Refusal != tt.reason || got[0].Surface != "teams" {
				t.Errorf("audit = %+v, want one refusal %q", got, tt.reason)
			}
		})
	}
}

// TestIdentityAccepted: what Teams sends is served: the tenant named in
// conversation.tenantId alone or in channelData alone, a tenant from
// Tenants, and the Emulator when it is allowed.
func TestIdentityAccepted(t *testing.T) {
	t.Parallel()
	const second = "0d3f1a2b-1111-4222-8333-444455556666"
	for _, tt := range []struct {
		name string
		o    options
		edit func(a map[string]any)
	}{
		{"conversation.tenantId only", options{}, func(a map[string]any) { delete(a["channelData"].(map[string]any), "tenant") }},
		{"channelData.tenant only", options{}, func(a map[string]any) { delete(a["conversation"].(map[string]any), "tenantId") }},
		{"tenant in another case", options{}, func(a map[string]any) {
			a["conversation"].(map[string]any)["tenantId"] = "41027A4C-BDB6-55FE-8E2C-24A65F6F4D0A"
		}},
		{"a listed tenant", options{tenants: []string{second}}, func(a map[string]any) {
			a["conversation"].(map[string]any)["tenantId"] = second
			a["channelData"].(map[string]any)["tenant"] = map[string]any{"id": second}
		}},
		{"emulator when allowed", options{emulator: true}, func(a map[string]any) { a["channelId"] = "emulator" }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := setup(t, tt.o)
			act := mentionActivity(e, "i2", channelThread, "explain 53003")
			tt.edit(act)
			if code := e.post(t, act); code != http.StatusOK {
				t.Errorf("status %d, want 200", code)
			}
			if got := e.bf.WaitAnswers(waitCtx(t), 1); len(got) != 1 || !contains(got[0], "53003") {
				t.Errorf("replies = %v", got)
			}
		})
	}
}

// TestUnhandledInvoke: an invoke the bot does not handle (a message
// extension query, a task module fetch) is answered 501, as botbuilder
// answers it, and nothing runs.
func TestUnhandledInvoke(t *testing.T) {
	t.Parallel()
	e := setup(t, options{})
	for _, name := range []string{"composeExtension/query", "task/fetch", "adaptiveCard/action", ""} {
		act := e.bf.Activity("inv-"+name, channelThread, "", map[string]any{"type": "invoke", "name": name,
			"value": map[string]any{"commandId": "search", "parameters": []any{map[string]any{"name": "q", "value": "adele"}}}})
		if code := e.post(t, act); code != http.StatusNotImplemented {
			t.Errorf("invoke %q: status %d, want 501", name, code)
		}
	}
	e.drain(t)
	if n := len(e.bf.Replies()); n != 0 {
		t.Errorf("%d replies to invokes", n)
	}
}

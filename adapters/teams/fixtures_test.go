package teams_test

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"testing"
)

// docsActivity reads one of Microsoft's documented activities from
// testdata/activities (sources in testdata/README.md) with every field
// kept; only serviceUrl is pointed at the fake, as the token's serviceurl
// claim is.
func docsActivity(t *testing.T, e *env, name string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "activities", name))
	if err != nil {
		t.Fatal(err)
	}
	var a map[string]any
	if err := json.Unmarshal(b, &a); err != nil {
		t.Fatal(err)
	}
	a["serviceUrl"] = e.bf.URL()
	return a
}

// TestDocumentedBotAddedToTeam: Microsoft's own teamMemberAdded payload
// for a bot added to a team is answered with the welcome, as a new message
// in the channel the installer chose.
func TestDocumentedBotAddedToTeam(t *testing.T) {
	t.Parallel()
	e := setup(t, options{tenant: "b28fdbfd-2b78-4f93-b0f8-8881793f0f8f"})
	if code := e.post(t, docsActivity(t, e, "docs_bot_added_to_team.json")); code != http.StatusOK {
		t.Fatalf("status %d", code)
	}
	got := e.bf.Answers()
	if len(got) != 1 || got[0].Path != "/v3/conversations/19:0b7f32667e064dd9b25d7969801541f4@thread.tacv2/activities" || !contains(got[0], "Check an account") {
		t.Errorf("welcome = %v", got)
	}
}

// TestDocumentedActivitiesRefused: documented payloads that carry no
// tenant or no aadObjectId are not served: the 2017 mention example (no
// tenant, no aadObjectId) and a channelCreated event from another tenant.
func TestDocumentedActivitiesRefused(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		file, tenant, audited string
	}{
		{"docs_mention_without_identity.json", "", "foreign_tenant"},
		{"docs_channel_created.json", "", ""},
		{"docs_channel_created.json", "72f988bf-86f1-41af-91ab-2d7cd011db47", ""}, // an event: nothing to answer or audit
	} {
		t.Run(tt.file+tt.tenant, func(t *testing.T) {
			t.Parallel()
			e := setup(t, options{tenant: tt.tenant})
			if code := e.post(t, docsActivity(t, e, tt.file)); code != http.StatusOK {
				t.Errorf("status %d, want 200", code)
			}
			e.drain(t)
			if got := e.bf.Replies(); len(got) != 0 {
				t.Errorf("replies = %v", got)
			}
			audit, _ := e.store.Recent(t.Context(), 5)
			switch {
			case tt.audited == "" && len(audit) != 0:
				t.Errorf("audit = %+v, want none for an event", audit)
			case tt.audited != "" && (len(audit) != 1 || audit[0].Refusal != tt.audited):
				t.Errorf("audit = %+v, want one refusal %q", audit, tt.audited)
			}
		})
	}
}

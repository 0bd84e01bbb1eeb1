package teams

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestRouteCarriesWhatAReplyNeeds: the route stored with a job names the
// validated serviceUrl, the conversation, the activity answered, the
// tenant and locale, the accounts and the mentioned people, and survives
// JSON, so that any replica can reply.
func TestRouteCarriesWhatAReplyNeeds(t *testing.T) {
	t.Parallel()
	body, err := os.ReadFile(filepath.Join("testdata", "fuzz", "FuzzParseActivity", "channel_mention"))
	if err != nil {
		t.Fatal(err)
	}
	a, err := parseActivity(fuzzValue(t, body))
	if err != nil {
		t.Fatal(err)
	}
	rt := newRoute(a, "tenant-1")
	rt.Ack = "1:ack"
	b, err := json.Marshal(rt)
	if err != nil {
		t.Fatal(err)
	}
	var fields map[string]any
	_ = json.Unmarshal(b, &fields)
	for _, k := range []string{"serviceUrl", "conversation", "activity", "ack", "tenant", "locale", "bot", "user"} {
		if _, ok := fields[k]; !ok {
			t.Errorf("route %s lacks %s", b, k)
		}
	}
	back, err := decodeRoute(b)
	if err != nil {
		t.Fatal(err)
	}
	if back.ServiceURL != a.ServiceURL || back.Conversation != a.Conversation.ID || back.Activity != a.ID || back.Ack != "1:ack" ||
		back.Tenant != "tenant-1" || back.User.AadObjectID != a.From.AadObjectID || back.Bot.ID != a.Recipient.ID {
		t.Errorf("route round trip = %+v from %s", back, b)
	}
	if _, err := decodeRoute([]byte(`{"conversation":"x"}`)); err == nil {
		t.Error("a route without serviceUrl decoded")
	}
}

// fuzzValue reads the []byte value of a Go fuzz corpus file.
func fuzzValue(t *testing.T, file []byte) []byte {
	t.Helper()
	for _, line := range strings.Split(string(file), "\n") {
		if q, ok := strings.CutPrefix(line, "[]byte("); ok {
			s, err := strconv.Unquote(strings.TrimSuffix(q, ")"))
			if err != nil {
				t.Fatal(err)
			}
			return []byte(s)
		}
	}
	t.Fatal("no []byte value in the corpus file")
	return nil
}

// FuzzDecodeRoute: a stored route never panics the decoder, and what it
// accepts has a serviceUrl and a conversation to post to.
func FuzzDecodeRoute(f *testing.F) { // more seeds live in testdata/fuzz/FuzzDecodeRoute/
	f.Add([]byte(`{"serviceUrl":"https://smba.trafficmanager.net/emea/","conversation":"19:x@thread.tacv2;messageid=1","activity":"1","ack":"2","tenant":"t","locale":"nl-NL","bot":{"id":"28:b"},"user":{"id":"29:u","aadObjectId":"o"}}`))
	f.Add([]byte(`{"serviceUrl":7}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		rt, err := decodeRoute(b)
		if err != nil {
			return
		}
		if rt.ServiceURL == "" || rt.Conversation == "" {
			t.Errorf("decodeRoute(%q) = %+v without serviceUrl or conversation", b, rt)
		}
		_ = rt.activitiesURL(rt.Ack)
		_ = rt.limiterKey()
		_, _ = rt.mentioned("x")
	})
}

package teams

import (
	"testing"
	"time"
)

func TestCommand(t *testing.T) {
	t.Parallel()
	bot := `{"type":"mention","text":"<at>onboard-check</at>","mentioned":{"id":"28:bot","name":"onboard-check"}}`
	megan := `{"type":"mention","text":"<at>Megan Bowen</at>","mentioned":{"id":"29:megan","name":"Megan Bowen","aadObjectId":"m"}}`
	for _, tt := range []struct {
		name, text, entities, value, want string
	}{
		{"channel mention", `<at>onboard-check</at> onboard-check adele@contoso.com`, bot, "", "onboard-check adele@contoso.com"},
		{"mention in the middle", `check <at>onboard-check</at> adele@contoso.com`, bot, "", "check adele@contoso.com"},
		{"personal chat", `onboard-check adele@contoso.com`, "", "", "onboard-check adele@contoso.com"},
		{"person mentioned", `<at>onboard-check</at> onboard-check <at>Megan Bowen</at>`, bot + "," + megan, "", "onboard-check <at>Megan Bowen</at>"},
		{"html and entities", `<p><at>onboard-check</at>&nbsp;conor.o&#39;brien@contoso.com</p>`, bot, "", "conor.o'brien@contoso.com"},
		{"non-breaking space", "<at>onboard-check</at>\u00a0details\n", bot, "", "details"},
		{"a link around the address", `<at>onboard-check</at> <a href="mailto:adele@contoso.com">adele@contoso.com</a>`, bot, "", "adele@contoso.com"},
		{"another bot's mention stays", `<at>other</at> details`, `{"type":"mention","text":"<at>other</at>","mentioned":{"id":"28:other"}}`, "", "<at>other</at> details"},
		{"card submit", "", "", `{"action":"details","id":"abc"}`, "details"},
		{"card submit recheck", "ignored", "", `{"action":"recheck","id":"abc"}`, "recheck"},
		{"unknown submit falls back to the text", "help", "", `{"action":"launch"}`, "help"},
		{"value not an object", "explain 53003", "", `"text"`, "explain 53003"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			body := `{"type":"message","id":"1","serviceUrl":"https://x/","conversation":{"id":"a:1"},"recipient":{"id":"28:bot"},"text":` + quote(tt.text)
			if tt.entities != "" {
				body += `,"entities":[` + tt.entities + `]`
			}
			if tt.value != "" {
				body += `,"value":` + tt.value
			}
			a, err := parseActivity([]byte(body + "}"))
			if err != nil {
				t.Fatal(err)
			}
			if got := a.command(); got != tt.want {
				t.Errorf("command() = %q, want %q", got, tt.want)
			}
		})
	}
}

func quote(s string) string {
	b := []byte{'"'}
	for _, r := range s {
		switch r {
		case '"', '\\':
			b = append(b, '\\', byte(r))
		case '\n':
			b = append(b, '\\', 'n')
		default:
			b = append(b, string(r)...)
		}
	}
	return string(append(b, '"'))
}

func TestThread(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		id, kind, conv, root string
	}{
		{"19:c@thread.tacv2;messageid=1700000000001", "channel", "19:c@thread.tacv2", "1700000000001"},
		{"19:c@thread.tacv2", "channel", "19:c@thread.tacv2", "act-1"},
		{"a:1personal", "personal", "a:1personal", "a:1personal"},
		{"19:group@thread.v2", "groupChat", "19:group@thread.v2", "19:group@thread.v2"},
		{";messageid=", "", ";messageid=", ";messageid="},
	} {
		a := activity{ID: "act-1"}
		a.Conversation.ID, a.Conversation.ConversationType = tt.id, tt.kind
		if conv, root := a.thread(); conv != tt.conv || root != tt.root {
			t.Errorf("thread(%q, %s) = %q, %q; want %q, %q", tt.id, tt.kind, conv, root, tt.conv, tt.root)
		}
	}
}

func TestParseActivityTolerates(t *testing.T) {
	t.Parallel()
	a, err := parseActivity([]byte(`{"type":"message","serviceUrl":"https://x/","conversation":{"id":"a:1","tenantId":"t"},
		"from":{"id":"29:1","aadObjectId":7},"channelData":"oops","value":[1,2],"entities":[{"type":"mention","text":"<at>b</at>","mentioned":{"id":"28:b"}},{"type":"clientInfo","locale":5}],"text":"details"}`))
	if err != nil {
		t.Fatalf("parseActivity: %v", err)
	}
	if a.Text != "details" || func() string { id, _ := a.tenantID(); return id }() != "t" || len(a.mentions()) != 1 {
		t.Errorf("decoded %+v", a)
	}
	for _, body := range []string{`not json`, `{"type":"message"}`, `{"type":"message","serviceUrl":"https://x/","conversation":"a:1"}`, `[]`} {
		if _, err := parseActivity([]byte(body)); err == nil {
			t.Errorf("parseActivity(%s) accepted it", body)
		}
	}
}

func TestRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Duration{"": 0, "3": 3 * time.Second, "-1": 0, "600": maxRetryAfter,
		"Sat, 28 Nov 2026 10:00:07 GMT": 7 * time.Second, "soon": 0} {
		if got := retryAfter(in, now); got != want {
			t.Errorf("retryAfter(%q) = %v, want %v", in, got, want)
		}
	}
}

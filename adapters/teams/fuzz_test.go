package teams

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// FuzzParseActivity feeds arbitrary bodies to the activity decoder and the
// readers of a decoded activity: none may panic, every accepted activity
// has a thread, and a command never keeps the bot's own mention.
func FuzzParseActivity(f *testing.F) { // more seeds live in testdata/fuzz/FuzzParseActivity/
	f.Add([]byte(`{"type":"message","id":"1","serviceUrl":"https://smba.trafficmanager.net/emea/","channelId":"msteams","from":{"id":"29:1","aadObjectId":"a"},"conversation":{"id":"19:x@thread.tacv2;messageid=1","tenantId":"t"},"recipient":{"id":"28:bot"},"text":"<at>onboard-check</at> details","entities":[{"type":"mention","text":"<at>onboard-check</at>","mentioned":{"id":"28:bot","name":"onboard-check"}}]}`))
	f.Add([]byte(`{"type":"message","id":"2","serviceUrl":"https://x/","conversation":{"id":"a:1"},"value":"not an object"}`))
	f.Add([]byte(`{"type":"message","id":"3","serviceUrl":"https://x/","conversation":{"id":"a:1"},"value":{"action":"recheck","id":"abc"}}`))
	f.Add([]byte(`{"type":"conversationUpdate","id":"4","serviceUrl":"https://x/","conversation":{"id":"19:c@thread.tacv2","conversationType":"channel"},"recipient":{"id":"28:bot"},"membersAdded":[{"id":"28:bot"}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		a, err := parseActivity(body)
		if err != nil {
			return
		}
		conv, root := a.thread()
		if conv == "" || root == "" {
			t.Errorf("thread of %q = %q, %q", a.Conversation.ID, conv, root)
		}
		cmd := a.command()
		for _, m := range a.mentions() {
			if m.Mentioned.ID == a.Recipient.ID && len(m.Text) > len("<at></at>") && strings.Contains(m.Text, "<at>") && strings.Contains(cmd, m.Text) {
				if _, ok := a.submitted(); !ok {
					t.Errorf("command %q keeps the bot's mention %q", cmd, m.Text)
				}
			}
		}
		_, _ = a.submitted()
		_, _ = a.tenantID()
		_ = a.botAdded()
		_, _, _ = Config{TenantID: "t"}.identify(a)
		_, _ = newRoute(a, "t").mentioned("x")
	})
}

// FuzzValidate feeds arbitrary Authorization headers, and so arbitrary JWT
// headers, to the validator: it must refuse every one, since no key of
// the fake signed them, and never panic.
func FuzzValidate(f *testing.F) { // more seeds live in testdata/fuzz/FuzzValidate/
	header := func(h string) string { return base64.RawURLEncoding.EncodeToString([]byte(h)) }
	claims := header(`{"iss":"https://api.botframework.com","aud":"app","serviceurl":"https://x/","exp":1900000000}`)
	f.Add("Bearer " + header(`{"alg":"none","typ":"JWT"}`) + "." + claims + ".")
	f.Add("Bearer " + header(`{"alg":"HS256","kid":"k1"}`) + "." + claims + ".c2ln")
	f.Add("Bearer " + header(`{"alg":"RS256","kid":"k1","x5t":"k1"}`) + "." + claims + ".c2ln")
	f.Add("Bearer " + header(`{"alg":"RS256"}`) + "." + claims + ".c2ln")
	f.Add("Bearer " + header(`{"alg":"RS256","kid":{"x":1}}`) + "." + claims + ".c2ln")
	f.Add("Bearer a.b.c")
	f.Add("bearer  ")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/openid" {
			_, _ = w.Write([]byte(`{"jwks_uri":"` + "http://" + r.Host + `/keys"}`))
			return
		}
		_, _ = w.Write([]byte(`{"keys":[{"kty":"RSA","kid":"k1","n":"` + strings.Repeat("A", 342) + `","e":"AQAB"}]}`))
	}))
	f.Cleanup(srv.Close)
	v := NewValidator("app", srv.URL+"/openid", srv.Client(), func() time.Time { return time.Unix(1_700_000_000, 0) })
	f.Fuzz(func(t *testing.T, auth string) {
		if _, err := v.Validate(context.Background(), auth, "https://x/", "msteams"); err == nil {
			t.Errorf("Validate(%q) accepted a token no key signed", auth)
		}
	})
}

// FuzzRSAKey feeds arbitrary JWK numbers and certificates, as a key set
// from the network may hold them, to the key reader: it never panics, and
// a key it returns has a modulus and a positive exponent.
func FuzzRSAKey(f *testing.F) { // more seeds live in testdata/fuzz/FuzzRSAKey/
	f.Add("sJp1MYbt4XK0vsCvpMjCw1_AaKGYAyEvbZtVyjbhGGN4hW7lFcA8P6gO1B4UgOBUNFRkDSlnkZM8J7JmnMaAoD2Qh9i0wZxE6RVZJxCnhsDtgtoE9AsE0lkD1vt1q2D9E7wf6z3jKGu3VmNu3pXeNiFBvvQ2jHwNU8GdaSqTAiyb5r3oXNqQEHMSrDNNhxxjKYyUZm5j_xS2u16kSWA8hI-CGP6a8_Q-ll3BYYn-ZCI9mqL_IKnvn61U7IGj0-sE8EDBP7eDkvGyzO7LxLbR-hGo4_6EfSOhfILJHgNbmZ7pUP4nSbm5mUuIAbCb8CqJH6Wv1o0sOY7pBFakRA19Q", "AQAB", "")
	f.Add("sJp1MYbt4XK0vsCvpMjCw1+AaKGYAyEvbZtVyjbhGGN4hW7lFcA8P6gO1B4UgOBUNFRkDSlnkZM8J7JmnMaAoD2Qh9i0wZxE6RVZJxCnhsDtgtoE9AsE0lkD1vt1q2D9E7wf6z3jKGu3VmNu3pXeNiFBvvQ2jHwNU8GdaSqTAiyb5r3oXNqQEHMSrDNNhxxjKYyUZm5j/xS2u16kSWA8hI+CGP6a8/Q+ll3BYYn+ZCI9mqL/IKnvn61U7IGj0+sE8EDBP7eDkvGyzO7LxLbR+hGo4/6EfSOhfILJHgNbmZ7pUP4nSbm5mUuIAbCb8CqJH6Wv1o0sOY7pBFakRA19Q==", "AQAB", "")
	f.Add("", "", "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA")
	f.Add("AA", "AAAAAAAA", "")
	f.Fuzz(func(t *testing.T, n, e, x5c string) {
		var chain []string
		if x5c != "" {
			chain = []string{x5c}
		}
		k := rsaKey(n, e, chain)
		if k != nil && (k.N == nil || k.N.Sign() <= 0 || k.E <= 0) {
			t.Errorf("rsaKey(%q, %q, %q) = a key with N %v, E %d", n, e, x5c, k.N, k.E)
		}
	})
}

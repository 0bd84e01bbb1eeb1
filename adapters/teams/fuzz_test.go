package teams

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func FuzzParseActivity(f *testing.F) {
	f.Add([]byte(`{"type":"message","id":"1","serviceUrl":"https://smba.trafficmanager.net/emea/","channelId":"msteams","from":{"id":"29:1","aadObjectId":"a"},"conversation":{"id":"19:x@thread.tacv2;messageid=1","tenantId":"t"},"recipient":{"id":"28:bot"},"text":"<at>onboard-check</at> details","entities":[{"type":"mention","text":"<at>onboard-check</at>","mentioned":{"id":"28:bot","name":"onboard-check"}}]}`))
	f.Add([]byte(`{"type":"message","id":"2","serviceUrl":"https://x/","conversation":{"id":"a:1"},"value":"not an object"}`))
	f.Add([]byte(`{"type":"message","id":"3","serviceUrl":"https://x/","conversation":{"id":"a:1"},"value":{"action":"recheck","id":"abc"}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		a, err := parseActivity(body)
		if err != nil {
			return
		}
		conv, root := a.thread()
		if conv == "" || root == "" {
			t.Errorf("thread of %q = %q, %q", a.Conversation.ID, conv, root)
		}
		_ = a.command()
		_ = a.submitID()
		_ = a.tenantID()
	})
}

// FuzzValidate feeds arbitrary bearer tokens to the validator: it must
// refuse every one that the fake key did not sign, without panicking.
func FuzzValidate(f *testing.F) {
	f.Add("Bearer eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJpc3MiOiJodHRwczovL2FwaS5ib3RmcmFtZXdvcmsuY29tIn0.")
	f.Add("Bearer a.b.c")
	f.Add("eyJhbGciOiJSUzI1NiIsImtpZCI6IngifQ.e30.sig")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/openid" {
			_, _ = w.Write([]byte(`{"jwks_uri":"` + "http://" + r.Host + `/keys"}`))
			return
		}
		_, _ = w.Write([]byte(`{"keys":[]}`))
	}))
	f.Cleanup(srv.Close)
	v := NewValidator("app", srv.URL+"/openid", srv.Client(), func() time.Time { return time.Unix(1_700_000_000, 0) })
	f.Fuzz(func(t *testing.T, auth string) {
		if _, err := v.Validate(context.Background(), auth, "https://x/", "msteams"); err == nil {
			t.Errorf("Validate(%q) accepted a token no key signed", auth)
		}
	})
}

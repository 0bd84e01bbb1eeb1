package teams_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/onboard-check/onboard-check/adapters/teams"
	"github.com/onboard-check/onboard-check/adapters/teams/teamstest"
)

// TestNoSecretLeaks makes every remote call of the Teams surface fail in
// turn and asserts that neither the app password, nor a token the bot was
// issued, nor the bearer token it was sent appears in its logs, its
// errors or what it posts, while the failure itself is logged.
func TestNoSecretLeaks(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name   string
		fault  func(e *env)
		dead   bool   // the activity's serviceUrl (and its token's) does not answer
		logged string // what the log must say, so the failure is visible
	}{
		{"token endpoint 401", func(e *env) { e.bf.ExpectClient(appID, "a-password-the-endpoint-expects") }, false, "AADSTS7000215"},
		{"token endpoint 500", func(e *env) { e.bf.FailTokens(20, http.StatusInternalServerError) }, false, "status 500"},
		{"connector 500", func(e *env) { e.bf.Fail(20, http.StatusInternalServerError) }, false, "connector status 500"},
		{"connector unreachable", nil, true, "connect"},
		{"keys unreachable", func(e *env) { e.bf.FailMetadata(http.StatusServiceUnavailable) }, false, "request refused"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := setup(t, options{})
			if tt.fault != nil {
				tt.fault(e)
			}
			claims := e.bf.Claims(appID, time.Now())
			act := mentionActivity(e, "leak-1", channelThread, "onboard-check adele@contoso.com")
			if tt.dead {
				claims["serviceurl"] = "http://127.0.0.1:1/teams/"
				act["serviceUrl"] = "http://127.0.0.1:1/teams/"
			}
			incoming := e.bf.Mint(claims)
			teamstest.Post(t, e.h, "Bearer "+incoming, act)
			e.drain(t)

			var seen strings.Builder
			seen.WriteString(e.logs.String())
			for _, r := range e.bf.Replies() {
				seen.WriteString(r.String())
			}
			out := seen.String()
			secrets := append([]string{password, incoming}, e.bf.Issued()...)
			for _, s := range secrets {
				if strings.Contains(out, s) {
					t.Errorf("a secret (%.12s…) leaked into the logs or replies:\n%s", s, out)
				}
			}
			if strings.Contains(e.logs.String(), "Bearer") {
				t.Errorf("an Authorization value reached the log:\n%s", e.logs.String())
			}
			if !strings.Contains(e.logs.String(), tt.logged) {
				t.Errorf("the failure is not logged (want %q):\n%s", tt.logged, e.logs.String())
			}
		})
	}
}

// TestErrorsLeakNoSecret: the errors of the token source and the
// validator, printed every way, hold no password or token.
func TestErrorsLeakNoSecret(t *testing.T) {
	t.Parallel()
	bf := teamstest.NewServer(t)
	bf.ExpectClient(appID, "another-password")
	var errs []error
	for _, tokenURL := range []string{bf.TokenURL(), "http://127.0.0.1:1/token?secret=" + password} {
		tk, err := teams.NewTokens(teams.Config{AppID: appID, Password: password, TenantID: teamstest.TenantID, TokenURL: tokenURL}, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		_, err = tk.Token(t.Context())
		if err == nil {
			t.Fatalf("%s: Token succeeded", tokenURL)
		}
		errs = append(errs, err)
	}
	bf.FailMetadata(http.StatusInternalServerError)
	tok := bf.Mint(bf.Claims(appID, time.Now()))
	_, err := teams.NewValidator(appID, bf.OpenIDURL(), nil, nil).Validate(context.Background(), "Bearer "+tok, bf.URL(), "msteams")
	if err == nil {
		t.Fatal("Validate accepted a token without keys")
	}
	errs = append(errs, err)
	var out strings.Builder
	log := slog.New(slog.NewJSONHandler(&out, nil))
	for _, err := range errs {
		fmt.Fprintf(&out, "%v %+v %#v %s\n", err, err, err, err)
		log.Error("failed", slog.Any("err", err))
	}
	for _, s := range []string{password, tok} {
		if strings.Contains(out.String(), s) {
			t.Errorf("a secret leaked into an error:\n%s", out.String())
		}
	}
}

package teams_test

import (
	"errors"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/onboard-check/onboard-check/adapters/teams"
	"github.com/onboard-check/onboard-check/adapters/teams/teamstest"
)

// TestValidatorAcceptsWhatSDKsAccept: tokens Microsoft's SDKs accept are
// accepted, next to the near-misses that stay refused.
func TestValidatorAcceptsWhatSDKsAccept(t *testing.T) {
	t.Parallel()
	const connector = "https://smba.trafficmanager.net/emea/"
	clk := newClock()
	type token func(bf *teamstest.Server) string
	bfToken := func(edit func(jwt.MapClaims)) token {
		return func(bf *teamstest.Server) string {
			c := bf.Claims(appID, clk.now())
			edit(c)
			return bf.Mint(c)
		}
	}
	entra := func(aud string, v2 bool, edit func(jwt.MapClaims)) token {
		return func(bf *teamstest.Server) string {
			c := bf.EntraClaims(aud, clk.now(), v2)
			edit(c)
			return bf.MintEntra(c)
		}
	}
	none := func(jwt.MapClaims) {}
	withServiceURL := func(u string) func(jwt.MapClaims) { return func(c jwt.MapClaims) { c["serviceurl"] = u } }
	for _, tt := range []struct {
		name       string
		tok        token
		serviceURL string // "" is the fake's own
		tenant     bool   // the validator trusts the fake's Entra tenant
		setup      func(bf *teamstest.Server)
		accept     bool
	}{
		{"audience app id", bfToken(none), "", false, nil, true},
		{"audience api://app id", bfToken(func(c jwt.MapClaims) { c["aud"] = "api://" + appID }), "", false, nil, true},
		{"audience api://botid-app id", bfToken(func(c jwt.MapClaims) { c["aud"] = "api://botid-" + appID }), "", false, nil, true},
		{"audience list holding the app id", bfToken(func(c jwt.MapClaims) { c["aud"] = []string{"https://api.botframework.com", appID} }), "", false, nil, true},
		{"audience api://other", bfToken(func(c jwt.MapClaims) { c["aud"] = "api://botid-00000000-0000-0000-0000-000000000001" }), "", false, nil, false},
		{"audience with the app id inside", bfToken(func(c jwt.MapClaims) { c["aud"] = "api://botid-" + appID + "/x" }), "", false, nil, false},

		{"key without endorsements", bfToken(none), "", false, func(bf *teamstest.Server) { bf.SetEndorsements(nil) }, true},
		{"key with an empty endorsement list", bfToken(none), "", false, func(bf *teamstest.Server) { bf.SetEndorsements([]string{}) }, true},
		{"key endorsed for other channels", bfToken(none), "", false, func(bf *teamstest.Server) { bf.SetEndorsements([]string{"webchat"}) }, false},
		{"key in standard base64", bfToken(none), "", false, func(bf *teamstest.Server) { bf.UseStandardBase64() }, true},

		{"Entra v1 of the own tenant", entra(appID, false, withServiceURL(connector)), connector, true, nil, true},
		{"Entra v2 of the own tenant", entra(appID, true, withServiceURL(connector)), connector, true, nil, true},
		{"Entra v2 without serviceurl, from the connector", entra(appID, true, none), connector, true, nil, true},
		{"Entra v2 with api://botid- audience", entra("api://botid-"+appID, true, none), connector, true, nil, true},
		{"Entra v2 without serviceurl, from elsewhere", entra(appID, true, none), "https://smba.evil.example/emea/", true, nil, false},
		{"Entra v2 without serviceurl, over http", entra(appID, true, none), "http://smba.trafficmanager.net/emea/", true, nil, false},
		{"Entra v2 with another serviceurl", entra(appID, true, withServiceURL("https://smba.evil.example/")), connector, true, nil, false},
		{"Entra of the own tenant, not trusted by a MultiTenant bot", entra(appID, true, withServiceURL(connector)), connector, false, nil, false},
		{"Entra of another tenant", entra(appID, true, func(c jwt.MapClaims) {
			c["iss"] = "https://login.microsoftonline.com/8a1c9e3b-0000-4000-8000-000000000001/v2.0"
		}), connector, true, nil, false},
		{"Entra issuer signed with the Bot Framework key", func(bf *teamstest.Server) string {
			return bf.Mint(bf.EntraClaims(appID, clk.now(), true))
		}, connector, true, nil, false},
		{"Bot Framework issuer signed with the tenant key", func(bf *teamstest.Server) string {
			return bf.MintEntra(bf.Claims(appID, clk.now()))
		}, "", true, nil, false},
		{"Entra token for another audience", entra("https://graph.microsoft.com", true, none), connector, true, nil, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			bf := teamstest.NewOffline(t)
			if tt.setup != nil {
				tt.setup(bf)
			}
			v := teams.NewValidator(appID, bf.OpenIDURL(), bf.Client(), clk.now)
			if tt.tenant {
				v.WithTenant(teamstest.TenantID, bf.TenantOpenIDURL())
			}
			serviceURL := tt.serviceURL
			if serviceURL == "" {
				serviceURL = bf.URL()
			}
			_, err := v.Validate(t.Context(), "Bearer "+tt.tok(bf), serviceURL, "msteams")
			switch {
			case tt.accept && err != nil:
				t.Errorf("Validate = %v, want accepted", err)
			case !tt.accept && !errors.Is(err, teams.ErrUnauthorized):
				t.Errorf("Validate = %v, want ErrUnauthorized", err)
			}
		})
	}
}

// TestSingleTenantServerAcceptsEntraTokens: a SingleTenant bot fetches its
// tenant's keys from the tenant's metadata and answers an activity sent
// with an Entra token.
func TestSingleTenantServerAcceptsEntraTokens(t *testing.T) {
	t.Parallel()
	e := setup(t, options{})
	c := e.bf.EntraClaims(appID, time.Now(), true)
	c["serviceurl"] = e.bf.URL()
	act := mentionActivity(e, "en1", channelThread, "explain 53003")
	if code := teamstest.Post(t, e.h, "Bearer "+e.bf.MintEntra(c), act); code != 200 {
		t.Fatalf("status %d, want 200", code)
	}
	if got := e.bf.WaitAnswers(waitCtx(t), 1); len(got) != 1 || !contains(got[0], "53003") {
		t.Errorf("replies = %v", got)
	}
}

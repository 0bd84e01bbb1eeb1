package teams

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	const id = "5e9b3c2a-7d41-4f0e-9c6b-2a1d8e4f7b90"
	for _, tt := range []struct {
		name string
		c    Config
		want []string // variables the error names; none means valid
	}{
		{"single tenant", Config{AppID: id, Password: "pw", TenantID: "t"}, nil},
		{"multi tenant", Config{AppID: id, Password: "pw", Type: TypeMultiTenant, Tenants: []string{"t1", "t2"}}, nil},
		{"multi tenant, own tenant", Config{AppID: id, Password: "pw", Type: TypeMultiTenant, TenantID: "t"}, nil},
		{"multi tenant serving everyone", Config{AppID: id, Password: "pw", Type: TypeMultiTenant}, []string{"ONBOARD_TEAMS_TENANTS"}},
		{"bad tenant list", Config{AppID: id, Password: "pw", TenantID: "t", Tenants: []string{"a,b"}}, []string{"ONBOARD_TEAMS_TENANTS"}},
		{"managed identity", Config{AppID: id, Type: TypeUserAssignedMSI, TenantID: "t"}, nil},
		{"managed identity without tenant", Config{AppID: id, Type: TypeUserAssignedMSI}, []string{"MICROSOFT_APP_TENANT_ID"}},
		{"test endpoints", Config{AppID: id, Password: "pw", TenantID: "t", OpenIDURL: "http://127.0.0.1:1/openid",
			TokenURL: "http://127.0.0.1:1/token", TenantOpenIDURL: "http://127.0.0.1:1/tenant"}, nil},
		{"test endpoints without tenant", Config{AppID: id, Password: "pw", TokenURL: "http://127.0.0.1:1/token"}, []string{"MICROSOFT_APP_TENANT_ID"}},
		{"password only", Config{Password: "pw", TenantID: "t"}, []string{"MICROSOFT_APP_ID"}},
		{"no password", Config{AppID: id, TenantID: "t"}, []string{"MICROSOFT_APP_PASSWORD"}},
		{"no tenant", Config{AppID: id, Password: "pw"}, []string{"MICROSOFT_APP_TENANT_ID"}},
		{"bad type", Config{AppID: id, Password: "pw", Type: "Weird"}, []string{"MICROSOFT_APP_TYPE"}},
		{"bad URLs", Config{AppID: id, Password: "pw", TenantID: "t", OpenIDURL: "ftp://x", TokenURL: "https://user:pw@login/"},
			[]string{"ONBOARD_BOTFRAMEWORK_OPENID_URL", "ONBOARD_BOTFRAMEWORK_TOKEN_URL"}},
		{"managed identity with a token URL", Config{AppID: id, Type: TypeUserAssignedMSI, TenantID: "t", TokenURL: "https://x/token"}, []string{"ONBOARD_BOTFRAMEWORK_TOKEN_URL"}},
	} {
		err := tt.c.Validate()
		if len(tt.want) == 0 {
			if err != nil {
				t.Errorf("%s: Validate() = %v, want nil", tt.name, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("%s: Validate() = nil, want an error naming %v", tt.name, tt.want)
			continue
		}
		lines := strings.Split(err.Error(), "\n")
		if len(lines) != len(tt.want) {
			t.Errorf("%s: Validate() = %q, want %d lines", tt.name, err, len(tt.want))
		}
		for i, v := range tt.want {
			if i < len(lines) && !strings.HasPrefix(lines[i], v+": ") {
				t.Errorf("%s: line %q does not start with %s", tt.name, lines[i], v)
			}
		}
	}
}

func TestConfigEndpoints(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		c              Config
		openID, tokens string
	}{
		{Config{TenantID: "41027a4c-bdb6-55fe-8e2c-24a65f6f4d0a"}, DefaultOpenIDURL,
			"https://login.microsoftonline.com/41027a4c-bdb6-55fe-8e2c-24a65f6f4d0a/oauth2/v2.0/token"},
		{Config{Type: TypeSingleTenant, TenantID: "contoso.onmicrosoft.com"}, DefaultOpenIDURL,
			"https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token"},
		{Config{Type: TypeMultiTenant, TenantID: "ignored"}, DefaultOpenIDURL, "https://login.microsoftonline.com/botframework.com/oauth2/v2.0/token"},
		{Config{OpenIDURL: "http://fake/openid", TokenURL: "http://fake/token"}, "http://fake/openid", "http://fake/token"},
	} {
		if got := tt.c.openIDURL(); got != tt.openID {
			t.Errorf("%v: OpenID URL %s, want %s", tt.c, got, tt.openID)
		}
		if got := tt.c.tokenURL(); got != tt.tokens {
			t.Errorf("%v: token URL %s, want %s", tt.c, got, tt.tokens)
		}
	}
	for _, tt := range []struct {
		c    Config
		want string
	}{
		{Config{TenantID: "41027a4c-bdb6-55fe-8e2c-24a65f6f4d0a"}, "https://login.microsoftonline.com/41027a4c-bdb6-55fe-8e2c-24a65f6f4d0a/v2.0/.well-known/openid-configuration"},
		{Config{TenantID: "t", TenantOpenIDURL: "http://fake/tenant"}, "http://fake/tenant"},
		{Config{Type: TypeMultiTenant, TenantID: "t"}, ""}, // Entra tokens of a tenant mean nothing for a bot of many
		{Config{Type: TypeUserAssignedMSI, TenantID: "t"}, ""},
	} {
		if got := tt.c.tenantOpenIDURL(); got != tt.want {
			t.Errorf("%v: tenant OpenID URL %q, want %q", tt.c, got, tt.want)
		}
	}
	if DefaultOpenIDURL != "https://login.botframework.com/v1/.well-known/openidconfiguration" {
		t.Errorf("DefaultOpenIDURL = %s", DefaultOpenIDURL)
	}
}

// TestConfigLeaksNoSecret logs and prints a configuration every way the
// code base does and finds no password.
func TestConfigLeaksNoSecret(t *testing.T) {
	t.Parallel()
	const secret = "s3cret-app-password~value"
	c := Config{AppID: "app", Password: secret, TenantID: "t"}
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, nil))
	log.Info("config", "teams", c)
	log.Info("config", slog.Any("teams", c))
	slog.New(slog.NewTextHandler(&logs, nil)).Info("config", "teams", c)
	out := logs.String() + fmt.Sprintf("%v %+v %#v %s", c, c, c, c)
	if strings.Contains(out, secret) {
		t.Errorf("the password leaked:\n%s", out)
	}
	if !strings.Contains(logs.String(), `"password_set":true`) || !strings.Contains(logs.String(), `"app_id":"app"`) {
		t.Errorf("the log does not describe the config:\n%s", logs.String())
	}
	if !(Config{AppID: "a"}).Enabled() || !(Config{Password: "p"}).Enabled() || (Config{TenantID: "t"}).Enabled() {
		t.Error("Enabled() wrong")
	}
}

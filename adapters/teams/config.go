package teams

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"

	"github.com/onboard-check/onboard-check/internal/secret"
)

// Defaults of the Bot Framework endpoints.
const (
	DefaultOpenIDURL = "https://login.botframework.com/v1/.well-known/openidconfiguration"
	multiTenantToken = "https://login.microsoftonline.com/botframework.com/oauth2/v2.0/token"
	// Scope is what the bot's outgoing tokens are for.
	Scope = "https://api.botframework.com/.default"
	// Issuer is the issuer of the tokens the Bot Framework sends the bot.
	Issuer = "https://api.botframework.com"
)

// App types of an Azure Bot registration.
const (
	TypeSingleTenant    = "SingleTenant"
	TypeMultiTenant     = "MultiTenant"
	TypeUserAssignedMSI = "UserAssignedMSI"
)

// Config is the Azure Bot registration and who it serves.
type Config struct {
	AppID    string        // MICROSOFT_APP_ID
	Password secret.Secret // MICROSOFT_APP_PASSWORD
	TenantID string        // MICROSOFT_APP_TENANT_ID
	Type     string        // MICROSOFT_APP_TYPE: SingleTenant (default), MultiTenant, UserAssignedMSI
	// Tenants are further tenants whose members may ask (ONBOARD_TEAMS_TENANTS);
	// a MultiTenant registration must name TenantID or Tenants.
	Tenants []string
	// AllowEmulator accepts activities of the Bot Framework Emulator's
	// channel (ONBOARD_TEAMS_ALLOW_EMULATOR), for development only.
	AllowEmulator bool
	OpenIDURL     string // ONBOARD_BOTFRAMEWORK_OPENID_URL
	TokenURL      string // ONBOARD_BOTFRAMEWORK_TOKEN_URL
	// TenantOpenIDURL is the OpenID metadata of the bot's own Entra
	// tenant, whose tokens a SingleTenant bot also accepts; empty means
	// https://login.microsoftonline.com/{TenantID}/v2.0/.well-known/openid-configuration.
	// Tests point it at a fake.
	TenantOpenIDURL string
}

// Enabled reports whether the Teams surface is configured: an app id or a
// password is set. A surface that is enabled but incomplete fails Validate.
func (c Config) Enabled() bool { return c.AppID != "" || c.Password.IsSet() }

// servedTenant returns the configured spelling of the tenant id when the
// bot serves it (its own tenant or one of Tenants, compared without regard
// to case), else "".
func (c Config) servedTenant(id string) string {
	if id == "" {
		return ""
	}
	for _, t := range append([]string{c.TenantID}, c.Tenants...) {
		if strings.EqualFold(t, id) {
			return t
		}
	}
	return ""
}

func (c Config) appType() string {
	if c.Type == "" {
		return TypeSingleTenant
	}
	return c.Type
}

// Validate reports every problem, one per line, each naming its variable:
// the app id always; the password unless the app type is
// UserAssignedMSI; the tenant (a MultiTenant bot may name its tenants in
// Tenants instead), since the bot answers only the tenants it names; the
// type; and the endpoint URLs.
func (c Config) Validate() error {
	var errs []error
	if c.AppID == "" {
		errs = append(errs, errors.New("MICROSOFT_APP_ID: required when Teams is configured"))
	}
	switch c.appType() {
	case TypeSingleTenant:
		if c.TenantID == "" {
			errs = append(errs, errors.New("MICROSOFT_APP_TENANT_ID: required for a SingleTenant bot"))
		}
		if !c.Password.IsSet() {
			errs = append(errs, errors.New("MICROSOFT_APP_PASSWORD: required for a SingleTenant bot"))
		}
	case TypeMultiTenant:
		if !c.Password.IsSet() {
			errs = append(errs, errors.New("MICROSOFT_APP_PASSWORD: required for a MultiTenant bot"))
		}
		if c.TenantID == "" && len(c.Tenants) == 0 {
			// Without it every tenant that installs the app could read
			// this tenant's sign-in logs through the bot.
			errs = append(errs, errors.New("ONBOARD_TEAMS_TENANTS: a MultiTenant bot must name the tenants it serves (or set MICROSOFT_APP_TENANT_ID)"))
		}
	case TypeUserAssignedMSI:
		if c.TenantID == "" && len(c.Tenants) == 0 {
			errs = append(errs, errors.New("MICROSOFT_APP_TENANT_ID: required for a UserAssignedMSI bot"))
		}
	default:
		errs = append(errs, fmt.Errorf("MICROSOFT_APP_TYPE: must be SingleTenant, MultiTenant or UserAssignedMSI, got %q", c.Type))
	}
	for _, t := range c.Tenants {
		if t == "" || strings.ContainsAny(t, " /,") {
			errs = append(errs, fmt.Errorf("ONBOARD_TEAMS_TENANTS: %q is not a tenant id", t))
			break
		}
	}
	for _, s := range []struct{ name, value string }{
		{"ONBOARD_BOTFRAMEWORK_OPENID_URL", c.OpenIDURL},
		{"ONBOARD_BOTFRAMEWORK_TOKEN_URL", c.TokenURL},
		{"TenantOpenIDURL", c.TenantOpenIDURL},
	} {
		if s.value == "" {
			continue
		}
		if u, err := url.Parse(s.value); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
			errs = append(errs, fmt.Errorf("%s: must be an http(s) URL without credentials", s.name))
		}
	}
	if c.appType() == TypeUserAssignedMSI && c.TokenURL != "" {
		errs = append(errs, errors.New("ONBOARD_BOTFRAMEWORK_TOKEN_URL: a UserAssignedMSI bot gets its token from the managed identity endpoint; unset it"))
	}
	return errors.Join(errs...)
}

// tenantOpenIDURL is the OpenID metadata of the bot's own tenant, for a
// SingleTenant bot; "" otherwise.
func (c Config) tenantOpenIDURL() string {
	switch {
	case c.appType() != TypeSingleTenant || c.TenantID == "":
		return ""
	case c.TenantOpenIDURL != "":
		return c.TenantOpenIDURL
	}
	return "https://login.microsoftonline.com/" + url.PathEscape(c.TenantID) + "/v2.0/.well-known/openid-configuration"
}

func (c Config) openIDURL() string {
	if c.OpenIDURL != "" {
		return c.OpenIDURL
	}
	return DefaultOpenIDURL
}

// tokenURL is where the bot gets its outgoing tokens: the configured one,
// else the botframework.com endpoint for a MultiTenant bot and the
// tenant's own for a SingleTenant one
// (https://learn.microsoft.com/azure/bot-service/bot-builder-authentication).
func (c Config) tokenURL() string {
	switch {
	case c.TokenURL != "":
		return c.TokenURL
	case c.appType() == TypeMultiTenant:
		return multiTenantToken
	}
	return "https://login.microsoftonline.com/" + url.PathEscape(c.TenantID) + "/oauth2/v2.0/token"
}

// LogValue implements slog.LogValuer without the password.
// The password is reported only as present or not.
func (c Config) LogValue() slog.Value {
	token := c.tokenURL()
	if c.appType() == TypeUserAssignedMSI {
		token = "managed identity"
	}
	return slog.GroupValue(slog.String("app_id", c.AppID), slog.String("type", c.appType()),
		slog.String("tenant_id", c.TenantID), slog.Any("tenants", c.Tenants), slog.Bool("allow_emulator", c.AllowEmulator),
		slog.Bool("password_set", c.Password.IsSet()),
		slog.String("openid_url", c.openIDURL()), slog.String("token_url", token))
}

// String is LogValue's text, so that printing a Config never shows the
// password either.
func (c Config) String() string { return c.LogValue().String() }

// GoString keeps %#v from printing the password.
func (c Config) GoString() string { return "teams.Config" + c.String() }

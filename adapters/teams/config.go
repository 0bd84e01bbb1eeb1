package teams

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
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

// Config is the Azure Bot registration (SPEC §3, §8).
type Config struct {
	AppID     string // MICROSOFT_APP_ID
	Password  string // MICROSOFT_APP_PASSWORD
	TenantID  string // MICROSOFT_APP_TENANT_ID
	Type      string // MICROSOFT_APP_TYPE: SingleTenant (default), MultiTenant, UserAssignedMSI
	OpenIDURL string // ONBOARD_BOTFRAMEWORK_OPENID_URL
	TokenURL  string // ONBOARD_BOTFRAMEWORK_TOKEN_URL
}

// Enabled reports whether the Teams surface is configured: an app id or a
// password is set. A surface that is enabled but incomplete fails Validate.
func (c Config) Enabled() bool { return c.AppID != "" || c.Password != "" }

func (c Config) appType() string {
	if c.Type == "" {
		return TypeSingleTenant
	}
	return c.Type
}

// Validate reports every problem, one per line, each naming its variable:
// the app id always; the password and, for SingleTenant, the tenant unless
// the app type is UserAssignedMSI; the type; and the two endpoint URLs.
func (c Config) Validate() error {
	var errs []error
	if c.AppID == "" {
		errs = append(errs, errors.New("MICROSOFT_APP_ID: required when Teams is configured"))
	}
	switch c.appType() {
	case TypeSingleTenant:
		if c.TenantID == "" && c.TokenURL == "" {
			errs = append(errs, errors.New("MICROSOFT_APP_TENANT_ID: required for a SingleTenant bot"))
		}
		if c.Password == "" {
			errs = append(errs, errors.New("MICROSOFT_APP_PASSWORD: required for a SingleTenant bot"))
		}
	case TypeMultiTenant:
		if c.Password == "" {
			errs = append(errs, errors.New("MICROSOFT_APP_PASSWORD: required for a MultiTenant bot"))
		}
	case TypeUserAssignedMSI:
	default:
		errs = append(errs, fmt.Errorf("MICROSOFT_APP_TYPE: must be SingleTenant, MultiTenant or UserAssignedMSI, got %q", c.Type))
	}
	for _, s := range []struct{ name, value string }{
		{"ONBOARD_BOTFRAMEWORK_OPENID_URL", c.OpenIDURL},
		{"ONBOARD_BOTFRAMEWORK_TOKEN_URL", c.TokenURL},
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
		slog.String("tenant_id", c.TenantID), slog.Bool("password_set", c.Password != ""),
		slog.String("openid_url", c.openIDURL()), slog.String("token_url", token))
}

// String is LogValue's text, so that printing a Config never shows the
// password either.
func (c Config) String() string { return c.LogValue().String() }

// GoString keeps %#v from printing the password.
func (c Config) GoString() string { return "teams.Config" + c.String() }

package graph

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"

	"github.com/onboard-check/onboard-check/internal/secret"
)

// Defaults applied by New to zero Config fields.
const (
	DefaultBaseURL    = "https://graph.microsoft.com"
	DefaultTimeout    = 20 * time.Second
	DefaultMaxSignIns = 2000
	DefaultPolicyTTL  = 5 * time.Minute
)

// Config configures a Client. The zero value of every field but the
// credential means its default; cmd/bot fills it from the environment.
type Config struct {
	// BaseURL is the Graph service root without a version (national clouds,
	// tests). The client appends /v1.0, and /beta for non-interactive
	// sign-ins. It must be https, or http on a loopback address.
	BaseURL string
	// Token is a static bearer token (ONBOARD_GRAPH_TOKEN). When set, no
	// Azure credential is used. It never prints.
	Token secret.Secret
	// Credential gets tokens for BaseURL + "/.default" when Token is empty.
	Credential azcore.TokenCredential
	// Timeout bounds the Graph work of one diagnosis, retries included; a
	// wait for the tenant's throttling budget (Budget) before the sign-in
	// read does not count against it, only the caller's context bounds it.
	Timeout time.Duration
	// Budget shares Graph's throttling budget per tenant between every
	// diagnosis, across replicas when it is backed by a shared store. nil
	// means an in-process budget.
	Budget Budget
	// OnFailure, when set, is called once per failure with its kind
	// (FailureKind), for metrics. It must be safe for concurrent use.
	OnFailure func(kind string)
	// MaxSignIns bounds the sign-ins read from each log (interactive and
	// non-interactive) in one diagnosis.
	MaxSignIns int
	// PolicyTTL is how long policies and named locations stay cached.
	PolicyTTL time.Duration
	// HTTPClient sends the requests; nil means a client of our own. Its
	// transport is wrapped, never modified, so that only the BaseURL host
	// receives the token.
	HTTPClient *http.Client
}

// Validate reports every problem, one per line, each naming its setting.
func (c Config) Validate() error {
	var errs []error
	if c.BaseURL != "" {
		if _, err := parseBaseURL(c.BaseURL); err != nil {
			errs = append(errs, fmt.Errorf("ONBOARD_GRAPH_URL: %w", err))
		}
	}
	switch {
	case c.Token == "" && c.Credential == nil:
		errs = append(errs, errors.New("ONBOARD_GRAPH_TOKEN: no Graph credential: set it, or AZURE_TENANT_ID, AZURE_CLIENT_ID and a secret, certificate or federated token"))
	case c.Token != "" && strings.ContainsAny(c.Token.Reveal(), " \t\r\n"):
		errs = append(errs, errors.New("ONBOARD_GRAPH_TOKEN: must be a single token without spaces or line breaks"))
	}
	if c.Timeout < 0 {
		errs = append(errs, fmt.Errorf("graph timeout: must not be negative, got %s", c.Timeout))
	}
	if c.MaxSignIns < 0 {
		errs = append(errs, fmt.Errorf("graph max sign-ins: must not be negative, got %d", c.MaxSignIns))
	}
	if c.PolicyTTL < 0 {
		errs = append(errs, fmt.Errorf("graph policy TTL: must not be negative, got %s", c.PolicyTTL))
	}
	return errors.Join(errs...)
}

// LogValue implements slog.LogValuer. It never shows the token.
func (c Config) LogValue() slog.Value {
	auth := "none"
	switch {
	case c.Token != "":
		auth = "static token"
	case c.Credential != nil:
		auth = "azure credential"
	}
	base := c.BaseURL
	if u, err := parseBaseURL(c.withDefaults().BaseURL); err == nil {
		base = u.String()
	} else {
		base = "(invalid)"
	}
	d := c.withDefaults()
	return slog.GroupValue(
		slog.String("base_url", base),
		slog.String("auth", auth),
		slog.Duration("timeout", d.Timeout),
		slog.Int("max_sign_ins", d.MaxSignIns),
		slog.Duration("policy_ttl", d.PolicyTTL),
	)
}

func (c Config) withDefaults() Config {
	if c.BaseURL == "" {
		c.BaseURL = DefaultBaseURL
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	if c.MaxSignIns == 0 {
		c.MaxSignIns = DefaultMaxSignIns
	}
	if c.PolicyTTL == 0 {
		c.PolicyTTL = DefaultPolicyTTL
	}
	return c
}

// parseBaseURL checks a service root and returns it without a trailing slash.
// Tokens travel only over https, or plain http to this machine.
func parseBaseURL(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return nil, errors.New("must be an absolute URL such as https://graph.microsoft.com")
	}
	switch {
	case u.User != nil:
		return nil, errors.New("must not contain user credentials")
	case u.RawQuery != "" || u.Fragment != "":
		return nil, errors.New("must not have a query or fragment")
	case u.Scheme == "https":
	case u.Scheme == "http" && isLoopback(u.Hostname()):
	default:
		return nil, fmt.Errorf("must use https (plain http only on a loopback address), got scheme %q", u.Scheme)
	}
	p := strings.TrimSuffix(u.Path, "/")
	if strings.HasSuffix(p, "/v1.0") || strings.HasSuffix(p, "/beta") {
		return nil, errors.New("must be the service root without a version (drop /v1.0 or /beta)")
	}
	u.Path, u.RawPath = p, ""
	return u, nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

package slack

import (
	"net/url"
	"slices"
	"strings"

	"github.com/onboard-check/onboard-check/internal/secret"
)

// A response_url arrives in the request body, so whoever can get a request
// signed — or a future bug — chooses where a diagnosis is posted. It is
// used only when it leads to Slack's own webhook hosts, or to the origin of
// SLACK_API_URL when that is set (a test's fake Slack).

// slackHooks are the origins of Slack's response_urls (commercial and
// GovSlack).
var slackHooks = []string{"https://hooks.slack.com:443", "https://hooks.slack-gov.com:443"}

// origins are the scheme://host:port a response_url may have.
type origins []string

// hookOrigins returns Slack's hook origins, and that of apiURL when set.
func hookOrigins(apiURL string) origins {
	o := origins(slices.Clone(slackHooks))
	if apiURL != "" {
		if u, err := url.Parse(apiURL); err == nil {
			if k := origin(u); k != "" {
				o = append(o, k)
			}
		}
	}
	return o
}

// origin is u's scheme://host:port with the default port made explicit, or
// "" for a URL that is not a plain http(s) URL with a host.
func origin(u *url.URL) string {
	scheme := strings.ToLower(u.Scheme)
	if (scheme != "https" && scheme != "http") || u.Host == "" || u.Opaque != "" || u.User != nil {
		return ""
	}
	port := u.Port()
	if port == "" {
		port = map[string]string{"https": "443", "http": "80"}[scheme]
	}
	return scheme + "://" + strings.ToLower(u.Hostname()) + ":" + port
}

// responseURL returns raw as a Secret when it may be used, else "".
func (o origins) responseURL(raw string) secret.Secret {
	if raw == "" {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil || u.Fragment != "" || !strings.HasPrefix(u.Path, "/") {
		return ""
	}
	if k := origin(u); k == "" || !slices.Contains(o, k) {
		return ""
	}
	return secret.Secret(raw)
}

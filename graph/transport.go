package graph

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/onboard-check/onboard-check/internal/secret"
)

// tokenSource yields the bearer token for Graph.
type tokenSource interface {
	token(ctx context.Context) (string, error)
}

// staticToken is a configured bearer token; it is revealed only here, for
// the Authorization header.
type staticToken secret.Secret

func (s staticToken) token(context.Context) (string, error) { return secret.Secret(s).Reveal(), nil }

// credentialToken asks an Azure credential for a token; azidentity's
// credentials cache tokens and refresh them before expiry themselves.
type credentialToken struct {
	cred  azcore.TokenCredential
	scope string // service root + "/.default"
}

func (c credentialToken) token(ctx context.Context) (string, error) {
	t, err := c.cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{c.scope}})
	if err != nil {
		return "", err
	}
	return t.Token, nil
}

// authTransport attaches the bearer token to requests for the configured
// Graph host and to no other: not to a host an @odata.nextLink names, nor
// to one a redirect leads to. msgraph-sdk-go draws the same line with its
// allowed-hosts list; ours holds exactly the configured host, which also
// lets http://127.0.0.1 stand in for Graph in tests.
type authTransport struct {
	base   http.RoundTripper
	scheme string
	host   string // host[:port], as in the configured BaseURL
	tokens tokenSource
}

func (t *authTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if !strings.EqualFold(r.URL.Scheme, t.scheme) || !strings.EqualFold(r.URL.Host, t.host) {
		if r.Header.Get("Authorization") == "" {
			return t.base.RoundTrip(r)
		}
		r = r.Clone(r.Context())
		r.Header.Del("Authorization")
		return t.base.RoundTrip(r)
	}
	tok, err := t.tokens.token(r.Context())
	if err != nil {
		if r.Body != nil {
			_ = r.Body.Close()
		}
		return nil, &tokenError{err: err}
	}
	if tok == "" {
		return nil, &tokenError{err: errors.New("empty token")}
	}
	r = r.Clone(r.Context()) // a RoundTripper must not modify the caller's request
	r.Header.Set("Authorization", "Bearer "+tok)
	return t.base.RoundTrip(r)
}

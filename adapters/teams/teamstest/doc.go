// Package teamstest is a fake Bot Framework for tests: OpenID metadata and
// a JWKS from a per-test RSA key (with endorsements, and key rotation),
// Mint and the forging helpers (Forgeries lists every kind of token a bot
// must refuse), a client-credentials token endpoint that counts requests,
// and a connector that records every activity (path, bearer token, body),
// accepts only tokens it issued, and can answer 429 or 401.
//
// NewServer listens on a local port; NewOffline listens nowhere and is
// reached in-process through Client, for tests in a testing/synctest
// bubble. It never imports msbotbuilder-go. Its handlers run in the
// server's goroutines and report problems with t.Errorf, never t.Fatal.
package teamstest

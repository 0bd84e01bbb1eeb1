// Package teamstest is a fake Bot Framework for tests: OpenID metadata and
// a JWKS from a per-test RSA key, Mint to issue (and forge) the tokens the
// Bot Framework sends a bot, a client-credentials token endpoint, and a
// connector that records every reply. It never imports msbotbuilder-go.
// Its handlers run in the server's goroutines and report problems with
// t.Errorf, never t.Fatal.
package teamstest

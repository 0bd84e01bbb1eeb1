// Package teamstest is a fake Bot Framework for tests, one file per job:
// keys.go serves the Bot Framework's OpenID metadata and JWKS (keys from a
// pool generated once per test binary, with endorsements and rotation) and
// an Entra tenant's metadata and keys; mint.go signs tokens of both issuers
// and forges (Forgeries lists every kind of token a bot must refuse);
// token.go is a client-credentials token endpoint that counts requests and
// can fail; connector.go records every activity posted or updated (path,
// bearer token, body), accepts only tokens it issued, can answer 429, 401
// or other failures, and shows messages as people see them (Shown,
// Answers); activities.go builds activities as Teams sends them.
//
// NewServer listens on a local port; NewOffline listens nowhere and is
// reached in-process through Client, for tests in a testing/synctest
// bubble. It never imports msbotbuilder-go. Its handlers run in the
// server's goroutines and report problems with t.Errorf, never t.Fatal.
package teamstest

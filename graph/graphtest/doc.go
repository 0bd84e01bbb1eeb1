// Package graphtest is a fake Microsoft Graph for tests: a per-test
// httptest.Server (or an in-memory transport, for testing/synctest) that
// serves a tenant file in the scenarios' format as Graph v1.0 and beta JSON.
//
// It serves users, transitive memberships, CA policies, named locations and
// both sign-in logs with real $filter parsing, $top and @odata.nextLink
// paging, JSON $batch (every sub-request through the same mux, one round
// trip however many), Graph-shaped errors and injected faults (429 with
// Retry-After, 403 licence or permission, 503, slow answers). It records
// what it received and counts round trips, including the longest chain of
// sequential ones, so a test can assert "cold ≤ 2, warm ≤ 1".
//
// It never imports the SDK it fakes; of ours it imports only the sample
// tenant's Expect type, which tenant files share.
// Handlers run in the server's goroutines and report problems as Graph
// errors, never with t.Fatal.
package graphtest

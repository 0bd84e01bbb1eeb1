// Package graphtest is a fake Microsoft Graph for tests: a per-test
// httptest.Server (or an in-memory transport, for testing/synctest) that
// serves a tenant file in the scenarios' format as Graph v1.0 and beta JSON.
//
// It serves users, transitive memberships, CA policies, named locations,
// authentication strengths, security defaults, per-user MFA state and both
// sign-in logs with real $filter parsing (the one-query event-type filter
// too, or a 400 for it), $top and @odata.nextLink paging, JSON $batch on
// v1.0 and beta (every sub-request through the same mux, one round trip
// however many), Graph-shaped errors and injected faults (429 with a whole
// or fractional Retry-After, 424 and 503 batches, a lost page, 403 licence
// or permission, slow answers). WithSignInLimit enforces Graph's 5 sign-in
// reads per 10 s. It records what it received and counts round trips,
// including the longest chain of sequential ones, and sign-in reads per
// account, so a test can assert "cold ≤ 2, warm ≤ 1" and "one read per
// account".
//
// It never imports the SDK it fakes; of ours it imports only the sample
// tenant's Expect type, which tenant files share.
// Handlers run in the server's goroutines and report problems as Graph
// errors, never with t.Fatal.
package graphtest

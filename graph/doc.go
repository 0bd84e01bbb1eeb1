// Package graph reads what a diagnosis needs about one Entra ID account from
// Microsoft Graph: the user, its transitive groups and directory roles, its
// interactive (v1.0) and non-interactive (beta) sign-ins in the window, and
// the tenant's Conditional Access policies and named locations.
//
// It is the only package that imports msgraph-sdk-go. The SDK's models and
// kiota's JSON parse nodes decode every response; requests go through one
// executor of our own (client-side rate limits, Retry-After, bounded retries,
// the bearer token for the configured host only) because JSON $batch
// sub-requests need the same retries and error mapping as single calls. SDK
// types never leave the package: Client.Snapshot returns diagnosis types.
//
// A cold diagnosis takes two sequential round trips (a $batch of user,
// memberships, policies and named locations; then both sign-in logs in
// parallel), a warm one a single round trip. Partial failures become
// diagnosis.Warnings; only "read nothing" is an error (ErrCredentials,
// ErrUnreachable, *APIError). The fake Graph for tests is graph/graphtest.
//
// graph may import diagnosis; it must not import handlers, store or adapters.
package graph

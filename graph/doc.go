// Package graph reads what a diagnosis needs about one Entra ID account from
// Microsoft Graph: the user, its transitive groups and directory roles, its
// interactive and non-interactive sign-ins in the window (one beta query,
// or two reads where Graph refuses it), its per-user MFA state, and the
// tenant's Conditional Access policies, named locations, authentication
// strengths and security defaults.
//
// It is the only package that imports msgraph-sdk-go. Requests go through
// one executor of our own (Graph's throttling budget, Retry-After, bounded
// retries, JSON $batch per version root, the bearer token for the
// configured host only). Sign-ins, policies and the other bodies whose
// enums matter are decoded from the raw JSON into our own types, so that
// no value is changed and beta-only fields are read; the SDK's models read
// users, memberships and named locations. SDK types never leave the
// package: Client.Snapshot returns diagnosis types.
//
// Reads wait for a Budget (5 sign-in reads per 10 s, 1 CA read per second
// per tenant), never fail for lack of one, and coalesce: concurrent checks
// of one account share one sign-in read, across replicas through the
// Cache. A cold diagnosis takes at most two sequential round trips, a warm
// one a single one. Partial failures become diagnosis.Warnings; only "read
// nothing" is an error (ErrCredentials, ErrDenied, ErrThrottled,
// ErrUnreachable, *APIError); FailureKind names it for metrics. The fake
// Graph for tests is graph/graphtest.
//
// graph may import diagnosis and internal/secret; it must not import
// handlers, store or adapters.
package graph

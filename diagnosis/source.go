package diagnosis

import "context"

// Source reads what a diagnosis needs about one user, in as few round trips
// as it can. It returns an error only when it could read nothing at all
// (credentials rejected, service unreachable); partial reads come back as
// Snapshot.Warnings, and a user that does not exist as Snapshot.User == nil.
type Source interface {
	Snapshot(ctx context.Context, q Query) (Snapshot, error)
}

// PolicySource reads the tenant's Conditional Access policies and named
// locations without reading any sign-in, for questions about policies
// alone (whatif) that must not spend the sign-in log's throttling budget.
// The result carries Policies, NamedLocations, PoliciesRead and Warnings.
type PolicySource interface {
	Policies(ctx context.Context) (Snapshot, error)
}

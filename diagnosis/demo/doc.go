// Package demo is a diagnosis.Source over a tenant held in memory: the
// built-in sample tenant (Contoso, one account per finding code) that
// `bot check --demo` and `bot serve` without Graph use, and the example
// tenants the engine's tests run.
//
// A tenant file has the shape of Microsoft Graph v1.0 objects (users with
// memberOf, groups, directory roles, Conditional Access policies, named
// locations and sign-ins); sign-in times may be written "-N", N minutes
// before now. The file's faults make parts unreadable, as a failing Graph
// would, so that warnings can be shown without a network.
//
// Like package diagnosis it imports no SDK and does no I/O.
package demo

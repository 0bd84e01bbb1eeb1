// Package store keeps the bot's state (SPEC §9): finished diagnoses by id and
// by thread, delivery dedup keys, per-requester rate limits, the audit log and
// the Graph policy cache.
//
// Consumers ask for the role they use (Dedup, Diagnoses, Limiter, Audit,
// Cache); Store is all of them. Memory is the embedded default for one
// replica; Redis is shared by several (OpenRedis also reaches Sentinel and
// Cluster). Both keep the same versioned JSON under the same versioned keys
// ("onboard:v1:…"), and storetest.Run holds both to one contract.
//
// Invariant: nothing is kept without a TTL except the capped audit log, and a
// stored value never shares memory with a caller's.
//
// store imports diagnosis and go-redis; never handlers, graph or adapters.
package store

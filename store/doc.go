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
// Audit retention: the log keeps the newest DefaultAuditCap (100,000)
// entries, WithAuditCap to change it. In Redis it is one stream
// (onboard:v1:audit) trimmed to exactly the cap on every append, shared by
// every replica and kept across restarts; at 1,000 answers and refusals a
// day it covers about 100 days, at 10,000 a day about 10. Memory keeps the
// same cap, only for the life of the process. Export the log (bot audit
// --output json) where it must be kept longer.
//
// Invariant: nothing is kept without a TTL except the capped audit log, and a
// stored value never shares memory with a caller's.
//
// store imports diagnosis and go-redis; never handlers, graph or adapters.
package store

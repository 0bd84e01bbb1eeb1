// Package storetest is the contract every store.Store keeps, as one suite
// (Run) that the store package runs against Memory and against a real Redis
// server, after upspin's one-suite-per-role habit: if Memory passes something
// Redis fails, the suite is missing a test.
//
// Run expires entries by advancing a manual Clock when the store is opened as
// a Manual, and on real time with short TTLs and bounded polls otherwise.
// SampleRecord builds a record with every field set, for round trips and
// benchmarks.
//
// storetest may import store and diagnosis, and nothing that store must not.
package storetest

// Package diagnosis is the judgement of onboard-check: given what Microsoft
// Graph says about one account (a Snapshot: the user, its groups and
// directory roles, its sign-ins, the tenant's Conditional Access policies
// and named locations), it decides whether the account can onboard and, if
// not, why and what to do. Its answer is the Diagnosis JSON document.
//
// The rooms: the domain types (model.go, evidence.go), the Diagnosis
// document (diagnosis.go), the finding code table (codes.go), the control
// vocabulary (controls.go), the Conditional Access evaluator that answers
// "does this policy apply to this sign-in" (evaluate.go, with its
// conditions in conditions.go, locations.go and clients.go), the engine's
// API (engine.go) and its rule passes (failures.go, policies.go), the
// texts and links of a finding (render.go, proof.go for the sign-in log's
// evidence, links.go), policy explanations (explain.go), the sign-in
// window (window.go), the AADSTS knowledge base (errorcodes.go, kb/), the
// app catalog (apps.go, apps.json) and the text catalogs in English and
// Dutch (text.go, text_en.json, text_nl.json).
// Sources of snapshots implement Source: package graph for a real tenant,
// package demo for the sample tenant. To add a finding code: a row in
// codes.go, its texts in both catalogs, the rule that raises it, an account
// of the sample tenant that shows it, and its entry in docs/finding-codes.md.
//
// This package is pure: no network, no clock but the one it is given, and
// no imports of ours or of any SDK (cmd/bot/layout_test.go keeps it so).
// Invariant: nothing in a Diagnosis comes from another user's sign-ins.
package diagnosis

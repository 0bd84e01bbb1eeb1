// Package handlers is the conversation every surface shares: the command
// grammar (Parse), and the service that authorises, deduplicates and
// rate-limits a request, runs the diagnosis, remembers the thread for
// follow-ups and audits every disclosure and refusal. It renders plain
// text for the CLI and for chat fallbacks; Slack and Teams render their
// own formats from the same replies.
//
// A surface verifies and decodes its request, calls Prepare, acknowledges,
// then hands the job to Enqueue with a route (its own JSON naming where the
// reply goes). Work runs queued jobs and hands replies, progress updates
// and mention look-ups to the Deliverer the surface registered. Unexpected
// errors on every surface go through Service.Failure, refusals a surface
// decides itself through Service.Refuse.
//
// It knows nothing of Slack or Teams wire formats and imports neither
// adapters nor graph (cmd/bot/layout_test.go keeps it so).
package handlers

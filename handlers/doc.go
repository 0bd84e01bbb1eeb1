// Package handlers is the conversation every surface shares: the command
// grammar (Parse), and the service that authorises, deduplicates and
// rate-limits a request, runs the diagnosis, remembers the thread for
// follow-ups and writes the audit log. It renders plain text for the CLI
// and for chat fallbacks; Slack and Teams render their own formats from
// the same replies.
//
// It knows nothing of Slack or Teams wire formats and imports neither
// adapters nor graph (cmd/bot/layout_test.go keeps it so): a surface
// verifies and decodes its request, calls Prepare, acknowledges, then
// calls Run.
package handlers

// Package secret holds values that authorise something — tokens, passwords,
// client secrets, a Slack response_url — in a type that never prints them.
//
// A Secret formats as "<secret>" under every fmt verb, in slog and in JSON;
// only Reveal returns the value, at the one place that sends it. RedactError
// strips URLs (whose query or path may authorise) from errors of remote
// calls before they are wrapped or logged.
//
// It imports only the standard library, so every package may use it.
package secret

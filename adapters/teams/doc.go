// Package teams is the Microsoft Teams surface of onboard-check: the Bot
// Framework messaging endpoint (POST /api/messages), the validation of its
// bearer tokens (Validator), the bot's own outgoing token (Tokens), the
// Adaptive Card rendering of replies (CardJSON, ActivityJSON), and the
// Deliverer that posts the answers of queued jobs from any replica.
//
// Every request's JWT is validated before the activity is read; a bad one
// gets 401 and nothing runs. Then only Teams (channel msteams) requesters
// with an aadObjectId, in a tenant the bot serves, are heard. Replies go to
// the conversation and thread they answer, through the validated
// serviceUrl: the only host that receives the bot's token. Every text that
// enters a card passes through one escaping function (escapeText); the
// only links are buttons the bot built and the bot's own bare addresses
// (Entra admin center, Microsoft Learn, aka.ms) that Teams links in text.
//
// Only msbotbuilder-go's schema types are used; token handling and the
// connector calls are ours. It depends on handlers and diagnosis, never on
// the Slack adapter, Graph or their SDKs. Its fake Bot Framework is
// teamstest.
package teams

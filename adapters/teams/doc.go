// Package teams is the Microsoft Teams surface of onboard-check: the Bot
// Framework messaging endpoint (POST /api/messages), the validation of its
// bearer tokens (Validator), the bot's own outgoing token (Tokens), and the
// Adaptive Card rendering of replies (CardJSON, ActivityJSON).
//
// Every request's JWT is validated before the activity is read (RS256, a
// key from the OpenID metadata's JWKS, issuer, audience, expiry, the
// serviceurl claim, the key's endorsements); a bad one gets 401 and
// nothing runs. Replies go to the conversation and thread they answer,
// through the validated serviceUrl: the only host that receives the bot's
// token.
//
// Only msbotbuilder-go's schema types are used; token handling and the
// connector calls are ours. It depends on handlers and diagnosis, never on
// the Slack adapter, Graph or their SDKs. Its fake Bot Framework is
// teamstest.
package teams

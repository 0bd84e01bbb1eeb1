// Package teams is the Microsoft Teams surface of onboard-check: the Bot
// Framework messaging endpoint (POST /api/messages), the validation of its
// bearer tokens, the bot's own outgoing token, and the Adaptive Card
// rendering of replies.
//
// Every request's JWT is validated before the activity is read (RS256, a
// key from the OpenID metadata's JWKS, issuer, audience, expiry, the
// serviceurl claim, the key's endorsements); a bad one gets 401 and nothing
// runs. Replies go to the same conversation and thread through the
// validated serviceUrl, the only host that receives the bot's token.
//
// Only msbotbuilder-go's schema types are used; token handling is ours. It
// depends on handlers and diagnosis, never on the Slack adapter or Graph.
// Its fake Bot Framework is in teamstest.
package teams

// Package slack is the Slack surface of onboard-check: the slash command,
// the Events API (app mentions, thread replies and direct messages),
// interactivity (the Recheck and Details buttons) over HTTP or Socket
// Mode, and the Block Kit rendering of replies (Render, MessageJSON, which
// `bot check --output slack` prints).
//
// Every HTTP request is verified (v0 signature, timestamp within five
// minutes, bounded body) before anything is parsed; a bad one gets 401 and
// nothing runs, nothing is stored and nothing is posted. A signed request
// seen before is acknowledged and ignored. Requesters are bound to the
// bot's own workspace or organisation (auth.test), or those of
// Config.Teams. A slash command is acknowledged at once; its job goes to
// the handlers queue, and the reply comes back through the Server's
// Deliverer methods: posted with chat.postMessage so that it has a thread,
// or through the response_url (only Slack's) where the bot cannot post or
// the reply is private. Every text is escaped where it enters Slack's
// format. Each user message is answered once, however often Slack delivers
// it.
//
// Files: server.go (Server, New, Run), endpoints.go (the HTTP handlers),
// decode.go (payloads), requests.go (payload to handlers.Request),
// workspace.go (who the bot is, who may ask), directory.go (users.info,
// user groups), deliver.go (where a reply is posted), progress.go (the
// place in line), responseurl.go, escape.go, blocks.go (Block Kit),
// socket.go (Socket Mode), verify.go (signatures).
//
// It imports handlers and diagnosis, never the Teams adapter or the Graph
// package. Its fake Slack (Web API, response_url, Socket Mode, request
// signing) is slacktest.
package slack

// Package slack is the Slack surface of onboard-check: the slash command,
// the Events API (app mentions and thread replies), interactivity (the
// Recheck and Details buttons) over HTTP or Socket Mode, and the Block Kit
// rendering of replies (Render, MessageJSON, which `bot check --output
// slack` prints).
//
// Every HTTP request is verified (v0 signature, timestamp within five
// minutes, bounded body) before anything is parsed; a bad one gets 401 and
// nothing runs, nothing is stored and nothing is posted. A slash command is
// acknowledged at once; the diagnosis follows from the handlers.Runner,
// posted with chat.postMessage so that it has a thread, or through the
// response_url where the bot cannot post or the reply is private. Each
// user message is answered once, however often Slack delivers it.
//
// It imports handlers and diagnosis, never the Teams adapter or the Graph
// package. Its fake Slack (Web API, response_url, Socket Mode, request
// signing) is slacktest.
package slack

// Package slack is the Slack surface of onboard-check: the slash command,
// the Events API (app mentions and thread replies), interactivity (the
// Recheck and Details buttons) over HTTP or Socket Mode, and the Block Kit
// rendering of replies.
//
// Every HTTP request is verified (v0 signature, timestamp within five
// minutes) before anything is parsed; a bad one gets 401 and nothing runs.
// A slash command is acknowledged at once and the diagnosis follows from
// the background, posted with chat.postMessage so that it has a thread
// (the response_url where the bot cannot post). Each user message is
// answered once, however often Slack delivers it.
//
// It depends on handlers and diagnosis, never on the Teams adapter or the
// Graph package. Its fake Slack Web API is in slacktest.
package slack

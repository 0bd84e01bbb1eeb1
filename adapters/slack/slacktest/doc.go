// Package slacktest is a fake Slack for tests: a per-test httptest.Server
// (or, with NewInProcess, handlers called in the test's goroutine, for
// testing/synctest) speaking the Web API methods the bot calls
// (chat.postMessage, chat.postEphemeral, users.info, usergroups.users.list,
// auth.test, apps.connections.open), a response_url sink and a Socket Mode
// WebSocket that pings and delivers envelopes. It records every call,
// injects faults (error codes such as not_in_channel, 429 ratelimited with
// Retry-After, dropped connections), fails the test on what real Slack
// would refuse (CheckBlocks), and signs requests as Slack does (Sign).
// It never imports slack-go, the client it fakes Slack for.
package slacktest

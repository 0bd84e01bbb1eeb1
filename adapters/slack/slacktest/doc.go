// Package slacktest is a fake Slack for tests: a per-test httptest.Server
// speaking the Web API methods the bot calls (chat.postMessage, users.info,
// auth.test, apps.connections.open), a response_url sink, a Socket Mode
// WebSocket endpoint, fault injection, and Sign, which signs a request the
// way Slack does. It records every call. It never imports slack-go.
package slacktest

// Command teamspkg builds the Teams app package: deploy/teams/manifest.json
// with the bot's app id and domain filled in, zipped with its two icons.
//
//	go run ./cmd/teamspkg -app-id 5e9b… -domain bot.contoso.com -out onboard-check.zip
//
// Upload the zip in Teams (Apps > Manage your apps > Upload an app) or in
// the Teams admin center.
package main

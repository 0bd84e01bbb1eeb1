// Command teamspkg builds the Teams app package: deploy/teams/manifest.json
// with the bot's app id, domain, privacy statement and terms of use filled
// in, zipped with its two icons. The privacy and terms URLs default to the
// pages the bot serves (https://DOMAIN/privacy and /terms, rendered from
// deploy/teams/privacy.html and terms.html); -privacy-url and -terms-url
// name the organisation's own pages instead.
//
//	go run ./cmd/teamspkg -app-id 5e9b… -domain bot.contoso.com -out onboard-check.zip
//
// Upload the zip in Teams (Apps > Manage your apps > Upload an app) or in
// the Teams admin center.
package main

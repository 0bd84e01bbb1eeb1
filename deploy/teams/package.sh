#!/bin/sh
# Builds the Teams app package: manifest.json with the bot's app id and
# host filled in (the privacy statement and terms of use are the pages the
# bot serves, https://HOST/privacy and /terms; run cmd/teamspkg with
# -privacy-url and -terms-url for your organisation's own), zipped with
# color.png and outline.png. Upload the zip in
# Teams (Apps > Manage your apps > Upload an app) or the Teams admin center.
#
#   deploy/teams/package.sh APP_ID HOST [OUT.zip]
#   deploy/teams/package.sh 5e9b3c2a-7d41-4f0e-9c6b-2a1d8e4f7b90 bot.contoso.com
#
# APP_ID defaults to $MICROSOFT_APP_ID. With Go installed this runs
# cmd/teamspkg, which also checks its input; without Go it needs sed and zip.
set -eu

app_id=${1:-${MICROSOFT_APP_ID:-}}
host=${2:-}
out=${3:-onboard-check-teams.zip}
here=$(cd "$(dirname "$0")" && pwd)

if [ -z "$app_id" ] || [ -z "$host" ]; then
	echo "usage: $0 APP_ID HOST [OUT.zip]   (APP_ID defaults to \$MICROSOFT_APP_ID)" >&2
	exit 2
fi
case $out in /*) ;; *) out=$(pwd)/$out ;; esac

if command -v go >/dev/null 2>&1; then
	cd "$here/../.."
	exec go run ./cmd/teamspkg -app-id "$app_id" -domain "$host" -dir "$here" -out "$out"
fi

if ! printf '%s' "$app_id" | grep -Eq '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$'; then
	echo "$0: APP_ID must be the bot's Microsoft App ID, a GUID" >&2
	exit 2
fi
case $host in
*/* | *:* | *" "* | "")
	echo "$0: HOST must be a host name such as bot.contoso.com" >&2
	exit 2
	;;
esac
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
app_id=$(printf '%s' "$app_id" | tr 'A-F' 'a-f')
sed -e "s|{{MICROSOFT_APP_ID}}|$app_id|g" -e "s|{{BOT_DOMAIN}}|$host|g" \
	-e "s|{{PRIVACY_URL}}|https://$host/privacy|g" -e "s|{{TERMS_URL}}|https://$host/terms|g" \
	"$here/manifest.json" >"$work/manifest.json"
cp "$here/color.png" "$here/outline.png" "$work/"
rm -f "$out"
(cd "$work" && zip -q -X "$out" manifest.json color.png outline.png)
echo "$out"

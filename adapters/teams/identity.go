package teams

import "strings"

// Reasons an authenticated activity is refused before the conversation
// sees it; each is audited as the refusal reason.
const (
	refuseChannel      = "channel_not_allowed" // not Teams (Web Chat, Direct Line, Slack through Azure Bot…)
	refuseRequester    = "unauthenticated"     // no from.aadObjectId
	refuseTenant       = "foreign_tenant"      // a tenant the bot does not serve
	refuseTenantClaims = "tenant_mismatch"     // conversation.tenantId and channelData.tenant.id differ
)

// identify decides whether the activity's sender may be served at all:
// the channel must be Teams (the Emulator only where allowed), the
// requester is the Entra object id Teams puts in from.aadObjectId, and the
// tenant the activity names must be one the bot serves. It returns the
// requester's object id and the tenant as configured, or the reason for
// refusing.
//
// Only Teams authenticates from.aadObjectId. On Web Chat and Direct Line
// the client chooses from.id, so it is never read as who asks.
func (c Config) identify(a activity) (requester, tenant, refusal string) {
	switch {
	case a.ChannelID == channelTeams:
	case a.ChannelID == channelEmulator && c.AllowEmulator:
	default:
		return "", "", refuseChannel
	}
	claimed, ok := a.tenantID()
	if !ok && a.Conversation.TenantID != "" {
		return "", "", refuseTenantClaims
	}
	tenant = c.servedTenant(claimed)
	if tenant == "" {
		return "", claimed, refuseTenant
	}
	requester = strings.TrimSpace(a.From.AadObjectID)
	if requester == "" {
		return "", tenant, refuseRequester
	}
	return requester, tenant, ""
}

package handlers

import "slices"

// Access is who may ask for a diagnosis. Sign-in logs are
// personal data, so access fails closed: once any list is set, everyone
// outside the lists is refused, and with no list set everyone is refused
// too unless Everyone says, explicitly, that anyone the surface
// authenticates may ask.
type Access struct {
	SlackUsers    []string // Slack user ids
	SlackGroups   []string // Slack user group ids
	SlackChannels []string // Slack channel ids
	TeamsUsers    []string // Teams AAD object ids
	TeamsTenant   string   // the only Teams tenant served, when set
	TeamsChannels []string // Teams conversation ids (channels and chats)
	// HelpdeskChannels are channels where replies are posted for everyone;
	// elsewhere they are shown to the requester only.
	HelpdeskChannels []string
	// Everyone admits every requester the surface authenticated when no
	// allow-list is set (the sample tenant, or ONBOARD_ALLOW_EVERYONE).
	Everyone bool
}

// Open reports whether no allow-list is set.
func (a Access) Open() bool {
	return len(a.SlackUsers)+len(a.SlackGroups)+len(a.SlackChannels)+len(a.TeamsUsers)+len(a.TeamsChannels) == 0
}

// Allowed reports whether the request's requester may ask here.
func (a Access) Allowed(req Request) bool { return a.refusal(req) == "" }

// refusal says why the request's requester may not ask here, or "" when
// they may. A Teams tenant binding always applies; the lists admit a
// requester by user id, by group, or by the channel asked in; with no list
// only Everyone admits. The command line is its operator's own.
func (a Access) refusal(req Request) string {
	switch req.Surface {
	case SurfaceCLI:
		return ""
	case SurfaceTeams:
		if a.TeamsTenant != "" && req.Requester.TenantID != a.TeamsTenant {
			return "foreign_tenant"
		}
	}
	if a.Open() {
		if a.Everyone {
			return ""
		}
		return refusalNotAllowed
	}
	var ok bool
	switch req.Surface {
	case SurfaceSlack:
		ok = slices.Contains(a.SlackUsers, req.Requester.ID) ||
			slices.ContainsFunc(req.Requester.Groups, func(g string) bool { return slices.Contains(a.SlackGroups, g) }) ||
			slices.Contains(a.SlackChannels, req.Conversation.Channel)
	case SurfaceTeams:
		ok = slices.Contains(a.TeamsUsers, req.Requester.ID) || slices.Contains(a.TeamsChannels, req.Conversation.Channel)
	}
	if ok {
		return ""
	}
	return refusalNotAllowed
}

// Helpdesk reports whether replies in the channel are for everyone.
func (a Access) Helpdesk(channel string) bool {
	return slices.Contains(a.HelpdeskChannels, channel)
}

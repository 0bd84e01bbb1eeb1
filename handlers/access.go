package handlers

import "slices"

// Access is who may ask for a diagnosis (SPEC §10). Sign-in logs are
// personal data: once any list is set, everyone outside the lists is
// refused. With no list set everyone may ask, and serve warns at start-up.
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
}

// Open reports whether no allow-list is set.
func (a Access) Open() bool {
	return len(a.SlackUsers)+len(a.SlackGroups)+len(a.SlackChannels)+len(a.TeamsUsers)+len(a.TeamsChannels) == 0
}

// Allowed reports whether the request's requester may ask here. A Teams
// tenant binding always applies; the lists admit a requester by user id,
// by group, or by the channel asked in.
func (a Access) Allowed(req Request) bool {
	switch req.Surface {
	case SurfaceCLI:
		return true
	case SurfaceTeams:
		if a.TeamsTenant != "" && req.Requester.TenantID != a.TeamsTenant {
			return false
		}
	}
	if a.Open() {
		return true
	}
	switch req.Surface {
	case SurfaceSlack:
		return slices.Contains(a.SlackUsers, req.Requester.ID) ||
			slices.ContainsFunc(req.Requester.Groups, func(g string) bool { return slices.Contains(a.SlackGroups, g) }) ||
			slices.Contains(a.SlackChannels, req.Conversation.Channel)
	case SurfaceTeams:
		return slices.Contains(a.TeamsUsers, req.Requester.ID) || slices.Contains(a.TeamsChannels, req.Conversation.Channel)
	}
	return false
}

// Helpdesk reports whether replies in the channel are for everyone.
func (a Access) Helpdesk(channel string) bool {
	return slices.Contains(a.HelpdeskChannels, channel)
}

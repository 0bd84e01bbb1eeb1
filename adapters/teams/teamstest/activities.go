package teamstest

// Activity builds a message activity in conversationID from the fake's
// serviceUrl, as Teams sends it in a channel; extra overrides fields.
func (s *Server) Activity(id, conversationID, text string, extra map[string]any) map[string]any {
	a := map[string]any{
		"type": "message", "id": id, "timestamp": "2026-11-28T10:00:00.000Z", "localTimestamp": "2026-11-28T11:00:00.000+01:00",
		"serviceUrl": s.URL(), "channelId": "msteams",
		"from":         map[string]any{"id": "29:1helpdesk", "name": "Jan de Vries", "aadObjectId": RequesterID},
		"conversation": map[string]any{"id": conversationID, "conversationType": "channel", "tenantId": TenantID, "isGroup": true},
		"recipient":    map[string]any{"id": BotID, "name": BotName},
		"text":         text, "textFormat": "plain", "locale": "en-US",
		"channelData": map[string]any{"tenant": map[string]any{"id": TenantID}, "teamsTeamId": TeamID, "teamsChannelId": ChannelID,
			"team": map[string]any{"id": TeamID}, "channel": map[string]any{"id": ChannelID}},
	}
	for k, v := range extra {
		a[k] = v
	}
	return a
}

// PersonalActivity builds a message activity in a one-to-one chat.
func (s *Server) PersonalActivity(id, text string, extra map[string]any) map[string]any {
	a := s.Activity(id, "a:1personal-chat-with-jan", text, nil)
	a["conversation"] = map[string]any{"id": "a:1personal-chat-with-jan", "conversationType": "personal", "tenantId": TenantID}
	a["channelData"] = map[string]any{"tenant": map[string]any{"id": TenantID}}
	for k, v := range extra {
		a[k] = v
	}
	return a
}

// GroupActivity builds a message activity in a group chat.
func (s *Server) GroupActivity(id, text string, extra map[string]any) map[string]any {
	a := s.Activity(id, "19:group-chat@thread.v2", text, nil)
	a["conversation"] = map[string]any{"id": "19:group-chat@thread.v2", "conversationType": "groupChat", "tenantId": TenantID, "isGroup": true}
	a["channelData"] = map[string]any{"tenant": map[string]any{"id": TenantID}}
	for k, v := range extra {
		a[k] = v
	}
	return a
}

// BotMention is the entity Teams adds when the bot is mentioned.
func BotMention() map[string]any {
	return map[string]any{"type": "mention", "text": "<at>" + BotName + "</at>",
		"mentioned": map[string]any{"id": BotID, "name": BotName}}
}

// Mention is the entity of a mentioned person; aadObjectID may be empty,
// as it is in some clients' activities.
func Mention(teamsID, name, aadObjectID string) map[string]any {
	m := map[string]any{"id": teamsID, "name": name}
	if aadObjectID != "" {
		m["aadObjectId"] = aadObjectID
	}
	return map[string]any{"type": "mention", "text": "<at>" + name + "</at>", "mentioned": m}
}

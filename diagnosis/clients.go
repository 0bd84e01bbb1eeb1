package diagnosis

import "strings"

// ClientAppType maps a sign-in's clientAppUsed to the policy vocabulary.
func ClientAppType(used string) string {
	switch strings.ToLower(strings.TrimSpace(used)) {
	case "", "browser":
		return "browser"
	case "mobile apps and desktop clients":
		return "mobileAppsAndDesktopClients"
	case "exchange activesync":
		return "exchangeActiveSync"
	default:
		return "other" // IMAP, POP, SMTP, MAPI, EWS and the other legacy protocols
	}
}

func clientAppTypes(types []string, r Request) Condition {
	cond := Condition{Name: "clientAppTypes"}
	if len(types) == 0 || containsFold(types, "all") {
		cond.Match, cond.Reason = MatchYes, "why.client_all"
		return cond
	}
	t := r.ClientAppType
	if t == "" {
		t = "browser"
	}
	if containsFold(types, t) {
		cond.Match, cond.Reason, cond.Args = MatchYes, "why.client_included", []string{"client", t}
		return cond
	}
	cond.Reason, cond.Args = "why.client_not_targeted", []string{"client", t}
	return cond
}

// Platform maps a sign-in's operating system to the policy vocabulary.
func Platform(os string) string {
	l := strings.ToLower(os)
	switch {
	case l == "":
		return ""
	case strings.Contains(l, "windows phone"):
		return "windowsPhone"
	case strings.HasPrefix(l, "windows"):
		return "windows"
	case strings.HasPrefix(l, "ios"), strings.HasPrefix(l, "ipad"):
		return "iOS"
	case strings.HasPrefix(l, "mac"):
		return "macOS"
	case strings.HasPrefix(l, "android"):
		return "android"
	case strings.Contains(l, "linux"), strings.Contains(l, "ubuntu"):
		return "linux"
	}
	return ""
}

func platforms(c *PlatformConditions, r Request) Condition {
	cond := Condition{Name: "platforms"}
	if c == nil || (len(c.Include) == 0 && len(c.Exclude) == 0) {
		cond.Match, cond.Reason = MatchYes, "why.platform_any"
		return cond
	}
	if r.Platform == "" {
		cond.Match, cond.Reason = MatchMaybe, "why.platform_unknown"
		return cond
	}
	if containsFold(c.Exclude, r.Platform) {
		cond.Reason, cond.Args = "why.platform_excluded", []string{"platform", r.Platform}
		return cond
	}
	if containsFold(c.Include, "all") || containsFold(c.Include, r.Platform) {
		cond.Match, cond.Reason, cond.Args = MatchYes, "why.platform_included", []string{"platform", r.Platform}
		return cond
	}
	cond.Reason, cond.Args = "why.platform_not_targeted", []string{"platform", r.Platform}
	return cond
}

package handlers

import (
	"strings"
	"unicode"

	"github.com/onboard-check/onboard-check/diagnosis"
)

// TargetKind says how the user to check was written.
type TargetKind string

// Target kinds. Mentions are resolved by their surface before a check runs.
const (
	TargetUPN          TargetKind = "upn"       // a user principal name or email
	TargetObjectID     TargetKind = "object_id" // a GUID
	TargetSlackMention TargetKind = "slack"     // <@U123>: a Slack user id
	TargetTeamsMention TargetKind = "teams"     // <at>Name</at>: a Teams mention, by its text
)

// Target is the user a check is about.
type Target struct {
	Kind  TargetKind
	Value string
}

// ParseTarget reads the USER argument: a UPN or email (apostrophes and
// #EXT# allowed), a Slack mailto link <mailto:a@b|a@b>, a Slack mention
// <@U123> or <@U123|name>, a Teams mention <at>Name</at>, or an object id.
func ParseTarget(s string) (Target, error) {
	switch {
	case strings.HasPrefix(s, "<mailto:") && strings.HasSuffix(s, ">"):
		addr, _, _ := strings.Cut(strings.TrimSuffix(strings.TrimPrefix(s, "<mailto:"), ">"), "|")
		if !validUPN(addr) {
			return Target{}, usage("usage.user_bad", s)
		}
		return Target{Kind: TargetUPN, Value: addr}, nil
	case strings.HasPrefix(s, "<@") && strings.HasSuffix(s, ">"):
		id, _, _ := strings.Cut(strings.TrimSuffix(strings.TrimPrefix(s, "<@"), ">"), "|")
		if !validSlackID(id) {
			return Target{}, usage("usage.user_bad", s)
		}
		return Target{Kind: TargetSlackMention, Value: id}, nil
	case len(s) >= len("<at></at>") && hasPrefixFold(s, "<at>") && hasPrefixFold(s[len(s)-len("</at>"):], "</at>"):
		name := s[len("<at>") : len(s)-len("</at>")]
		if strings.TrimSpace(name) != name || name == "" || len(name) > 256 || strings.ContainsAny(name, "<>") ||
			strings.ContainsFunc(name, func(r rune) bool { return isControl(r) || unicode.IsSpace(r) && r != ' ' }) {
			return Target{}, usage("usage.user_bad", s)
		}
		return Target{Kind: TargetTeamsMention, Value: name}, nil
	case diagnosis.IsGUID(s):
		return Target{Kind: TargetObjectID, Value: strings.ToLower(s)}, nil
	case validUPN(s):
		return Target{Kind: TargetUPN, Value: s}, nil
	}
	return Target{}, usage("usage.user_bad", s)
}

// validSlackID accepts Slack user ids (U… or W…, upper-case letters and digits).
func validSlackID(id string) bool {
	if len(id) < 2 || len(id) > 32 || (id[0] != 'U' && id[0] != 'W') {
		return false
	}
	for _, r := range id {
		if !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// validUPN accepts what Entra allows in a user principal name (letters,
// digits and ' . - _ ! # ^ ~, plus + for email addresses) before a single
// @ and a dotted domain.
func validUPN(s string) bool {
	if len(s) > 256 {
		return false
	}
	local, domain, ok := strings.Cut(s, "@")
	if !ok || local == "" || strings.Contains(domain, "@") && !strings.Contains(strings.ToUpper(local), "#EXT") {
		return false
	}
	// A guest's UPN has exactly one @ after #EXT#; any other @ is wrong.
	if strings.Count(s, "@") != 1 {
		return false
	}
	for _, r := range local {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("'.-_!#^~+", r)) {
			return false
		}
	}
	if strings.HasPrefix(local, ".") || strings.HasSuffix(local, ".") || strings.Contains(local, "..") {
		return false
	}
	labels := strings.Split(domain, ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for _, r := range l {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
				return false
			}
		}
	}
	return true
}

// String writes the target back in a form ParseTarget reads.
func (t Target) String() string {
	switch t.Kind {
	case TargetSlackMention:
		return "<@" + t.Value + ">"
	case TargetTeamsMention:
		return "<at>" + t.Value + "</at>"
	}
	return t.Value
}

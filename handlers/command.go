package handlers

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/onboard-check/onboard-check/diagnosis"
)

// ErrUsage marks input that is not a command of the grammar. Errors that
// wrap it carry a catalog key (see UsageError) for the reply.
var ErrUsage = errors.New("usage")

// UsageError says which part of the input was wrong, as a catalog key.
type UsageError struct {
	Key   string // catalog key under "usage."
	Input string // the offending part, as typed
}

func (e *UsageError) Error() string { return e.Key + ": " + strconv.Quote(e.Input) }

// Unwrap makes errors.Is(err, ErrUsage) true.
func (e *UsageError) Unwrap() error { return ErrUsage }

func usage(key, input string) error { return &UsageError{Key: key, Input: input} }

// Kind is what a command asks for.
type Kind string

// Command kinds: a new check, and the follow-ups that continue one in its thread.
const (
	KindCheck   Kind = "check"
	KindDetails Kind = "details"
	KindSignIns Kind = "signins"
	KindPolicy  Kind = "policy"
	KindRecheck Kind = "recheck"
	KindExplain Kind = "explain"
	KindWhatIf  Kind = "whatif"
	KindHelp    Kind = "help"
)

// WhatIf holds the conditions of a hypothetical sign-in.
type WhatIf struct {
	App      string // catalog key or app id
	Platform string // android, iOS, windows, macOS, linux
	Location string // an IP address or a two-letter country code
	Client   string // browser, mobileAppsAndDesktopClients, exchangeActiveSync, other
}

// Command is one parsed line of chat or CLI input. It is comparable, so
// that Parse(c.String()) == c can be checked.
type Command struct {
	Kind   Kind
	User   Target // KindCheck
	App    string // KindCheck: catalog key or app id; empty for all
	Since  string // KindCheck: the sign-in window as typed ("72h", "7d"); empty for the default
	Arg    string // KindPolicy: name or id; KindExplain: the error code
	WhatIf WhatIf // KindWhatIf
}

// maxInput bounds what Parse reads: chat messages are short.
const maxInput = 1024

// Parse reads one command:
//
//	[/]onboard-check USER [APP] [--app APP] [--since WINDOW]
//	details | signins | policy NAME-OR-ID | recheck | explain CODE | help
//	whatif [app=APP] [platform=P] [location=IP-OR-COUNTRY] [client=TYPE]
//
// A bare USER is a check too. USER is a UPN or email, a Slack mailto link,
// a Slack or Teams mention, or an object id. Anything else is a usage
// error wrapping ErrUsage; nothing here reaches Graph unchecked.
func Parse(in string) (Command, error) {
	if len(in) > maxInput {
		return Command{}, usage("usage.too_long", in[:40])
	}
	if !utf8.ValidString(in) {
		return Command{}, usage("usage.encoding", "")
	}
	fields := tokens(in)
	if len(fields) == 0 {
		return Command{Kind: KindHelp}, nil
	}
	head := strings.ToLower(fields[0])
	if head == "/onboard-check" || head == "onboard-check" || head == "check" {
		fields = fields[1:]
		if len(fields) == 0 {
			return Command{Kind: KindHelp}, nil
		}
		head = strings.ToLower(fields[0])
	}
	rest := fields[1:]
	switch head {
	case "help", "-h", "--help", "?", "hulp":
		return Command{Kind: KindHelp}, nil
	case "details", "detail":
		return noArgs(KindDetails, rest)
	case "signins", "sign-ins", "signin", "aanmeldingen":
		return noArgs(KindSignIns, rest)
	case "recheck", "again", "opnieuw":
		return noArgs(KindRecheck, rest)
	case "policy", "beleid":
		if len(rest) == 0 {
			return Command{}, usage("usage.policy_missing", "")
		}
		arg := strings.Join(rest, " ")
		if len(arg) > 256 || strings.ContainsFunc(arg, isControl) {
			return Command{}, usage("usage.policy_bad", arg)
		}
		return Command{Kind: KindPolicy, Arg: arg}, nil
	case "explain", "uitleg":
		if len(rest) != 1 {
			return Command{}, usage("usage.explain_missing", strings.Join(rest, " "))
		}
		code, err := ParseErrorCode(rest[0])
		if err != nil {
			return Command{}, err
		}
		return Command{Kind: KindExplain, Arg: strconv.Itoa(code)}, nil
	case "whatif", "what-if":
		return parseWhatIf(rest)
	}
	return parseCheck(fields)
}

// tokens splits input on white space, keeping a Teams mention
// (<at>First Last</at>) in one token.
func tokens(in string) []string {
	var out []string
	for {
		in = strings.TrimLeftFunc(in, unicode.IsSpace)
		if in == "" {
			return out
		}
		if hasPrefixFold(in, "<at>") {
			if end := indexFold(in, "</at>"); end >= 0 {
				out = append(out, in[:end+len("</at>")])
				in = in[end+len("</at>"):]
				continue
			}
		}
		end := strings.IndexFunc(in, unicode.IsSpace)
		if end < 0 {
			return append(out, in)
		}
		out = append(out, in[:end])
		in = in[end:]
	}
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// indexFold is strings.Index ignoring ASCII case.
func indexFold(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(sub)], sub) {
			return i
		}
	}
	return -1
}

func noArgs(k Kind, rest []string) (Command, error) {
	if len(rest) > 0 {
		return Command{}, usage("usage.no_arguments", strings.Join(rest, " "))
	}
	return Command{Kind: k}, nil
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

// ParseErrorCode reads an AADSTS code as "53003" or "AADSTS53003".
func ParseErrorCode(s string) (int, error) {
	t := strings.TrimPrefix(strings.ToUpper(s), "AADSTS")
	n, err := strconv.Atoi(t)
	if err != nil || n <= 0 || n > 99999999 || t[0] == '+' || t[0] == '0' {
		return 0, usage("usage.explain_bad", s)
	}
	return n, nil
}

func parseCheck(fields []string) (Command, error) {
	user, err := ParseTarget(fields[0])
	if err != nil {
		return Command{}, err
	}
	c := Command{Kind: KindCheck, User: user}
	for i := 1; i < len(fields); i++ {
		f := fields[i]
		name, val, hasVal := strings.Cut(strings.TrimLeft(f, "-"), "=")
		flag := strings.HasPrefix(f, "-") || hasVal
		if flag && !hasVal {
			if i+1 >= len(fields) {
				return Command{}, usage("usage.flag_value", f)
			}
			i++
			val = fields[i]
		}
		switch {
		case flag && strings.EqualFold(name, "app"):
			if c.App != "" {
				return Command{}, usage("usage.app_twice", val)
			}
			if !validApp(val) {
				return Command{}, usage("usage.app_bad", val)
			}
			c.App = val
		case flag && strings.EqualFold(name, "since"):
			if _, err := diagnosis.ParseWindow(val); err != nil {
				return Command{}, usage("usage.since_bad", val)
			}
			c.Since = val
		case flag:
			return Command{}, usage("usage.flag_unknown", f)
		default:
			if _, err := diagnosis.ParseWindow(f); err == nil && c.Since == "" {
				c.Since = f
				continue
			}
			if c.App != "" || !validApp(f) {
				return Command{}, usage("usage.extra", f)
			}
			c.App = f
		}
	}
	return c, nil
}

// validApp accepts the shape of an app catalog key or an app id; whether
// the catalog knows it is checked where the catalog is at hand.
func validApp(s string) bool {
	if diagnosis.IsGUID(s) {
		return true
	}
	if s == "" || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

func parseWhatIf(rest []string) (Command, error) {
	c := Command{Kind: KindWhatIf}
	for _, f := range rest {
		k, v, ok := strings.Cut(f, "=")
		if !ok || v == "" {
			return Command{}, usage("usage.whatif_bad", f)
		}
		switch strings.ToLower(k) {
		case "app":
			if !validApp(v) {
				return Command{}, usage("usage.app_bad", v)
			}
			c.WhatIf.App = v
		case "platform", "os":
			p := normalizePlatform(v)
			if p == "" {
				return Command{}, usage("usage.platform_bad", v)
			}
			c.WhatIf.Platform = p
		case "location", "ip", "country":
			if !validLocation(v) {
				return Command{}, usage("usage.location_bad", v)
			}
			c.WhatIf.Location = v
		case "client":
			t := normalizeClient(v)
			if t == "" {
				return Command{}, usage("usage.client_bad", v)
			}
			c.WhatIf.Client = t
		default:
			return Command{}, usage("usage.whatif_bad", f)
		}
	}
	return c, nil
}

func normalizePlatform(v string) string {
	for _, p := range []string{"android", "iOS", "windows", "macOS", "linux", "windowsPhone"} {
		if strings.EqualFold(v, p) {
			return p
		}
	}
	return ""
}

func normalizeClient(v string) string {
	for _, c := range []string{"browser", "mobileAppsAndDesktopClients", "exchangeActiveSync", "other"} {
		if strings.EqualFold(v, c) {
			return c
		}
	}
	return ""
}

func validLocation(v string) bool {
	if _, err := netip.ParseAddr(v); err == nil {
		return true
	}
	return len(v) == 2 && strings.IndexFunc(v, func(r rune) bool { return !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z') }) < 0
}

// String writes the command back in a form Parse reads as the same command.
func (c Command) String() string {
	switch c.Kind {
	case KindCheck:
		s := "onboard-check " + c.User.String()
		if c.App != "" {
			s += " --app " + c.App
		}
		if c.Since != "" {
			s += " --since " + c.Since
		}
		return s
	case KindPolicy, KindExplain:
		return fmt.Sprintf("%s %s", c.Kind, c.Arg)
	case KindWhatIf:
		s := "whatif"
		for _, kv := range [][2]string{{"app", c.WhatIf.App}, {"platform", c.WhatIf.Platform}, {"location", c.WhatIf.Location}, {"client", c.WhatIf.Client}} {
			if kv[1] != "" {
				s += " " + kv[0] + "=" + kv[1]
			}
		}
		return s
	}
	return string(c.Kind)
}

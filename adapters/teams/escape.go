package teams

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// escapeText makes text show as itself in an Adaptive Card TextBlock or
// FactSet, which Teams renders as Markdown
// (https://learn.microsoft.com/adaptive-cards/authoring-cards/text-features):
// every character that could start a link, an image, emphasis, code, a
// heading, a quote, a list or HTML (a Teams <at> mention among it) is
// escaped with a backslash, as CommonMark reads escapes, so an app named
// "[Re-register MFA](https://evil.example)" is shown, not followed. It is
// the one escaping function of the card: every string that enters a card
// from the diagnosis, Graph or the requester passes through it, and the
// bot's own buttons travel as Action.OpenUrl only (openURL).
//
// Two rules keep bare addresses from becoming links that escaping alone
// would let through, because Teams and GFM link them without any markup:
// the slashes of every "//" and the dot of a "www." starting a word are
// escaped too. The one exception is a bare link the bot builds itself
// (bareLink): https, a host of linkHosts, standing alone between
// whitespace. It is written unescaped, since Teams auto-links the raw
// text and a backslash inside it (Microsoft\_AAD\_…) would show and
// break the link; its character set keeps it inert as Markdown.
func escapeText(s string) string {
	// Invalid UTF-8 becomes U+FFFD; a lone CR would split lines for some
	// renderers, so CRs go (\n stays).
	rs := slices.DeleteFunc([]rune(s), func(r rune) bool { return r == '\r' })
	var b strings.Builder
	b.Grow(len(s) + len(s)/8)
	lineStart := true // only spaces since the start of the line
	digits := false   // only digits since lineStart (after spaces)
	tilde := false    // a bare link has already kept its ~ unescaped
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		if i == 0 || isSpace(rs[i-1]) {
			if n, ok := bareLink(rs, i, &tilde); ok {
				if rs[i] == '(' {
					b.WriteByte('\\')
				}
				b.WriteString(string(rs[i : i+n]))
				i += n - 1
				lineStart, digits = false, false
				continue
			}
		}
		switch {
		case r == '\n':
			b.WriteRune(r)
			lineStart, digits = true, false
			continue
		case strings.ContainsRune("\\`*_~[]()<>&!|{}", r):
			// Anywhere: links, images, emphasis, strikethrough, code,
			// autolinks, HTML and entities, tables.
			b.WriteByte('\\')
		case r == '/' && (i > 0 && rs[i-1] == '/' || i+1 < len(rs) && rs[i+1] == '/'):
			// "//": the scheme of an address, or a protocol-relative one.
			b.WriteByte('\\')
		case r == '.' && wwwBefore(rs, i):
			// "www.": GFM's extended autolink.
			b.WriteByte('\\')
		case lineStart && strings.ContainsRune("#-+=", r):
			// Headings, list items, setext underlines, thematic breaks.
			b.WriteByte('\\')
		case digits && (r == '.' || r == ')'):
			// "1." or "1)" starting a line is an ordered list.
			b.WriteByte('\\')
		}
		b.WriteRune(r)
		switch {
		case r >= '0' && r <= '9' && (lineStart || digits):
			lineStart, digits = false, true
		case (r == ' ' || r == '\t') && lineStart:
		default:
			lineStart, digits = false, false
		}
	}
	return b.String()
}

// linkHosts are the hosts whose links the bot builds itself, in the
// diagnosis text and references: the Entra admin center, Microsoft Learn,
// Microsoft's aka.ms short links and the AADSTS error lookup.
// TestLinkHostsMatchDiagnosis keeps the list equal to those links.
var linkHosts = []string{"entra.microsoft.com", "learn.microsoft.com", "aka.ms", "login.microsoftonline.com"}

// linkTrail is the punctuation that may follow a bare link before the
// whitespace that ends it; it is not part of the link, as GFM and
// linkify-it read it too.
const linkTrail = ".,;:!?)"

// bareLink reports whether the word starting at rs[i] (a word ends at a
// space, tab, newline or the end of the text) is a bare link the bot
// builds: "https://", a host of linkHosts, then only letters, digits and
// -._~/?#=% (no "//", no markup, so no label, HTML, entity or port can
// ride along), optionally in "(" and followed by linkTrail punctuation.
// Every _ in it sits between two letters or digits, where it can neither
// open nor close emphasis, and the text keeps at most one ~ unescaped
// (*tilde), so no pair of them can strike text through. The word must not
// follow one of ([]<=" ' across whitespace: "[label]( https://…)" and
// "<a href= https://…>" stay escaped whole. n is the length of the word.
func bareLink(rs []rune, i int, tilde *bool) (n int, ok bool) {
	for j := i - 1; j >= 0; j-- {
		if !isSpace(rs[j]) {
			if strings.ContainsRune("([]<=\"'", rs[j]) {
				return 0, false
			}
			break
		}
	}
	end := i
	for end < len(rs) && !isSpace(rs[end]) {
		end++
	}
	word := string(rs[i:end])
	core := strings.TrimPrefix(word, "(")
	core = strings.TrimRight(core, linkTrail)
	rest, ok := strings.CutPrefix(core, "https://")
	if !ok {
		return 0, false
	}
	host, path := rest, ""
	if k := strings.IndexAny(rest, "/?#"); k >= 0 {
		host, path = rest[:k], rest[k:]
	}
	if !hostAllowed(host) || strings.Contains(path, "//") || openURL(core) == "" {
		return 0, false
	}
	tildes := 0
	for k := 0; k < len(path); k++ {
		c := path[k]
		switch {
		case isAlnum(c) || strings.IndexByte("-./?#=%", c) >= 0:
		case c == '_' && k > 0 && k+1 < len(path) && isAlnum(path[k-1]) && isAlnum(path[k+1]):
		case c == '~':
			tildes++
		default:
			return 0, false
		}
	}
	if tildes > 1 || (tildes == 1 && *tilde) {
		return 0, false
	}
	*tilde = *tilde || tildes == 1
	return end - i, true
}

func hostAllowed(host string) bool {
	for _, h := range linkHosts {
		if host == h {
			return true
		}
	}
	return false
}

// wwwBefore reports whether rs[i] follows "www" starting a word.
func wwwBefore(rs []rune, i int) bool {
	if i < 3 || !strings.EqualFold(string(rs[i-3:i]), "www") {
		return false
	}
	return i == 3 || !(rs[i-4] < utf8.RuneSelf && isAlnum(byte(rs[i-4])))
}

func isSpace(r rune) bool { return r == ' ' || r == '\t' || r == '\n' }

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// escapeLines escapes each item and joins them as a Markdown list the
// bot builds itself: numbered ("1. ") or bulleted ("- "), one item per
// paragraph. Only the list markers are Markdown; the items are text.
func escapeLines(items []string, numbered bool) string {
	var parts []string
	for i, it := range items {
		marker := "- "
		if numbered {
			marker = strconv.Itoa(i+1) + ". "
		}
		// A line break inside an item would end the item; keep it in.
		parts = append(parts, marker+strings.ReplaceAll(escapeText(it), "\n", " "))
	}
	sep := "\n"
	if numbered {
		sep = "\n\n"
	}
	return strings.Join(parts, sep)
}

// cutEscaped shortens escaped text to about n runes like cut, never
// leaving a dangling backslash that would escape the ellipsis.
func cutEscaped(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)[:n-1]
	bs := 0
	for i := len(r) - 1; i >= 0 && r[i] == '\\'; i-- {
		bs++
	}
	if bs%2 == 1 {
		r = r[:len(r)-1]
	}
	return string(r) + "…"
}

// openURL returns u when it is a link the bot builds (https, on one of
// linkHosts, no credentials), for an Action.OpenUrl; else "".
func openURL(u string) string {
	p, err := url.Parse(u)
	if err != nil || p.Scheme != "https" || p.User != nil || p.Port() != "" {
		return ""
	}
	for _, h := range linkHosts {
		if strings.EqualFold(p.Host, h) {
			return p.String()
		}
	}
	return ""
}

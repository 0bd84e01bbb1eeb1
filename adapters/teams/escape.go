package teams

import (
	"net/url"
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
// bot's own links travel as Action.OpenUrl only (openURL).
func escapeText(s string) string {
	var b strings.Builder
	b.Grow(len(s) + len(s)/8)
	lineStart := true // only spaces since the start of the line
	digits := false   // only digits since lineStart (after spaces)
	for _, r := range s {
		switch {
		case r == '\r':
			continue // a lone CR would split lines for some renderers; \n stays
		case r == '\n':
			b.WriteRune(r)
			lineStart, digits = true, false
			continue
		case strings.ContainsRune("\\`*_~[]()<>&!|{}", r):
			// Anywhere: links, images, emphasis, strikethrough, code,
			// autolinks, HTML and entities, tables.
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

// linkHosts are the hosts whose links the bot builds itself: the Entra
// admin center, the Azure portal and Microsoft Learn.
var linkHosts = []string{"entra.microsoft.com", "portal.azure.com", "learn.microsoft.com", "login.microsoftonline.com"}

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

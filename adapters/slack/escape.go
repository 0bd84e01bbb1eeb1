package slack

import (
	"strings"
	"unicode/utf8"

	slackapi "github.com/slack-go/slack"
)

// Every text this package gives Slack — a message's top-level text (acks,
// notification and fallback texts, ephemeral messages, response_url
// bodies) and every Block Kit text object — is made by text, mrkdwn or
// plain below, which escape it. Nothing from a request or from Graph (an
// app's display name, a policy name, a UPN, a typed <!here>) can therefore
// become a mention, a broadcast or a link: Slack reads <, > and & as
// markup only when they arrive unescaped.
// https://api.slack.com/reference/surfaces/formatting#escaping

var escaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// escape keeps s from being read as Slack markup. It is the one escaping
// function of the surface; text, mrkdwn and plain call it.
func escape(s string) string { return escaper.Replace(s) }

// text escapes s for a text field of at most n characters (as Slack counts
// them, after escaping), cut with an ellipsis when longer.
func text(s string, n int) string {
	if e := escape(s); utf8.RuneCountInString(e) <= n {
		return e
	}
	r := []rune(s)
	return escape(string(r[:fit(r, n-1)])) + "…"
}

// fit returns the most runes of r whose escaped form holds at most n
// characters.
func fit(r []rune, n int) int {
	k := min(len(r), max(n, 0))
	for k > 0 {
		over := utf8.RuneCountInString(escape(string(r[:k]))) - n
		if over <= 0 {
			return k
		}
		// A rune escapes to at most five, so dropping over/5 runes never
		// drops more than needed.
		k -= max(1, over/5)
	}
	return 0
}

// mrkdwn is a mrkdwn text object of s, escaped and within Slack's limit.
// Formatting (*bold*, _italic_) stays; links and mentions cannot arise.
func mrkdwn(s string) *slackapi.TextBlockObject {
	return slackapi.NewTextBlockObject(slackapi.MarkdownType, text(s, maxText), false, false)
}

// plain is a plain_text object of s, escaped and within n characters;
// emoji lets Slack show :shortcodes: as emoji.
func plain(s string, n int, emoji bool) *slackapi.TextBlockObject {
	return slackapi.NewTextBlockObject(slackapi.PlainTextType, text(s, n), emoji, false)
}

// cutWith shortens s so that, escaped, it stays within n characters,
// ending at a line break where one is near, followed by tail on its own
// line.
func cutWith(s string, n int, tail string) string {
	if utf8.RuneCountInString(escape(s)) <= n {
		return s
	}
	room := n - utf8.RuneCountInString(escape(tail)) - 1
	if room <= 0 {
		return s // text cuts it with an ellipsis
	}
	r := []rune(s)
	head := string(r[:fit(r, room)])
	if i := strings.LastIndex(head, "\n"); i > len(head)/2 {
		head = head[:i]
	}
	return head + "\n" + tail
}

// chunks splits s at line breaks into pieces that, escaped, hold at most n
// characters each, at most max pieces.
func chunks(s string, n, max int) []string {
	var out []string
	var cur strings.Builder
	size := 0
	for _, line := range strings.Split(s, "\n") {
		l := utf8.RuneCountInString(escape(line))
		if l > n {
			line, l = cutRaw(line, n), n
		}
		if cur.Len() > 0 && size+l+1 > n {
			out = append(out, cur.String())
			cur.Reset()
			size = 0
		}
		if cur.Len() > 0 {
			cur.WriteString("\n")
			size++
		}
		cur.WriteString(line)
		size += l
	}
	if cur.Len() > 0 || len(out) == 0 {
		out = append(out, cur.String())
	}
	if len(out) > max {
		out = out[:max]
	}
	return out
}

// cutRaw shortens an unescaped line so that its escaped form, with an
// ellipsis, holds at most n characters.
func cutRaw(s string, n int) string {
	r := []rune(s)
	return string(r[:fit(r, n-1)]) + "…"
}

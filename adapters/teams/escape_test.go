package teams

import (
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestEscapeText(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ in, want string }{
		{"adele@contoso.com", "adele@contoso.com"},
		{"[Re-register MFA](https://evil.example)", `\[Re-register MFA\]\(https:\/\/evil.example\)`},
		{"![x](https://evil.example/p.png)", `\!\[x\]\(https:\/\/evil.example/p.png\)`},
		{"<at>Adele Vance</at>", `\<at\>Adele Vance\</at\>`},
		{"<https://evil.example>", `\<https:\/\/evil.example\>`},
		{"&lt;at&gt;", `\&lt;at\&gt;`},
		{"**bold** _it_ ~~s~~ `code`", `\*\*bold\*\* \_it\_ \~\~s\~\~ \` + "`" + `code\` + "`"},
		{"# Heading\n> quote\n- item\n+ item\n  12. step\n3) step\n===", "\\# Heading\n\\> quote\n\\- item\n\\+ item\n  12\\. step\n3\\) step\n\\==="},
		{"CA-015 costs 1.5 (a-b)", `CA-015 costs 1.5 \(a-b\)`},
		{"back\\slash", `back\\slash`},
		{"a\r\nb", "a\nb"},
		{"N/A and a/b", "N/A and a/b"},
	} {
		if got := escapeText(tt.in); got != tt.want {
			t.Errorf("escapeText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestEscapeTextLinks: a bare link the bot builds is left as it is, so
// that Teams links it whole; every trick that dresses another address up
// as one, or puts one of the bot's addresses under a label, stays text.
func TestEscapeTextLinks(t *testing.T) {
	t.Parallel()
	const policy = "https://entra.microsoft.com/#view/Microsoft_AAD_ConditionalAccess/PolicyBlade/policyId/93fd4d06-ef83-5a7b-8b7b-1ef30d3e6fcf"
	const locations = "https://entra.microsoft.com/#view/Microsoft_AAD_ConditionalAccess/ConditionalAccessBlade/~/NamedLocations"
	for _, tt := range []struct{ name, in, want string }{
		// The bot's own links, bare.
		{"entra", "Open the policy: " + policy + ". Look at it.", "Open the policy: " + policy + ". Look at it."},
		{"learn", "https://learn.microsoft.com/graph/api/resources/signin?view=graph-rest-beta", "https://learn.microsoft.com/graph/api/resources/signin?view=graph-rest-beta"},
		{"aka.ms", "Register at https://aka.ms/mysecurityinfo, then sign in", "Register at https://aka.ms/mysecurityinfo, then sign in"},
		{"aadsts lookup", "https://login.microsoftonline.com/error?code=53003", "https://login.microsoftonline.com/error?code=53003"},
		{"start of a line", "a\n" + locations + "\nb", "a\n" + locations + "\nb"},
		{"host only", "https://aka.ms.", "https://aka.ms."},
		{"trailing punctuation stays outside", "(see " + locations + ").", "\\(see " + locations + ")."},
		{"in parentheses", "logs (" + locations + ") or", "logs \\(" + locations + ") or"},
		{"trailing ! and ?", "https://aka.ms/sspr!? x", "https://aka.ms/sspr!? x"},
		// Other hosts and look-alikes.
		{"other host", "https://evil.example/x_y", `https:\/\/evil.example/x\_y`},
		{"http", "http://learn.microsoft.com/x_y", `http:\/\/learn.microsoft.com/x\_y`},
		{"suffix host", "https://entra.microsoft.com.evil.example/x", `https:\/\/entra.microsoft.com.evil.example/x`},
		{"trailing dot host", "https://learn.microsoft.com./x", `https:\/\/learn.microsoft.com./x`},
		{"prefix host", "https://xlearn.microsoft.com/x", `https:\/\/xlearn.microsoft.com/x`},
		{"upper case", "HTTPS://LEARN.MICROSOFT.COM/x", `HTTPS:\/\/LEARN.MICROSOFT.COM/x`},
		{"allowed host in the query", "https://evil.example/?https://learn.microsoft.com", `https:\/\/evil.example/?https:\/\/learn.microsoft.com`},
		{"other host in the query", "https://learn.microsoft.com/?u=https://evil.example", `https:\/\/learn.microsoft.com/?u=https:\/\/evil.example`},
		{"userinfo", "https://learn.microsoft.com@evil.example/x", `https:\/\/learn.microsoft.com@evil.example/x`},
		{"userinfo in the path", "https://learn.microsoft.com/@evil.example", `https:\/\/learn.microsoft.com/@evil.example`},
		{"port", "https://aka.ms:8443/x", `https:\/\/aka.ms:8443/x`},
		{"backslash", `https://aka.ms\@evil.example`, `https:\/\/aka.ms\\@evil.example`},
		{"double slash in the path", "https://aka.ms//evil.example", `https:\/\/aka.ms\/\/evil.example`},
		{"look-alike letter", "https://leаrn.microsoft.com/x", `https:\/\/leаrn.microsoft.com/x`},
		{"protocol-relative", "see //evil.example/x", `see \/\/evil.example/x`},
		{"www", "www.evil.example and Www.evil.example", `www\.evil.example and Www\.evil.example`},
		{"www inside a word", "awww.x", "awww.x"},
		{"javascript", "javascript:alert(1)", `javascript:alert\(1\)`},
		// The bot's hosts inside link syntax.
		{"labelled link", "[Re-register MFA](https://learn.microsoft.com/x)", `\[Re-register MFA\]\(https:\/\/learn.microsoft.com/x\)`},
		{"labelled link, space", "[Re-register MFA]( https://learn.microsoft.com/x)", `\[Re-register MFA\]\( https:\/\/learn.microsoft.com/x\)`},
		{"labelled link, line break", "[Re-register MFA](\nhttps://learn.microsoft.com/x)", "\\[Re-register MFA\\]\\(\nhttps:\\/\\/learn.microsoft.com/x\\)"},
		{"label after the link", "https://learn.microsoft.com/x](https://evil.example)", `https:\/\/learn.microsoft.com/x\]\(https:\/\/evil.example\)`},
		{"closing parenthesis then label", "https://aka.ms/x)[y](https://evil.example)", `https:\/\/aka.ms/x\)\[y\]\(https:\/\/evil.example\)`},
		{"reference", "[x]: https://aka.ms/x", `\[x\]: https://aka.ms/x`},
		{"reference after bracket", "[x] https://aka.ms/x", `\[x\] https:\/\/aka.ms/x`},
		{"image", "![x](https://aka.ms/x)", `\!\[x\]\(https:\/\/aka.ms/x\)`},
		{"autolink", "<https://learn.microsoft.com/x>", `\<https:\/\/learn.microsoft.com/x\>`},
		{"autolink, space", "< https://learn.microsoft.com/x >", `\< https:\/\/learn.microsoft.com/x \>`},
		{"html", `<a href="https://learn.microsoft.com/x">Reset</a>`, `\<a href="https:\/\/learn.microsoft.com/x"\>Reset\</a\>`},
		{"html, unquoted", `<a href= https://learn.microsoft.com/x>Reset</a>`, `\<a href= https:\/\/learn.microsoft.com/x\>Reset\</a\>`},
		{"html, quote", `<a href=" https://aka.ms/x ">`, `\<a href=" https:\/\/aka.ms/x "\>`},
		{"mention in the path", "https://aka.ms/<at>x</at>", `https:\/\/aka.ms/\<at\>x\</at\>`},
		{"entity", "https://aka.ms/?a=&lt;at&gt;", `https:\/\/aka.ms/?a=\&lt;at\&gt;`},
		{"no space before", "x:https://aka.ms/x", `x:https:\/\/aka.ms/x`},
		// Markup inside one of the bot's links.
		{"emphasis", "https://aka.ms/_x_/", `https:\/\/aka.ms/\_x\_/`},
		{"trailing underscore", "https://aka.ms/x_", `https:\/\/aka.ms/x\_`},
		{"double underscore", "https://aka.ms/a__b", `https:\/\/aka.ms/a\_\_b`},
		{"star", "https://aka.ms/*x*", `https:\/\/aka.ms/\*x\*`},
		{"double tilde", "https://aka.ms/~~x~~", `https:\/\/aka.ms/\~\~x\~\~`},
		{"two tildes", "https://aka.ms/~/a/~/b", `https:\/\/aka.ms/\~/a/\~/b`},
		{"a second tilde", locations + " " + locations, locations + " " + `https:\/\/entra.microsoft.com/#view/Microsoft\_AAD\_ConditionalAccess/ConditionalAccessBlade/\~/NamedLocations`},
		{"bad percent escape", "https://aka.ms/%zz", `https:\/\/aka.ms/%zz`},
		{"non-breaking space", "https://aka.ms/x\u00a0[y](z)", "https:\\/\\/aka.ms/x\u00a0\\[y\\]\\(z\\)"},
		{"line ending CRLF", "https://aka.ms/x\r\n[y](z)", "https://aka.ms/x\n\\[y\\]\\(z\\)"},
		{"carriage return inside", "https://aka.ms/x\r[y](z) w\rww.evil.example /\r/evil", "https:\\/\\/aka.ms/x\\[y\\]\\(z\\) www\\.evil.example \\/\\/evil"},
	} {
		if got := escapeText(tt.in); got != tt.want {
			t.Errorf("%s: escapeText(%q) = %q, want %q", tt.name, tt.in, got, tt.want)
		}
		if err := checkEscaped(tt.in, escapeText(tt.in)); err != "" {
			t.Errorf("%s: escapeText(%q): %s", tt.name, tt.in, err)
		}
	}
}

// diagnosisURL finds the links written in the diagnosis package's code
// and texts, the ones the bot builds.
var diagnosisURL = regexp.MustCompile("https?://[^\\s\"'`<>\\\\]+")

func diagnosisLinks(t *testing.T) []string {
	t.Helper()
	var files []string
	for _, pattern := range []string{"*.go", "*.json", "kb/*.json"} {
		m, err := filepath.Glob(filepath.Join("..", "..", "diagnosis", pattern))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	var links []string
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range diagnosisURL.FindAllString(string(b), -1) {
			links = append(links, strings.TrimRight(u, linkTrail))
		}
	}
	if len(links) == 0 {
		t.Fatal("no links found in ../../diagnosis")
	}
	return links
}

// TestLinkHostsMatchDiagnosis: linkHosts are exactly the hosts the
// diagnosis package links to, and each of its links (a policy or user id
// appended where the code appends one) stays bare and unescaped in text.
func TestLinkHostsMatchDiagnosis(t *testing.T) {
	t.Parallel()
	hosts := map[string]bool{}
	for _, u := range diagnosisLinks(t) {
		p, err := url.Parse(u)
		if err != nil {
			t.Errorf("%s: %v", u, err)
			continue
		}
		hosts[p.Host] = true
		if strings.HasSuffix(u, "/") || strings.HasSuffix(u, "=") {
			u += "93fd4d06-ef83-5a7b-8b7b-1ef30d3e6fcf"
		}
		for _, in := range []string{u, "Open " + u + ".", "(" + u + "), then", "1. " + u + ", or"} {
			got := escapeText(in)
			if !strings.Contains(got, u) {
				t.Errorf("escapeText(%q) = %q: the bot's link is escaped", in, got)
			}
		}
	}
	var got []string
	for h := range hosts {
		got = append(got, h)
	}
	slices.Sort(got)
	want := slices.Sorted(slices.Values(linkHosts))
	if !slices.Equal(got, want) {
		t.Errorf("the diagnosis package links to %v; linkHosts = %v", got, want)
	}
}

func TestEscapeLines(t *testing.T) {
	t.Parallel()
	got := escapeLines([]string{"Open [x](https://evil.example)", "2. second\n- third"}, true)
	want := "1. Open \\[x\\]\\(https:\\/\\/evil.example\\)\n\n2. 2\\. second \\- third"
	if got != want {
		t.Errorf("escapeLines = %q, want %q", got, want)
	}
	if got := escapeLines([]string{"*a*"}, false); got != `- \*a\*` {
		t.Errorf("escapeLines bullets = %q", got)
	}
	if got := escapeLines([]string{"Reset: https://aka.ms/sspr"}, true); got != "1. Reset: https://aka.ms/sspr" {
		t.Errorf("escapeLines with a link = %q", got)
	}
}

func TestCutEscaped(t *testing.T) {
	t.Parallel()
	if got := cutEscaped(escapeText("ab[cd"), 4); got != "ab…" {
		t.Errorf("cutEscaped = %q, want the dangling backslash dropped", got)
	}
	if got := cutEscaped(`a\\bc`, 4); got != `a\\…` {
		t.Errorf("cutEscaped = %q, want an escaped backslash kept", got)
	}
}

func TestOpenURL(t *testing.T) {
	t.Parallel()
	for u, want := range map[string]bool{
		"https://entra.microsoft.com/#view/Microsoft_AAD_IAM/SignInLogsList.ReactView": true,
		"https://learn.microsoft.com/entra/identity/conditional-access/what-if-tool":   true,
		"http://learn.microsoft.com/x":             false,
		"https://learn.microsoft.com.evil.example": false,
		"https://evil.example/learn.microsoft.com": false,
		"https://user@entra.microsoft.com/":        false,
		"https://entra.microsoft.com:8443/":        false,
		"javascript:alert(1)":                      false,
	} {
		if got := openURL(u) != ""; got != want {
			t.Errorf("openURL(%q) kept = %v, want %v", u, got, want)
		}
	}
}

// FuzzEscapeText: whatever the input, escaping leaves no link with a
// label (no unescaped [ or <), no mention (no unescaped < or &), no
// address outside linkHosts that Teams or GFM would link (no raw "//" or
// "www." outside one of the bot's bare links), no other markup (emphasis,
// code, heading, quote, list, table), and removing the escapes gives the
// input back.
func FuzzEscapeText(f *testing.F) { // more seeds live in testdata/fuzz/FuzzEscapeText/
	for _, s := range []string{
		"[Re-register MFA](https://evil.example)", "<at>Adele</at>", "1. a\n2) b", "\\[x](y)", "  - a", "x\r\n# y",
		"Open https://entra.microsoft.com/#view/Microsoft_AAD_IAM/SignInLogsList.ReactView.",
		"(https://entra.microsoft.com/#view/Microsoft_AAD_ConditionalAccess/ConditionalAccessBlade/~/NamedLocations)",
		"https://entra.microsoft.com.evil.example/x", "https://evil.example/?https://learn.microsoft.com",
		"https://learn.microsoft.com@evil.example", "https://aka.ms/x](https://evil.example)", "www.evil.example",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := escapeText(in)
		if err := checkEscaped(in, out); err != "" {
			t.Fatalf("escapeText(%q) = %q: %s", in, out, err)
		}
	})
}

// checkEscaped holds the output of escapeText to the properties
// FuzzEscapeText states. It reads the output on its own, not through
// bareLink.
func checkEscaped(in, out string) string {
	if back, want := unescape(out), strings.ReplaceAll(string([]rune(in)), "\r", ""); back != want {
		return "unescaping gives " + strconvQuote(back) + ", not the input"
	}
	if strings.Contains(out, "\r") {
		return "a carriage return is left"
	}
	if err := unescapedMarkup(out); err != "" {
		return err
	}
	return foreignLink(out)
}

// unescapedMarkup reports the first character of s that Markdown or HTML
// could read as markup: one that is not preceded by an escaping backslash.
// Inside a bare link to one of linkHosts (allowedLink) the only ones left
// are "_" between two letters or digits, which can neither open nor close
// emphasis, and a single "~" in the whole text, which has nothing to pair
// with; after it, up to the next space, only ")" and "!", which open
// nothing there. A link with a label needs an unescaped "[", HTML and a
// mention an unescaped "<" or "&": none is ever left.
func unescapedMarkup(s string) string {
	tildes := 0
	for _, line := range strings.Split(s, "\n") {
		escaped := false
		start := true
		digits := false
		link, trail := 0, 0 // bytes left of the current bare link and of its trailing punctuation
		for i := 0; i < len(line); i++ {
			c := line[i]
			if !escaped && (i == 0 || line[i-1] == ' ' || line[i-1] == '\t') {
				if l, tr, ok := allowedLink(line[i:]); ok {
					link, trail = l, tr
					if strings.HasPrefix(line[i:], `\(`) { // an escaped ( before the link
						i++
						link -= 2
						continue
					}
				}
			}
			if link > 0 || trail > 0 {
				inLink := link > 0
				if inLink {
					link--
				} else {
					trail--
				}
				switch {
				case inLink && c == '_':
					if i == 0 || i+1 >= len(line) || !isAlnum(line[i-1]) || !isAlnum(line[i+1]) {
						return "an _ in a link that is not between letters or digits"
					}
				case inLink && c == '~':
					if tildes++; tildes > 1 {
						return "a second unescaped ~"
					}
				case !inLink && (c == ')' || c == '!'):
				case strings.IndexByte("\\`*_~[]()<>&!|{}", c) >= 0:
					return "markup " + string(c) + " in or after a link"
				}
				start, digits = false, false
				continue
			}
			if escaped {
				escaped = false
				start, digits = false, false
				continue
			}
			switch {
			case c == '\\':
				escaped = true
				continue
			case strings.IndexByte("`*_~[]()<>&!|{}", c) >= 0:
				return "unescaped " + string(c)
			case start && strings.IndexByte("#-+=", c) >= 0:
				return "line starts with " + string(c)
			case digits && (c == '.' || c == ')'):
				return "line starts an ordered list"
			}
			switch {
			case c >= '0' && c <= '9' && (start || digits):
				start, digits = false, true
			case (c == ' ' || c == '\t') && start:
			default:
				start, digits = false, false
			}
		}
		if escaped {
			return "dangling backslash"
		}
	}
	return ""
}

// allowedLink reports whether s starts with a bare link to one of
// linkHosts, written as Teams would link it: "https://", up to the next
// space or tab, less trailing punctuation, optionally behind an escaped
// "(". It returns the bytes of the link (with the "(") and of the
// punctuation after it.
func allowedLink(s string) (link, trail int, ok bool) {
	word := s
	if k := strings.IndexAny(s, " \t"); k >= 0 {
		word = s[:k]
	}
	core := strings.TrimPrefix(word, `\(`)
	core = strings.TrimRight(core, ".,;:!?)")
	if !strings.HasPrefix(core, "https://") || strings.ContainsAny(core, "\\@") {
		return 0, 0, false
	}
	p, err := url.Parse(core)
	if err != nil || p.User != nil || p.Port() != "" || !slices.Contains(linkHosts, p.Host) {
		return 0, 0, false
	}
	link = len(word) - len(strings.TrimPrefix(word, `\(`)) + len(core)
	return link, len(word) - link, true
}

// foreignLink reports an address that a linkifier working on the raw
// text (Teams, GFM's extended autolinks, linkify-it) would find outside
// one of the bot's bare links: a "//" (scheme or protocol-relative) or a
// "www." starting a word.
func foreignLink(s string) string {
	for _, line := range strings.Split(s, "\n") {
		for _, word := range strings.FieldsFunc(line, func(r rune) bool { return r == ' ' || r == '\t' }) {
			if l, _, ok := allowedLink(word); ok {
				if strings.Count(word[:l], "//") != 1 {
					return "a second address in " + strconvQuote(word)
				}
				word = word[l:]
			}
			if strings.Contains(word, "//") {
				return "a linkable address in " + strconvQuote(word)
			}
			lower := strings.ToLower(word)
			for k := strings.Index(lower, "www."); k >= 0; k = indexFrom(lower, "www.", k+1) {
				if k == 0 || !isAlnum(lower[k-1]) {
					return "a www. address in " + strconvQuote(word)
				}
			}
		}
	}
	return ""
}

func indexFrom(s, sub string, from int) int {
	if k := strings.Index(s[from:], sub); k >= 0 {
		return from + k
	}
	return -1
}

func strconvQuote(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	return "\"" + s + "\""
}

// unescape removes CommonMark backslash escapes.
func unescape(s string) string {
	var b strings.Builder
	escaped := false
	for _, r := range s {
		if !escaped && r == '\\' {
			escaped = true
			continue
		}
		escaped = false
		b.WriteRune(r)
	}
	return b.String()
}

package teams

import (
	"strings"
	"testing"
)

func TestEscapeText(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ in, want string }{
		{"adele@contoso.com", "adele@contoso.com"},
		{"[Re-register MFA](https://evil.example)", `\[Re-register MFA\]\(https://evil.example\)`},
		{"![x](https://evil.example/p.png)", `\!\[x\]\(https://evil.example/p.png\)`},
		{"<at>Adele Vance</at>", `\<at\>Adele Vance\</at\>`},
		{"<https://evil.example>", `\<https://evil.example\>`},
		{"&lt;at&gt;", `\&lt;at\&gt;`},
		{"**bold** _it_ ~~s~~ `code`", `\*\*bold\*\* \_it\_ \~\~s\~\~ \` + "`" + `code\` + "`"},
		{"# Heading\n> quote\n- item\n+ item\n  12. step\n3) step\n===", "\\# Heading\n\\> quote\n\\- item\n\\+ item\n  12\\. step\n3\\) step\n\\==="},
		{"CA-015 costs 1.5 (a-b)", `CA-015 costs 1.5 \(a-b\)`},
		{"back\\slash", `back\\slash`},
		{"a\r\nb", "a\nb"},
	} {
		if got := escapeText(tt.in); got != tt.want {
			t.Errorf("escapeText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestEscapeLines(t *testing.T) {
	t.Parallel()
	got := escapeLines([]string{"Open [x](https://evil.example)", "2. second\n- third"}, true)
	want := "1. Open \\[x\\]\\(https://evil.example\\)\n\n2. 2\\. second \\- third"
	if got != want {
		t.Errorf("escapeLines = %q, want %q", got, want)
	}
	if got := escapeLines([]string{"*a*"}, false); got != `- \*a\*` {
		t.Errorf("escapeLines bullets = %q", got)
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

// FuzzEscapeText: whatever the input, nothing Markdown or HTML reads
// survives escaping (no link, image, mention, emphasis, code, heading,
// quote or list can start), and removing the escapes gives the input back.
func FuzzEscapeText(f *testing.F) { // more seeds live in testdata/fuzz/FuzzEscapeText/
	for _, s := range []string{"[Re-register MFA](https://evil.example)", "<at>Adele</at>", "1. a\n2) b", "\\[x](y)", "  - a", "x\r\n# y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := escapeText(in)
		if err := unescapedMarkup(out); err != "" {
			t.Fatalf("escapeText(%q) = %q: %s", in, out, err)
		}
		if back := unescape(out); back != strings.ReplaceAll(string([]rune(in)), "\r", "") {
			t.Errorf("unescape(escapeText(%q)) = %q", in, back)
		}
	})
}

// unescapedMarkup reports the first character of s that Markdown or HTML
// could read as markup: one that is not preceded by an escaping backslash.
func unescapedMarkup(s string) string {
	lines := strings.Split(s, "\n")
	for _, line := range lines {
		escaped := false
		start := true
		digits := false
		for i, r := range line {
			if escaped {
				escaped = false
				start, digits = false, false
				continue
			}
			switch {
			case r == '\\':
				escaped = true
				continue
			case strings.ContainsRune("`*_~[]()<>&!|{}", r):
				return "unescaped " + string(r) + " at " + string(rune('0'+i%10))
			case start && strings.ContainsRune("#-+=", r):
				return "line starts with " + string(r)
			case digits && (r == '.' || r == ')'):
				return "line starts an ordered list"
			}
			switch {
			case r >= '0' && r <= '9' && (start || digits):
				start, digits = false, true
			case (r == ' ' || r == '\t') && start:
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

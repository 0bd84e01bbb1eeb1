package graph

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/onboard-check/onboard-check/graph/graphtest"
)

func TestQuote(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"adele@contoso.com", "'adele@contoso.com'"},
		{"conor.o'brien@contoso.com", "'conor.o''brien@contoso.com'"},
		{"patti_fabrikam.com#EXT#@contoso.onmicrosoft.com", "'patti_fabrikam.com#EXT#@contoso.onmicrosoft.com'"},
		{"'", "''''"},
		{"", "''"},
	}
	for _, tt := range tests {
		if got := quote(tt.in); got != tt.want {
			t.Errorf("quote(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSignInFilter(t *testing.T) {
	t.Parallel()
	since := time.Date(2025, 10, 1, 8, 0, 0, 0, time.UTC)
	until := since.Add(7 * 24 * time.Hour)
	const id = "c531bb2b-fdf4-5cf5-b9fa-9ceb1537157c"
	window := "userId eq '" + id + "' and createdDateTime ge 2025-10-01T08:00:00Z and createdDateTime le 2025-10-08T08:00:00Z"
	for _, tt := range []struct {
		types []string
		want  string
	}{
		{nil, window},
		{[]string{"nonInteractiveUser"}, window + " and signInEventTypes/any(t: t eq 'nonInteractiveUser')"},
		{[]string{"interactiveUser", "nonInteractiveUser"},
			window + " and signInEventTypes/any(t: t eq 'interactiveUser' or t eq 'nonInteractiveUser')"},
	} {
		if got := signInFilter(id, since, until, tt.types...); got != tt.want {
			t.Errorf("signInFilter(%v) = %q\nwant %q", tt.types, got, tt.want)
		}
	}
}

// closesEarly reports whether an apostrophe inside the literal q, other
// than its last byte, stands alone: that one would end the literal.
func closesEarly(q string) bool {
	inner := q[1 : len(q)-1]
	for i := 0; i < len(inner); i++ {
		if inner[i] == '\'' {
			if i+1 >= len(inner) || inner[i+1] != '\'' {
				return true
			}
			i++
		}
	}
	return false
}

// FuzzQuote proves that an escaped literal never closes its quote early and
// that no value changes the structure of the filter it is put in: Graph's
// grammar, as graphtest parses it, reads back exactly the clauses we wrote
// and the value verbatim. Seeds: testdata/fuzz/FuzzQuote.
func FuzzQuote(f *testing.F) {
	for _, s := range []string{
		"conor.o'brien@contoso.com", "patti_fabrikam.com#EXT#@contoso.onmicrosoft.com", "'", "''", "x' or userId ne 'y",
		"a') or (true", "' and createdDateTime ge 2000-01-01T00:00:00Z and userId eq '", "日本'語",
	} {
		f.Add(s)
	}
	since := time.Date(2025, 10, 1, 8, 0, 0, 0, time.UTC)
	until := since.Add(time.Hour)
	f.Fuzz(func(t *testing.T, s string) {
		q := quote(s)
		if len(q) < 2 || q[0] != '\'' || q[len(q)-1] != '\'' {
			t.Fatalf("quote(%q) = %q: not a quoted literal", s, q)
		}
		if closesEarly(q) {
			t.Fatalf("quote(%q) = %q closes its quote early", s, q)
		}
		if got := strings.ReplaceAll(q[1:len(q)-1], "''", "'"); got != s {
			t.Fatalf("quote(%q) unquotes to %q", s, got)
		}
		for _, types := range [][]string{nil, {"interactiveUser", "nonInteractiveUser"}} {
			filter := signInFilter(s, since, until, types...)
			parsed, err := graphtest.ParseFilter(filter)
			if err != nil {
				t.Fatalf("ParseFilter(%q): %v", filter, err)
			}
			if parsed.UserID == nil || *parsed.UserID != s {
				t.Fatalf("filter %q: userId reads back as %v, want %q", filter, parsed.UserID, s)
			}
			if parsed.UserPrincipalName != nil || parsed.AppID != nil {
				t.Fatalf("filter %q grew a clause", filter)
			}
			if !parsed.Since.Equal(since) || !parsed.Until.Equal(until) || parsed.SinceExclusive || parsed.UntilExclusive {
				t.Fatalf("filter %q: window reads back as %v..%v", filter, parsed.Since, parsed.Until)
			}
			if !slices.Equal(parsed.EventTypes, types) {
				t.Fatalf("filter %q: event types read back as %q", filter, parsed.EventTypes)
			}
		}
	})
}

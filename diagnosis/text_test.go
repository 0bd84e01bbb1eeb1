package diagnosis_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/onboard-check/onboard-check/diagnosis"
)

// TestCatalogsComplete holds English and Dutch to the same keys and the
// same placeholders, and every finding code to a title and steps.
func TestCatalogsComplete(t *testing.T) {
	t.Parallel()
	text := newEngine(t).Text()
	en, nl := text.Keys("en"), text.Keys("nl")
	if !slices.Equal(en, nl) {
		for _, k := range en {
			if !text.Has("nl", k) {
				t.Errorf("nl lacks %q", k)
			}
		}
		for _, k := range nl {
			if !text.Has("en", k) {
				t.Errorf("en lacks %q", k)
			}
		}
	}
	for _, k := range en {
		for _, lang := range []string{"en", "nl"} {
			s := text.T(lang, k)
			items := []string{s}
			if s == k {
				items = text.List(lang, k)
			}
			for _, item := range items {
				if strings.TrimSpace(item) == "" {
					t.Errorf("%s %q is empty", lang, k)
				}
			}
		}
		if a, b := placeholders(text, "en", k), placeholders(text, "nl", k); !slices.Equal(a, b) {
			t.Errorf("%q: en uses %v, nl uses %v", k, a, b)
		}
		if a, b := len(text.List("en", k)), len(text.List("nl", k)); a != b {
			t.Errorf("%q: en has %d steps, nl %d", k, a, b)
		}
	}
	for _, c := range diagnosis.AllCodes() {
		for _, lang := range diagnosis.Languages() {
			if !text.Has(lang, "finding."+string(c)+".title") {
				t.Errorf("%s: finding %s has no title", lang, c)
			}
			if len(text.List(lang, "finding."+string(c)+".steps")) == 0 {
				t.Errorf("%s: finding %s has no remediation step", lang, c)
			}
		}
	}
}

func placeholders(text *diagnosis.Text, lang, key string) []string {
	var out []string
	if s := text.T(lang, key); s != key {
		out = diagnosis.Placeholders(s)
	}
	for _, s := range text.List(lang, key) {
		out = append(out, diagnosis.Placeholders(s)...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func TestNormalizeLang(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"en": "en", "nl-NL": "nl", "NL": "nl", "en_US": "en", "de-DE": "", "": ""} {
		if got := diagnosis.NormalizeLang(in); got != want {
			t.Errorf("NormalizeLang(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTextFill(t *testing.T) {
	t.Parallel()
	text, err := diagnosis.ParseText(map[string][]byte{"en": []byte(`{"a":"Hello {name}, {name}! {other}","l":["x {n}","y"]}`)})
	if err != nil {
		t.Fatal(err)
	}
	if got := text.T("en", "a", "name", "Adele"); got != "Hello Adele, Adele! {other}" {
		t.Errorf("T = %q", got)
	}
	if got := text.T("nl", "a", "name", "Adele"); got != "Hello Adele, Adele! {other}" {
		t.Errorf("T falls back to English: got %q", got)
	}
	if got := text.T("en", "missing"); got != "missing" {
		t.Errorf("T of a missing key = %q, want the key", got)
	}
	if got := text.List("en", "l", "n", "1"); !slices.Equal(got, []string{"x 1", "y"}) {
		t.Errorf("List = %q", got)
	}
	if _, err := diagnosis.ParseText(map[string][]byte{"en": []byte(`{"a":1}`)}); err == nil {
		t.Error("ParseText accepted a number")
	}
}

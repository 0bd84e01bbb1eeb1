package diagnosis

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// FallbackLang is the language used when a key or a language is missing.
const FallbackLang = "en"

// Languages returns the supported reply languages; FallbackLang is first.
func Languages() []string { return []string{FallbackLang, "nl"} }

// NormalizeLang maps a locale ("nl-NL", "en_US", "NL") to a supported
// language, or "" when none matches.
func NormalizeLang(locale string) string {
	l := strings.ToLower(strings.TrimSpace(locale))
	if i := strings.IndexAny(l, "-_"); i >= 0 {
		l = l[:i]
	}
	if slices.Contains(Languages(), l) {
		return l
	}
	return ""
}

// Text is a message catalog: per language, keys map to a template or to a
// list of templates. Templates name their arguments as {name}. Text is
// read-only after ParseText and safe for concurrent use.
type Text struct {
	strs  map[string]map[string]string
	lists map[string]map[string][]string
}

// ParseText reads one JSON object per language. Values are strings or arrays
// of strings; keys are flat ("finding.ca_block.title").
func ParseText(files map[string][]byte) (*Text, error) {
	t := &Text{strs: map[string]map[string]string{}, lists: map[string]map[string][]string{}}
	for lang, b := range files {
		var raw map[string]json.RawMessage
		if err := json.Unmarshal(b, &raw); err != nil {
			return nil, fmt.Errorf("parse %s catalog: %w", lang, err)
		}
		t.strs[lang] = map[string]string{}
		t.lists[lang] = map[string][]string{}
		for k, v := range raw {
			var s string
			if err := json.Unmarshal(v, &s); err == nil {
				t.strs[lang][k] = s
				continue
			}
			var l []string
			if err := json.Unmarshal(v, &l); err != nil {
				return nil, fmt.Errorf("parse %s catalog: key %q is neither a string nor a list of strings", lang, k)
			}
			t.lists[lang][k] = l
		}
	}
	return t, nil
}

// Keys returns the sorted keys of one language, strings and lists alike.
func (t *Text) Keys(lang string) []string {
	keys := slices.Collect(maps.Keys(t.strs[lang]))
	keys = append(keys, slices.Collect(maps.Keys(t.lists[lang]))...)
	slices.Sort(keys)
	return keys
}

// Has reports whether key exists in lang, as a string or a list.
func (t *Text) Has(lang, key string) bool {
	if _, ok := t.strs[lang][key]; ok {
		return true
	}
	_, ok := t.lists[lang][key]
	return ok
}

// T returns the template for key in lang (falling back to English, then to
// the key itself) with args filled in. Args come in name, value pairs.
func (t *Text) T(lang, key string, args ...string) string {
	s, ok := t.strs[lang][key]
	if !ok {
		s, ok = t.strs[FallbackLang][key]
	}
	if !ok {
		return key
	}
	return fill(s, args)
}

// List returns the list for key in lang (falling back to English) with args
// filled in; nil when the key is unknown.
func (t *Text) List(lang, key string, args ...string) []string {
	l, ok := t.lists[lang][key]
	if !ok {
		l = t.lists[FallbackLang][key]
	}
	out := make([]string, 0, len(l))
	for _, s := range l {
		out = append(out, fill(s, args))
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// fill replaces {name} with its value from pairs; unknown names stay as typed.
func fill(s string, pairs []string) string {
	if len(pairs) < 2 || !strings.Contains(s, "{") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 32)
	for {
		i := strings.IndexByte(s, '{')
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		name, val, found := s[i+1:i+j], "", false
		for k := 0; k+1 < len(pairs); k += 2 {
			if pairs[k] == name {
				val, found = pairs[k+1], true
				break
			}
		}
		if found {
			b.WriteString(val)
		} else {
			b.WriteString(s[i : i+j+1])
		}
		s = s[i+j+1:]
	}
}

// Placeholders returns the {names} a template uses, for catalog tests.
func Placeholders(s string) []string {
	var out []string
	for {
		i := strings.IndexByte(s, '{')
		if i < 0 {
			return out
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			return out
		}
		out = append(out, s[i+1:i+j])
		s = s[i+j+1:]
	}
}

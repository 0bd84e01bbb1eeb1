package diagnosis

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// aadstsJSON is the error-code knowledge base. Its facts come from Microsoft's
// AADSTS reference (https://learn.microsoft.com/entra/identity-platform/reference-error-codes)
// and the lookup page behind LookupURL; the explanations are ours. Microsoft
// changes codes and wording over time, so an entry follows the lookup page
// where the two disagree.
//
//go:embed kb/aadsts.json
var aadstsJSON []byte

// ErrorText is the explanation of an error code in one language.
type ErrorText struct {
	Explanation string   `json:"explanation"`
	Remediation []string `json:"remediation,omitempty"`
}

// ErrorInfo is what the knowledge base knows of one AADSTS code.
type ErrorInfo struct {
	Code    int
	Name    string      // Microsoft's identifier for the code, or a descriptive one where Microsoft gives none
	Finding FindingCode // the finding a failed sign-in with this code becomes
	// Interrupt marks a normal step of a sign-in flow that then goes on (keep
	// me signed in, account picker, device authentication challenge…); such a
	// code alone is not a failure and is not reported.
	Interrupt bool
	Text      map[string]ErrorText // by language; every language of Languages() is present
}

// KnowledgeBase maps AADSTS error codes to finding codes and to explanations
// in every supported language. It is read-only after LoadKnowledgeBase and
// safe for concurrent use.
type KnowledgeBase struct {
	byCode map[int]ErrorInfo
	codes  []int // sorted
}

// LoadKnowledgeBase parses and validates the embedded knowledge base. It
// returns an error when the data is malformed: a duplicate or non-positive
// code, an unknown finding code, an unknown field, a language of Languages()
// without an explanation, or remediation steps whose number differs between
// languages.
func LoadKnowledgeBase() (*KnowledgeBase, error) {
	kb, err := parseKnowledgeBase(aadstsJSON)
	if err != nil {
		return nil, fmt.Errorf("load error code knowledge base: %w", err)
	}
	return kb, nil
}

// parseKnowledgeBase reads {"codes": [...]}. Entries are decoded field by
// field so that a misspelt key or language is an error, not silently lost.
func parseKnowledgeBase(b []byte) (*KnowledgeBase, error) {
	var doc struct {
		Codes []map[string]json.RawMessage `json:"codes"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, err
	}
	if len(doc.Codes) == 0 {
		return nil, errors.New("no codes")
	}
	langs := Languages()
	kb := &KnowledgeBase{byCode: make(map[int]ErrorInfo, len(doc.Codes))}
	for i, raw := range doc.Codes {
		info, err := parseEntry(raw, langs)
		if err != nil {
			return nil, fmt.Errorf("entry %d: %w", i, err)
		}
		if _, dup := kb.byCode[info.Code]; dup {
			return nil, fmt.Errorf("code %d: listed twice", info.Code)
		}
		kb.byCode[info.Code] = info
		kb.codes = append(kb.codes, info.Code)
	}
	slices.Sort(kb.codes)
	return kb, nil
}

// parseEntry decodes and validates one entry of the knowledge base.
func parseEntry(raw map[string]json.RawMessage, langs []string) (ErrorInfo, error) {
	var info ErrorInfo
	for key := range raw {
		switch key {
		case "code", "name", "finding", "interrupt":
		default:
			if !slices.Contains(langs, key) {
				return info, fmt.Errorf("unknown field %q", key)
			}
		}
	}
	fields := []struct {
		key string
		dst any
	}{{"code", &info.Code}, {"name", &info.Name}, {"finding", &info.Finding}, {"interrupt", &info.Interrupt}}
	for _, f := range fields {
		v, ok := raw[f.key]
		if !ok {
			if f.key == "interrupt" {
				continue // false unless stated
			}
			return info, fmt.Errorf("missing field %q", f.key)
		}
		if err := json.Unmarshal(v, f.dst); err != nil {
			return info, fmt.Errorf("field %q: %w", f.key, err)
		}
	}
	if info.Code <= 0 {
		return info, fmt.Errorf("code %d: not a positive number", info.Code)
	}
	if strings.TrimSpace(info.Name) == "" {
		return info, fmt.Errorf("code %d: empty name", info.Code)
	}
	if !info.Finding.Valid() {
		return info, fmt.Errorf("code %d: unknown finding code %q", info.Code, info.Finding)
	}
	info.Text = make(map[string]ErrorText, len(langs))
	steps := 0 // of langs[0]; every other language must match it
	for i, lang := range langs {
		v, ok := raw[lang]
		if !ok {
			return info, fmt.Errorf("code %d: no %q text", info.Code, lang)
		}
		var t ErrorText
		dec := json.NewDecoder(bytes.NewReader(v))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&t); err != nil {
			return info, fmt.Errorf("code %d: %q text: %w", info.Code, lang, err)
		}
		if strings.TrimSpace(t.Explanation) == "" {
			return info, fmt.Errorf("code %d: empty %q explanation", info.Code, lang)
		}
		if slices.ContainsFunc(t.Remediation, func(s string) bool { return strings.TrimSpace(s) == "" }) {
			return info, fmt.Errorf("code %d: empty %q remediation step", info.Code, lang)
		}
		if i == 0 {
			steps = len(t.Remediation)
		} else if len(t.Remediation) != steps {
			return info, fmt.Errorf("code %d: %q has %d remediation steps, %q has %d",
				info.Code, lang, len(t.Remediation), langs[0], steps)
		}
		info.Text[lang] = t
	}
	return info, nil
}

// Lookup returns what the knowledge base knows of an AADSTS code. The result
// shares its Text map and Remediation slices with the knowledge base: callers
// must not modify them.
func (k *KnowledgeBase) Lookup(code int) (ErrorInfo, bool) {
	info, ok := k.byCode[code]
	return info, ok
}

// Codes returns every known code in ascending order, in a new slice.
func (k *KnowledgeBase) Codes() []int {
	return slices.Clone(k.codes)
}

// Text returns the explanation of code in lang, falling back to FallbackLang
// for a language the knowledge base does not hold. It reports false only for
// an unknown code. The Remediation slice is shared and must not be modified.
func (k *KnowledgeBase) Text(code int, lang string) (ErrorText, bool) {
	info, ok := k.byCode[code]
	if !ok {
		return ErrorText{}, false
	}
	if t, ok := info.Text[lang]; ok {
		return t, true
	}
	return info.Text[FallbackLang], true
}

// LookupURL returns Microsoft's error lookup page for one AADSTS code, which
// holds the current wording of the error and Microsoft's remediation.
func LookupURL(code int) string {
	return "https://login.microsoftonline.com/error?code=" + strconv.Itoa(code)
}

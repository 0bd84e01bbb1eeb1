package graphjson

import (
	"bytes"
	"encoding/json"
	"math/bits"
	"strconv"
	"strings"
	"testing"
)

// The decoders read outside input (Graph's responses, tenant files): they
// may fail, never panic, and never invent a value. Seeds are Microsoft's
// documented bodies, in testdata/fuzz/<Target>/.

// FuzzSignIns: every sign-in time is UTC (or zero) and every condition
// arrives as a name.
func FuzzSignIns(f *testing.F) {
	f.Add([]byte(`{"value":[{"status":{"errorCode":"x"},"createdDateTime":"yesterday"}]}`))
	f.Add([]byte(`{"value":[null,{"appliedConditionalAccessPolicies":[null,{"result":"somethingNew"}]}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		signIns, _, err := DecodeSignIns(body)
		if err != nil {
			return
		}
		for _, s := range signIns {
			_ = s.Failed()
			if !s.CreatedDateTime.IsZero() && s.CreatedDateTime.Location().String() != "UTC" {
				t.Errorf("sign-in %q: time %v is not UTC", s.ID, s.CreatedDateTime)
			}
			for _, p := range s.AppliedPolicies {
				for _, c := range append(p.ConditionsSatisfied, p.ConditionsNotSatisfied...) {
					if strings.TrimSpace(c) == "" || strings.EqualFold(c, "none") {
						t.Errorf("sign-in %q: condition %q is not a name", s.ID, c)
					}
				}
			}
		}
	})
}

// FuzzPolicies: an unknown grant control is never read as block.
func FuzzPolicies(f *testing.F) {
	f.Add([]byte(`{"value":[{"id":"p","grantControls":{"builtInControls":["riskRemediation","futureControl"]}}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		policies, _, err := DecodePolicies(body)
		if err != nil {
			return
		}
		for _, p := range policies {
			if p.Grant == nil {
				continue
			}
			for _, c := range p.Grant.BuiltInControls {
				if c == "block" && !holdsString(body, "block") {
					t.Errorf("policy %q reads a block control the body does not hold", p.ID)
				}
			}
		}
	})
}

// holdsString reports whether some string in the JSON body, escapes
// decoded, is s.
func holdsString(body []byte, s string) bool {
	var v any
	if json.Unmarshal(body, &v) != nil {
		return bytes.Contains(body, []byte(s))
	}
	var walk func(any) bool
	walk = func(v any) bool {
		switch v := v.(type) {
		case string:
			return v == s
		case []any:
			for _, e := range v {
				if walk(e) {
					return true
				}
			}
		case map[string]any:
			for _, e := range v {
				if walk(e) {
					return true
				}
			}
		}
		return false
	}
	return walk(v)
}

// FuzzFlagNames: a flags value becomes names, none of them empty or
// "none", one per bit of a number.
func FuzzFlagNames(f *testing.F) {
	f.Fuzz(func(t *testing.T, raw []byte) {
		names := FlagNames(raw, ConditionNames)
		for _, n := range names {
			if strings.TrimSpace(n) == "" || strings.EqualFold(n, "none") {
				t.Errorf("FlagNames(%q) = %q holds %q", raw, names, n)
			}
		}
		if v, err := strconv.ParseUint(strings.TrimSpace(string(raw)), 10, 64); err == nil && len(names) != bits.OnesCount64(v) {
			t.Errorf("FlagNames(%q) = %d names, want %d", raw, len(names), bits.OnesCount64(v))
		}
	})
}

package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/onboard-check/onboard-check/diagnosis"
	"github.com/onboard-check/onboard-check/diagnosis/demo"
)

// docs/diagnosis.schema.json is the published contract of `--output json`.
// Every demo account's diagnosis is validated against it, so the document
// and the code cannot drift apart.

const schemaPath = "../../docs/diagnosis.schema.json"

// schema is the part of JSON Schema (2020-12) that docs/diagnosis.schema.json
// uses. A keyword outside it fails the test rather than being ignored.
type schema struct {
	Ref                  string             `json:"$ref"`
	Type                 any                `json:"type"` // a name or a list of names
	Const                any                `json:"const"`
	Enum                 []any              `json:"enum"`
	Properties           map[string]*schema `json:"properties"`
	Required             []string           `json:"required"`
	AdditionalProperties *bool              `json:"additionalProperties"`
	Items                *schema            `json:"items"`
	MinItems             *int               `json:"minItems"`
	MinLength            *int               `json:"minLength"`
	Minimum              *float64           `json:"minimum"`
	Format               string             `json:"format"`
	Defs                 map[string]*schema `json:"$defs"`
}

// knownKeywords are the keywords schema implements, plus annotations.
var knownKeywords = []string{"$schema", "$id", "$ref", "$defs", "$comment", "title", "description",
	"type", "const", "enum", "properties", "required", "additionalProperties", "items",
	"minItems", "minLength", "minimum", "format"}

// loadSchema reads the schema, refusing keywords the validator does not know.
func loadSchema(t *testing.T) *schema {
	t.Helper()
	b, err := os.ReadFile(schemaPath)
	if err != nil {
		t.Fatal(err)
	}
	var raw any
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatalf("%s: %v", schemaPath, err)
	}
	checkKeywords(t, raw, "#")
	var s schema
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	return &s
}

func checkKeywords(t *testing.T, node any, at string) {
	t.Helper()
	obj, ok := node.(map[string]any)
	if !ok {
		return
	}
	for k, v := range obj {
		if !slices.Contains(knownKeywords, k) {
			t.Fatalf("%s: keyword %q is not implemented by the test's validator", at, k)
		}
		switch k {
		case "properties", "$defs":
			for name, sub := range v.(map[string]any) {
				checkKeywords(t, sub, at+"/"+k+"/"+name)
			}
		case "items":
			checkKeywords(t, v, at+"/items")
		}
	}
}

// validator checks a decoded JSON value against a schema and its $defs.
type validator struct {
	root     *schema
	problems []string
}

func (v *validator) errorf(at, format string, args ...any) {
	v.problems = append(v.problems, at+": "+fmt.Sprintf(format, args...))
}

func jsonType(x any) string {
	switch n := x.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case json.Number:
		if _, err := n.Int64(); err == nil {
			return "integer"
		}
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", x)
}

func typeMatches(want, got string) bool {
	return want == got || (want == "number" && got == "integer")
}

var dateTime = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$`)

func (v *validator) validate(s *schema, x any, at string) {
	if s.Ref != "" {
		name, ok := strings.CutPrefix(s.Ref, "#/$defs/")
		def := v.root.Defs[name]
		if !ok || def == nil {
			v.errorf(at, "unresolvable $ref %q", s.Ref)
			return
		}
		v.validate(def, x, at)
		return
	}
	got := jsonType(x)
	if s.Type != nil {
		var types []string
		switch tt := s.Type.(type) {
		case string:
			types = []string{tt}
		case []any:
			for _, e := range tt {
				types = append(types, e.(string))
			}
		}
		if !slices.ContainsFunc(types, func(w string) bool { return typeMatches(w, got) }) {
			v.errorf(at, "is %s, want %v", got, types)
			return
		}
	}
	if s.Const != nil && fmt.Sprint(s.Const) != fmt.Sprint(x) {
		v.errorf(at, "is %v, want %v", x, s.Const)
	}
	if s.Enum != nil && !slices.ContainsFunc(s.Enum, func(e any) bool { return fmt.Sprint(e) == fmt.Sprint(x) && jsonType(x) == "string" }) {
		v.errorf(at, "%v is not one of %v", x, s.Enum)
	}
	switch val := x.(type) {
	case string:
		if s.MinLength != nil && len([]rune(val)) < *s.MinLength {
			v.errorf(at, "%q is shorter than %d", val, *s.MinLength)
		}
		switch s.Format {
		case "date-time":
			if _, err := time.Parse(time.RFC3339Nano, val); err != nil || !dateTime.MatchString(val) {
				v.errorf(at, "%q is not an RFC 3339 date-time", val)
			}
		case "uri":
			if u, err := url.Parse(val); err != nil || u.Scheme == "" || u.Host == "" {
				v.errorf(at, "%q is not an absolute URI", val)
			}
		case "":
		default:
			v.errorf(at, "format %q is not implemented by the test's validator", s.Format)
		}
	case json.Number:
		if s.Minimum != nil {
			if f, _ := val.Float64(); f < *s.Minimum {
				v.errorf(at, "%v is below %v", val, *s.Minimum)
			}
		}
	case []any:
		if s.MinItems != nil && len(val) < *s.MinItems {
			v.errorf(at, "has %d items, want at least %d", len(val), *s.MinItems)
		}
		if s.Items != nil {
			for i, e := range val {
				v.validate(s.Items, e, fmt.Sprintf("%s/%d", at, i))
			}
		}
	case map[string]any:
		for _, r := range s.Required {
			if _, ok := val[r]; !ok {
				v.errorf(at, "lacks required %q", r)
			}
		}
		for k, e := range val {
			sub, ok := s.Properties[k]
			if !ok {
				if s.AdditionalProperties != nil && !*s.AdditionalProperties {
					v.errorf(at, "has %q, which the schema does not describe", k)
				}
				continue
			}
			v.validate(sub, e, at+"/"+k)
		}
	}
}

// validateJSON returns the problems of doc against s.
func validateJSON(s *schema, doc []byte) []string {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	var x any
	if err := dec.Decode(&x); err != nil {
		return []string{"not JSON: " + err.Error()}
	}
	if dec.More() {
		return []string{"more than one JSON document"}
	}
	v := &validator{root: s}
	v.validate(s, x, "#")
	return v.problems
}

func TestDiagnosisSchema(t *testing.T) {
	t.Parallel()
	s := loadSchema(t)
	tenant, err := demo.Default(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	var runs [][]string
	for _, u := range tenant.Users() {
		runs = append(runs, []string{"check", "--demo", "--output", "json", u.UserPrincipalName})
	}
	if len(runs) < len(diagnosis.AllCodes()) {
		t.Fatalf("the demo tenant has %d users, fewer than the %d finding codes", len(runs), len(diagnosis.AllCodes()))
	}
	runs = append(runs,
		[]string{"check", "--demo", "--output", "json", "adel@contoso.com"},
		[]string{"check", "--demo", "--output", "json", "--lang", "nl", "--app", "azure-portal", "--since", "3d", "megan@contoso.com"})

	seen := map[string]bool{}
	for _, args := range runs {
		code, stdout, stderr := runBot(t, nil, args...)
		if code != exitOK {
			t.Errorf("bot %s: exit %d, stderr %s", strings.Join(args, " "), code, stderr)
			continue
		}
		for _, p := range validateJSON(s, []byte(stdout)) {
			t.Errorf("bot %s: %s", strings.Join(args, " "), p)
		}
		var d diagnosis.Diagnosis
		if err := json.Unmarshal([]byte(stdout), &d); err == nil {
			for _, f := range d.Findings {
				seen[string(f.Code)] = true
			}
		}
	}
	for _, c := range diagnosis.AllCodes() {
		if !seen[string(c)] {
			t.Errorf("no demo diagnosis has finding %s, so the schema was not tried on it", c)
		}
	}
}

// TestDiagnosisSchemaCodes keeps the schema's enums equal to the code's.
func TestDiagnosisSchemaCodes(t *testing.T) {
	t.Parallel()
	s := loadSchema(t)
	var inSchema []string
	for _, e := range s.Defs["findingCode"].Enum {
		inSchema = append(inSchema, e.(string))
	}
	var inCode []string
	for _, c := range diagnosis.AllCodes() {
		inCode = append(inCode, string(c))
	}
	slices.Sort(inSchema)
	slices.Sort(inCode)
	if !slices.Equal(inSchema, inCode) {
		t.Errorf("schema finding codes %v\ncode's finding codes %v", inSchema, inCode)
	}
	doc, err := os.ReadFile("../../docs/diagnosis-schema.md")
	if err != nil {
		t.Fatal(err)
	}
	// The document's code table gives each code the severity the code has.
	for _, line := range strings.Split(string(doc), "\n") {
		cells := strings.Split(strings.Trim(line, "| "), " | ")
		if len(cells) < 2 || !strings.HasPrefix(cells[0], "`") {
			continue
		}
		code := diagnosis.FindingCode(strings.Trim(cells[0], "`"))
		if !code.Valid() {
			continue // a warning code
		}
		if got := code.Severity(); string(got) != cells[1] {
			t.Errorf("docs/diagnosis-schema.md gives %s severity %s; the code says %s", code, cells[1], got)
		}
	}
	for _, c := range inCode {
		if !bytes.Contains(doc, []byte("`"+c+"`")) {
			t.Errorf("docs/diagnosis-schema.md does not list finding %s", c)
		}
	}
	var warnings []string
	for _, e := range s.Properties["warnings"].Items.Properties["code"].Enum {
		warnings = append(warnings, e.(string))
		if !bytes.Contains(doc, []byte("`"+e.(string)+"`")) {
			t.Errorf("docs/diagnosis-schema.md does not describe warning %s", e)
		}
	}
	for _, w := range []diagnosis.WarningCode{diagnosis.WarnSignInLogsUnavailable, diagnosis.WarnPoliciesUnavailable,
		diagnosis.WarnMembershipsUnavailable, diagnosis.WarnNoSignInsInWindow, diagnosis.WarnPartialSignIns,
		diagnosis.WarnConditionUnreadable} {
		if !slices.Contains(warnings, string(w)) {
			t.Errorf("schema lacks warning code %s", w)
		}
	}
}

// TestSchemaValidatorRejects shows that the validator catches what it must:
// a passing schema test means something only if these fail.
func TestSchemaValidatorRejects(t *testing.T) {
	t.Parallel()
	s := loadSchema(t)
	_, good, _ := runBot(t, nil, "check", "--demo", "--output", "json", "adele@contoso.com")
	if p := validateJSON(s, []byte(good)); len(p) > 0 {
		t.Fatalf("adele's diagnosis does not validate: %v", p)
	}
	for _, tt := range []struct{ name, from, to, want string }{
		{"verdict", `"verdict": "blocked"`, `"verdict": "stuck"`, "#/verdict"},
		{"code", `"code": "ca_block"`, `"code": "ca_blocked"`, "#/findings/0/code"},
		{"version", `"schemaVersion": 1`, `"schemaVersion": 2`, "#/schemaVersion"},
		{"extra field", `"resolved": false`, `"resolved": false, "owner": "x"`, `"owner"`},
		{"missing required", `"severity": "critical",`, ``, `lacks required "severity"`},
		{"type", `"accountEnabled": true`, `"accountEnabled": "yes"`, "#/user/accountEnabled"},
		{"date", `"createdDateTime": "`, `"createdDateTime": "yesterday`, "createdDateTime"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			bad := strings.Replace(good, tt.from, tt.to, 1)
			if bad == good {
				t.Fatalf("%q not found in adele's diagnosis", tt.from)
			}
			p := validateJSON(s, []byte(bad))
			if !slices.ContainsFunc(p, func(s string) bool { return strings.Contains(s, tt.want) }) {
				t.Errorf("problems %v, want one about %s", p, tt.want)
			}
		})
	}
}

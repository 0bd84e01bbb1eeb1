package demo

import (
	"fmt"
	"slices"

	"github.com/onboard-check/onboard-check/diagnosis"
)

// Problems lists how d falls short of the expectation, one sentence each;
// none means d is what the tenant file says a correct diagnosis is.
func (x Expect) Problems(d diagnosis.Diagnosis) []string {
	var out []string
	if string(d.Verdict) != x.Verdict {
		out = append(out, fmt.Sprintf("verdict %s, want %s", d.Verdict, x.Verdict))
	}
	has := func(code string, resolved bool) bool {
		return slices.ContainsFunc(d.Findings, func(f diagnosis.Finding) bool { return string(f.Code) == code && f.Resolved == resolved })
	}
	for _, c := range x.Findings {
		if !has(c, false) {
			out = append(out, fmt.Sprintf("no unresolved %s finding", c))
		}
	}
	for _, c := range x.Resolved {
		if !has(c, true) {
			out = append(out, fmt.Sprintf("no resolved %s finding", c))
		}
	}
	for _, c := range x.Absent {
		if has(c, false) || has(c, true) {
			out = append(out, fmt.Sprintf("finding %s present, want it absent", c))
		}
	}
	named := map[string]bool{}
	for _, f := range d.Findings {
		for _, p := range f.Policies {
			named[p.ID] = true
		}
	}
	for _, id := range x.Policies {
		if !named[id] {
			out = append(out, fmt.Sprintf("no finding names policy %s", id))
		}
	}
	for _, id := range x.AbsentPolicies {
		if named[id] {
			out = append(out, fmt.Sprintf("a finding names policy %s, want it absent", id))
		}
	}
	for _, w := range x.Warnings {
		if !slices.ContainsFunc(d.Warnings, func(have diagnosis.Warning) bool { return string(have.Code) == w }) {
			out = append(out, fmt.Sprintf("no warning %s", w))
		}
	}
	return out
}

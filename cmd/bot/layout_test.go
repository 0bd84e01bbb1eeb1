package main

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// mustNot is the dependency policy of the layout (STYLE §2.2). This is
// policy, not a build fix: change it only with a review.
var mustNot = map[string][]string{
	"diagnosis":      {"/graph", "/store", "/handlers", "/adapters/", "net/http", "slack-go", "msbotbuilder-go", "go-redis"},
	"diagnosis/demo": {"/graph", "/store", "/handlers", "/adapters/", "net/http", "slack-go", "msbotbuilder-go", "go-redis"},
	"handlers":       {"/graph", "/adapters/", "slack-go", "msbotbuilder-go"},
	"adapters/slack": {"/adapters/teams", "/graph", "msbotbuilder-go"},
	"adapters/teams": {"/adapters/slack", "/graph", "slack-go"},
	"graph":          {"/handlers", "/store", "/adapters/", "slack-go", "msbotbuilder-go"},
	"store":          {"/handlers", "/graph", "/adapters/"},
}

const module = "github.com/onboard-check/onboard-check/"

// goList runs `go list -f` on a package of this module; a package that
// does not exist yet yields nothing.
func goList(t *testing.T, field, pkg string) []string {
	t.Helper()
	out, err := exec.Command("go", "list", "-f", "{{join "+field+" \"\\n\"}}", module+pkg).CombinedOutput()
	if err != nil {
		if strings.Contains(string(out), "cannot find package") || strings.Contains(string(out), "no Go files") ||
			strings.Contains(string(out), "is not in std") || strings.Contains(string(out), "no required module provides") || strings.Contains(string(out), "matched no packages") {
			return nil
		}
		t.Fatalf("go list %s: %v\n%s", pkg, err, out)
	}
	return strings.Fields(string(out))
}

func isGraphSDK(imp string) bool {
	return strings.Contains(imp, "msgraph-sdk-go") || strings.Contains(imp, "kiota")
}

func TestImportRules(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	for pkg, banned := range mustNot {
		t.Run(pkg, func(t *testing.T) {
			t.Parallel()
			for _, imp := range goList(t, ".Imports", pkg) {
				if slices.ContainsFunc(banned, func(b string) bool { return strings.Contains(imp, b) }) {
					t.Errorf("%s imports %s; see the layout table in README", pkg, imp)
				}
			}
			if pkg != "graph" && slices.ContainsFunc(goList(t, ".Deps", pkg), isGraphSDK) {
				t.Errorf("%s depends on msgraph-sdk-go (a four-minute build)", pkg)
			}
		})
	}
}

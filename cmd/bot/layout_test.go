package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// The import policy of the whole tree, as go/build/deps_test.go keeps the
// standard library's. Every package has a rule listing what it MAY import;
// a package without a rule fails, so a new package gets one in review. This
// is policy, not a build fix: change it only with a review.
//
// An entry is an import path, matched exactly, or a path ending in "/",
// which matches that path and everything under it. Nothing is matched by
// substring: "graph" never admits "graphql".

const module = "github.com/onboard-check/onboard-check"

// our names a package of this module.
func our(p string) string { return module + "/" + p }

// Third-party trees, named once.
const (
	azureCore     = "github.com/Azure/azure-sdk-for-go/sdk/azcore/"
	azureIdentity = "github.com/Azure/azure-sdk-for-go/sdk/azidentity/"
	goCmp         = "github.com/google/go-cmp/"
	goRedis       = "github.com/redis/go-redis/v9/"
	jwt           = "github.com/golang-jwt/jwt/v5/"
	msbot         = "github.com/infracloudio/msbotbuilder-go/"
	msgraph       = "github.com/microsoftgraph/msgraph-sdk-go/"
	msgraphCore   = "github.com/microsoftgraph/msgraph-sdk-go-core/"
	slackGo       = "github.com/slack-go/slack/"
	websocket     = "github.com/gorilla/websocket/"
	xSync         = "golang.org/x/sync/"
	xTime         = "golang.org/x/time/"
	yamlV3        = "go.yaml.in/yaml/v3/"
)

// rule is what one package may import besides the standard library.
type rule struct {
	may     []string // non-test code
	testMay []string // _test.go files, in addition to may
	// stdBan lists standard library packages the package must not use.
	stdBan []string
	// anything: the package wires everything (cmd/bot).
	anything bool
}

// everyone may import these: they hold no policy of their own.
var everyone = []string{our("internal/secret")}

// everyTest may import these in _test.go files.
var everyTest = []string{our("internal/golden"), our("internal/logbuf"), goCmp, "github.com/google/go-cmp"}

// noNetwork keeps the domain pure: no network, no processes.
var noNetwork = []string{"net", "net/http/", "net/rpc/", "net/smtp", "os/exec", "syscall", "unsafe"}

// rules is the layout of README's dependency table. Adapters never import
// each other; diagnosis imports nothing of ours; the fakes never import the
// SDK they fake.
var rules = map[string]rule{
	our("diagnosis"):      {stdBan: noNetwork, testMay: []string{our("diagnosis/demo")}},
	our("diagnosis/demo"): {may: []string{our("diagnosis"), our("internal/graphjson")}, stdBan: noNetwork},
	// internal/graphjson is the one decoder of Graph's sign-in and policy
	// JSON, shared by graph and the sample tenant: pure, like diagnosis.
	our("internal/graphjson"): {may: []string{our("diagnosis")}, stdBan: noNetwork},
	our("graph"): {
		may: []string{our("diagnosis"), our("internal/graphjson"), azureCore, azureIdentity, msgraph, msgraphCore, xSync, xTime,
			"github.com/microsoft/kiota-abstractions-go/", "github.com/microsoft/kiota-serialization-json-go/"},
		testMay: []string{our("graph/graphtest"), our("diagnosis/demo")},
	},
	our("graph/graphtest"): {may: []string{our("diagnosis"), our("diagnosis/demo")}},
	our("store"): {
		may:     []string{our("diagnosis"), goRedis},
		testMay: []string{our("store/storetest")},
	},
	our("store/storetest"): {may: []string{our("store"), our("diagnosis"), goCmp}},
	our("handlers"): {
		may:     []string{our("diagnosis"), our("store"), xSync, xTime},
		testMay: []string{our("diagnosis/demo")},
	},
	our("adapters/slack"): {
		may:     []string{our("handlers"), our("diagnosis"), slackGo, xSync, xTime},
		testMay: []string{our("adapters/slack/slacktest"), our("diagnosis/demo"), our("store"), yamlV3},
	},
	our("adapters/slack/slacktest"): {may: []string{our("adapters/slack"), websocket}},
	our("adapters/teams"): {
		may:     []string{our("handlers"), our("diagnosis"), msbot, jwt, azureCore, azureIdentity, xSync, xTime},
		testMay: []string{our("adapters/teams/teamstest"), our("diagnosis/demo"), our("store")},
	},
	our("adapters/teams/teamstest"): {may: []string{our("adapters/teams"), jwt}},
	our("internal/secret"):          {},
	our("internal/golden"):          {may: []string{goCmp}},
	our("internal/logbuf"):          {},
	our("cmd/teamspkg"):             {},
	our("cmd/bot"):                  {anything: true},
}

// slowSDK is the Graph SDK: a four-minute cold build. Only these packages
// may depend on it, even transitively and in their tests.
var (
	slowSDK     = []string{msgraph, msgraphCore}
	slowSDKUser = []string{our("graph"), our("cmd/bot")}
)

// pkg is what the checker knows of one package.
type pkg struct {
	Path        string
	Imports     []string // non-test imports
	TestImports []string // imports of _test.go files, internal and external
	Deps        []string // transitive dependencies, tests included
}

// matches reports whether the import path p is admitted by entry e.
func matches(e, p string) bool {
	if strings.HasSuffix(e, "/") {
		return p == strings.TrimSuffix(e, "/") || strings.HasPrefix(p, e)
	}
	return p == e
}

func matchesAny(entries []string, p string) bool {
	return slices.ContainsFunc(entries, func(e string) bool { return matches(e, p) })
}

// isStd reports whether p is in the standard library: its first element
// has no dot.
func isStd(p string) bool {
	first, _, _ := strings.Cut(p, "/")
	return !strings.Contains(first, ".")
}

// checkLayout returns one line per violation of rules by pkgs.
func checkLayout(pkgs []pkg, rules map[string]rule) []string {
	var problems []string
	for _, p := range pkgs {
		r, ok := rules[p.Path]
		if !ok {
			problems = append(problems, fmt.Sprintf("%s has no import rule: add one to layout_test.go", p.Path))
			continue
		}
		check := func(imp string, allowed []string, where string) {
			switch {
			case imp == p.Path || r.anything:
			case isStd(imp):
				if matchesAny(r.stdBan, imp) {
					problems = append(problems, fmt.Sprintf("%s%s imports %s, which its rule bans", p.Path, where, imp))
				}
			case !matchesAny(allowed, imp):
				problems = append(problems, fmt.Sprintf("%s%s imports %s, which its rule does not allow", p.Path, where, imp))
			}
		}
		may := append(slices.Clone(r.may), everyone...)
		for _, imp := range p.Imports {
			check(imp, may, "")
		}
		testMay := append(append(may, r.testMay...), everyTest...)
		for _, imp := range p.TestImports {
			check(imp, testMay, " (tests)")
		}
		if !slices.Contains(slowSDKUser, p.Path) {
			if i := slices.IndexFunc(p.Deps, func(d string) bool { return matchesAny(slowSDK, d) }); i >= 0 {
				problems = append(problems, fmt.Sprintf("%s depends on %s: only graph and cmd/bot may pull in the Graph SDK (a four-minute build)", p.Path, p.Deps[i]))
			}
		}
	}
	return problems
}

// listPackages reads every package of the module with `go list`, tests
// included.
func listPackages(t testing.TB) []pkg {
	t.Helper()
	run := func(args ...string) []byte {
		t.Helper()
		cmd := exec.Command("go", append([]string{"list"}, args...)...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("go list %v: %v\n%s", args, err, stderr.String())
		}
		return out
	}
	lines := func(b []byte) [][]string {
		var out [][]string
		sc := bufio.NewScanner(bytes.NewReader(b))
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			out = append(out, strings.Split(sc.Text(), "\t"))
		}
		return out
	}
	byPath := map[string]*pkg{}
	var pkgs []*pkg
	for _, f := range lines(run("-f", "{{.ImportPath}}\t{{join .Imports \" \"}}\t{{join .TestImports \" \"}} {{join .XTestImports \" \"}}\t{{join .Deps \" \"}}", module+"/...")) {
		p := &pkg{Path: f[0], Imports: strings.Fields(f[1]), TestImports: strings.Fields(f[2]), Deps: strings.Fields(f[3])}
		byPath[p.Path] = p
		pkgs = append(pkgs, p)
	}
	// The test variants ("p [p.test]", "p_test [p.test]") carry the
	// transitive dependencies of the tests.
	for _, f := range lines(run("-test", "-f", "{{.ForTest}}\t{{join .Deps \" \"}}", module+"/...")) {
		if p := byPath[f[0]]; p != nil {
			for _, d := range strings.Fields(f[1]) {
				d, _, _ = strings.Cut(d, " ")
				p.Deps = append(p.Deps, d)
			}
		}
	}
	out := make([]pkg, len(pkgs))
	for i, p := range pkgs {
		out[i] = *p
	}
	return out
}

func TestImportRules(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	pkgs := listPackages(t)
	if len(pkgs) < len(rules) {
		t.Errorf("go list found %d packages, fewer than the %d rules", len(pkgs), len(rules))
	}
	for _, p := range checkLayout(pkgs, rules) {
		t.Error(p)
	}
	// A rule for a package that no longer exists is stale.
	for path := range rules {
		if !slices.ContainsFunc(pkgs, func(p pkg) bool { return p.Path == path }) {
			t.Errorf("rule for %s, which does not exist: remove it", path)
		}
	}
}

// TestCheckLayout holds the checker to its promises on packages made up
// for the purpose.
func TestCheckLayout(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		pkg  pkg
		want string // a substring of the one problem expected; "" for none
	}{
		{"a package without a rule fails", pkg{Path: our("handlers/newthing")}, "has no import rule"},
		{"a package on its allow-list passes", pkg{Path: our("handlers"), Imports: []string{our("diagnosis"), our("store"), "strings"}}, ""},
		{"everyone may use internal/secret", pkg{Path: our("diagnosis"), Imports: []string{our("internal/secret")}}, ""},
		{"diagnosis imports none of ours", pkg{Path: our("diagnosis"), Imports: []string{our("store")}}, "does not allow"},
		{"a banned standard package", pkg{Path: our("diagnosis"), Imports: []string{"net/http"}}, "bans"},
		{"net/netip is not net", pkg{Path: our("diagnosis"), Imports: []string{"net/netip"}}, ""},
		{"an adapter never imports the other", pkg{Path: our("adapters/slack"), Imports: []string{our("adapters/teams")}}, "does not allow"},
		{"exact paths, never substrings", pkg{Path: our("handlers"), Imports: []string{our("storefront")}}, "does not allow"},
		{"a tree admits its subpackages", pkg{Path: our("adapters/slack"), Imports: []string{"github.com/slack-go/slack/socketmode"}}, ""},
		{"a tree does not admit its siblings", pkg{Path: our("adapters/slack"), Imports: []string{"github.com/slack-go/slackware"}}, "does not allow"},
		{"a fake never imports the SDK it fakes", pkg{Path: our("adapters/slack/slacktest"), Imports: []string{"github.com/slack-go/slack"}}, "does not allow"},
		{"tests may use golden files", pkg{Path: our("handlers"), TestImports: []string{our("internal/golden")}}, ""},
		{"only tests may use golden files", pkg{Path: our("handlers"), Imports: []string{our("internal/golden")}}, "does not allow"},
		{"tests keep the adapter rule", pkg{Path: our("adapters/teams"), TestImports: []string{our("adapters/slack/slacktest")}}, "(tests) imports"},
		{"the Graph SDK, transitively", pkg{Path: our("store"), Imports: []string{our("diagnosis")}, Deps: []string{our("diagnosis"), msgraph + "models"}}, "Graph SDK"},
		{"the Graph SDK in graph", pkg{Path: our("graph"), Imports: []string{msgraph + "models"}, Deps: []string{msgraph + "models"}}, ""},
		{"graphjson may read into diagnosis", pkg{Path: our("internal/graphjson"), Imports: []string{our("diagnosis"), "encoding/json"}}, ""},
		{"graphjson never speaks HTTP", pkg{Path: our("internal/graphjson"), Imports: []string{"net/http"}}, "bans"},
		{"graphjson never depends on the Graph SDK", pkg{Path: our("internal/graphjson"), Imports: []string{our("diagnosis")}, Deps: []string{our("diagnosis"), msgraph + "models"}}, "Graph SDK"},
		{"graphjson imports no other package of ours", pkg{Path: our("internal/graphjson"), Imports: []string{our("graph")}}, "does not allow"},
		{"the sample tenant may use graphjson", pkg{Path: our("diagnosis/demo"), Imports: []string{our("internal/graphjson")}}, ""},
		{"cmd/bot wires everything", pkg{Path: our("cmd/bot"), Imports: []string{our("graph"), "github.com/anything/at/all"}, Deps: []string{msgraph}}, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := checkLayout([]pkg{tt.pkg}, rules)
			switch {
			case tt.want == "" && len(got) > 0:
				t.Errorf("checkLayout(%s) = %q, want no problem", tt.pkg.Path, got)
			case tt.want != "" && (len(got) != 1 || !strings.Contains(got[0], tt.want)):
				t.Errorf("checkLayout(%s) = %q, want one problem containing %q", tt.pkg.Path, got, tt.want)
			}
		})
	}
}

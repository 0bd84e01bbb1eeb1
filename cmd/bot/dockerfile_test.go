package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// No Docker engine runs the tests, so deploy/Dockerfile and .dockerignore
// are checked by reading them: the build context keeps every file the
// binary is built from, the image runs as a numeric user, and the version
// reaches a variable that exists.

const repoRoot = "../.."

// dockerIgnored reports whether .dockerignore excludes rel (slash-separated,
// relative to the context root). It implements the patterns the file uses:
// a leading "/" or none (from the root), a leading "**/" (at any depth), and
// "*" within a name; a pattern that matches a directory excludes what is
// under it.
func dockerIgnored(t *testing.T, patterns []string, rel string) bool {
	t.Helper()
	parts := strings.Split(rel, "/")
	for _, p := range patterns {
		if strings.HasPrefix(p, "!") {
			t.Fatalf(".dockerignore: exception %q is not understood by this test", p)
		}
		p = strings.TrimPrefix(p, "/")
		anyDepth := strings.HasPrefix(p, "**/")
		p = strings.TrimPrefix(p, "**/")
		if strings.Contains(p, "**") {
			t.Fatalf(".dockerignore: pattern %q is not understood by this test", p)
		}
		// The pattern matches n consecutive names: from the root, or
		// anywhere with "**/".
		n := len(strings.Split(p, "/"))
		for start := 0; start+n <= len(parts) && (start == 0 || anyDepth); start++ {
			if ok, _ := filepath.Match(p, strings.Join(parts[start:start+n], "/")); ok {
				return true
			}
		}
	}
	return false
}

func readDockerignore(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, ".dockerignore"))
	if err != nil {
		t.Fatal(err)
	}
	var patterns []string
	for _, line := range strings.Split(string(b), "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			patterns = append(patterns, line)
		}
	}
	return patterns
}

func TestDockerContextHoldsTheBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	patterns := readDockerignore(t)
	// Every Go and embedded file of every package of this module that
	// ./cmd/bot is built from.
	out, err := exec.Command("go", "list", "-deps",
		"-f", `{{if .Module}}{{if .Module.Main}}{{.Dir}}{{range .GoFiles}}|{{.}}{{end}}{{range .EmbedFiles}}|{{.}}{{end}}{{end}}{{end}}`,
		"github.com/onboard-check/onboard-check/cmd/bot").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	root, err := filepath.Abs(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	files := []string{"go.mod", "go.sum"}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Split(line, "|")
		dir, err := filepath.Rel(root, fields[0])
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range fields[1:] {
			files = append(files, filepath.ToSlash(filepath.Join(dir, f)))
		}
	}
	if len(files) < 20 {
		t.Fatalf("go list named only %d files: %v", len(files), files)
	}
	for _, f := range files {
		if dockerIgnored(t, patterns, f) {
			t.Errorf(".dockerignore leaves %s out of the build context; docker build would fail", f)
		}
	}
	// And what it must leave out.
	for _, f := range []string{".git/HEAD", "adapters/teams/testdata/cardcheck/node_modules/adaptivecards/package.json",
		"scripts/render-images/node_modules/x.js", "bot", "cmd/bot/main_test.go", "graph/testdata/signins.json"} {
		if !dockerIgnored(t, patterns, f) {
			t.Errorf(".dockerignore lets %s into the build context", f)
		}
	}
}

func TestDockerfile(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(repoRoot, "deploy", "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	df := string(b)
	users := regexp.MustCompile(`(?m)^USER\s+(\S+)`).FindAllStringSubmatch(df, -1)
	if len(users) == 0 || users[len(users)-1][1] != "65532:65532" {
		t.Errorf("the image's last USER is %v, want 65532:65532 (numeric, so runAsNonRoot can be verified)", users)
	}
	download := strings.Index(df, "go mod download")
	copyAll := strings.Index(df, "COPY . .")
	if download < 0 || copyAll < 0 || download > copyAll || !strings.Contains(df[:download], "COPY go.mod go.sum") {
		t.Errorf("go mod download must run on go.mod and go.sum alone, before COPY . ., so its layer survives source changes")
	}
	if !strings.Contains(df, "./cmd/bot") || !strings.Contains(df, "CGO_ENABLED=0") {
		t.Errorf("the build does not make a static ./cmd/bot")
	}
	// -X main.version=… must hit a string variable of package main, or the
	// linker drops it without a word and `bot version` says (devel).
	if !strings.Contains(df, "-X main.version=") {
		t.Errorf("Dockerfile does not stamp main.version")
	}
	if !stringVars(t, ".")["version"] {
		t.Errorf("Dockerfile sets main.version, but package main has no string variable version")
	}
}

// stringVars returns the package-level string variables of the Go package
// in dir (tests excluded).
func stringVars(t *testing.T, dir string) map[string]bool {
	t.Helper()
	fset := token.NewFileSet()
	matches, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	vars := map[string]bool{}
	for _, path := range matches {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.VAR {
				continue
			}
			for _, s := range g.Specs {
				vs := s.(*ast.ValueSpec)
				if id, ok := vs.Type.(*ast.Ident); ok && id.Name == "string" {
					for _, n := range vs.Names {
						vars[n.Name] = true
					}
				}
			}
		}
	}
	return vars
}

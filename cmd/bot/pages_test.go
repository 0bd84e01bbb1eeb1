package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPages: /privacy and /terms for the Teams manifest, in the
// requester's language, and replaceable by the operator.
func TestPages(t *testing.T) {
	t.Parallel()
	srv := startServe(t, nil, nil)
	for _, tt := range []struct {
		path, lang, want string
	}{
		{"/privacy", "", "What it keeps"},
		{"/privacy", "nl-NL,nl;q=0.9", "Wat de bot bewaart"},
		{"/privacy?lang=nl", "", "Wat de bot bewaart"},
		{"/terms", "", "Terms of use"},
		{"/terms", "nl", "Gebruiksvoorwaarden"},
	} {
		code, header, body := get(t, srv.public+tt.path, "Accept-Language", tt.lang)
		if code != 200 || !strings.HasPrefix(header.Get("Content-Type"), "text/html") || !strings.Contains(body, tt.want) {
			t.Errorf("GET %s (%s) = %d %s, want a page with %q", tt.path, tt.lang, code, header.Get("Content-Type"), tt.want)
		}
		if strings.Contains(body, "{{") {
			t.Errorf("GET %s: template not executed", tt.path)
		}
	}
	_, _, body := get(t, srv.public+"/privacy")
	if !strings.Contains(body, "7 days") || !strings.Contains(body, "100000") {
		t.Errorf("privacy page lacks the retention: %s", body)
	}

	dir := t.TempDir()
	own := filepath.Join(dir, "privacy.html")
	if err := os.WriteFile(own, []byte("<p>Contoso IT privacy, language {{.Lang}}</p>"), 0o600); err != nil {
		t.Fatal(err)
	}
	srv = startServe(t, map[string]string{"ONBOARD_PRIVACY_FILE": own}, nil)
	if _, _, body := get(t, srv.public+"/privacy?lang=nl"); body != "<p>Contoso IT privacy, language nl</p>" {
		t.Errorf("operator page = %q", body)
	}
	broken := filepath.Join(dir, "terms.html")
	if err := os.WriteFile(broken, []byte("<p>{{.Nope</p>"), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := runBot(t, map[string]string{"ONBOARD_TERMS_FILE": broken}, "serve"); code != exitUsage || !strings.Contains(stderr, "ONBOARD_TERMS_FILE") {
		t.Errorf("broken template: exit %d stderr %q", code, stderr)
	}
	if code, _, stderr := runBot(t, map[string]string{"ONBOARD_TERMS_FILE": filepath.Join(dir, "missing.html")}, "serve"); code != exitUsage || !strings.Contains(stderr, "ONBOARD_TERMS_FILE") {
		t.Errorf("missing file: exit %d stderr %q", code, stderr)
	}
}

// TestTeamsPackagePagesServe: the pages shipped beside the Teams app
// package work as operator pages.
func TestTeamsPackagePagesServe(t *testing.T) {
	t.Parallel()
	dir := filepath.Join("..", "..", "deploy", "teams")
	if _, err := os.Stat(filepath.Join(dir, "privacy.html")); err != nil {
		t.Skip("no privacy.html beside the Teams app package")
	}
	p, err := loadPages(serveConfig{PrivacyFile: filepath.Join(dir, "privacy.html"), TermsFile: filepath.Join(dir, "terms.html")})
	if err != nil {
		t.Fatalf("loadPages: %v", err)
	}
	for _, page := range []string{"privacy.en", "privacy.nl", "terms.en", "terms.nl"} {
		if b := p.body[page]; !bytes.Contains(b, []byte("<h1>")) {
			t.Errorf("%s: %.100q", page, b)
		}
	}
}

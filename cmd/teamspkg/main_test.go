package main

import (
	"archive/zip"
	"encoding/json"
	"html/template"
	"io"
	"path/filepath"
	"strings"
	"testing"
)

func TestPackage(t *testing.T) {
	out := filepath.Join(t.TempDir(), "pkg.zip")
	const id = "5e9b3c2a-7d41-4f0e-9c6b-2a1d8e4f7b90"
	if err := run([]string{"-app-id", id, "-domain", "bot.contoso.com", "-dir", filepath.Join("..", "..", "deploy", "teams"), "-out", out}); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.OpenReader(out)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	names := map[string]bool{}
	var manifest struct {
		ID   string `json:"id"`
		Bots []struct {
			BotID  string   `json:"botId"`
			Scopes []string `json:"scopes"`
		} `json:"bots"`
		ValidDomains []string `json:"validDomains"`
		Developer    struct {
			PrivacyURL string `json:"privacyUrl"`
			TermsURL   string `json:"termsOfUseUrl"`
		} `json:"developer"`
	}
	for _, f := range zr.File {
		names[f.Name] = true
		if f.Name == "manifest.json" {
			rc, _ := f.Open()
			b, _ := io.ReadAll(rc)
			rc.Close()
			if err := json.Unmarshal(b, &manifest); err != nil {
				t.Fatalf("manifest is not JSON: %v", err)
			}
		}
	}
	if !names["manifest.json"] || !names["color.png"] || !names["outline.png"] {
		t.Errorf("package holds %v", names)
	}
	if manifest.ID != id || len(manifest.Bots) != 1 || manifest.Bots[0].BotID != id || len(manifest.Bots[0].Scopes) != 3 ||
		len(manifest.ValidDomains) != 1 || manifest.ValidDomains[0] != "bot.contoso.com" {
		t.Errorf("manifest = %+v", manifest)
	}
	if manifest.Developer.PrivacyURL != "https://bot.contoso.com/privacy" || manifest.Developer.TermsURL != "https://bot.contoso.com/terms" {
		t.Errorf("privacy and terms = %+v; want the pages the bot serves", manifest.Developer)
	}
	for _, bad := range [][]string{{"-app-id", "not-a-guid", "-domain", "x.com"}, {"-app-id", id, "-domain", "https://x.com/"},
		{"-app-id", id, "-domain", "x.com", "-privacy-url", "http://contoso.com/privacy"},
		{"-app-id", id, "-domain", "x.com", "-terms-url", "javascript:alert(1)"}} {
		if err := run(append(bad, "-out", out)); err == nil {
			t.Errorf("run(%q) accepted", bad)
		}
	}
}

// TestOwnPages: an organisation's own privacy statement and terms go into
// the manifest as given, escaped for JSON.
func TestOwnPages(t *testing.T) {
	out := filepath.Join(t.TempDir(), "pkg.zip")
	const privacy = `https://contoso.com/legal/privacy?app="onboard-check"`
	if err := run([]string{"-app-id", "5e9b3c2a-7d41-4f0e-9c6b-2a1d8e4f7b90", "-domain", "bot.contoso.com", "-dir", filepath.Join("..", "..", "deploy", "teams"),
		"-privacy-url", privacy, "-terms-url", "https://contoso.com/legal/terms", "-out", out}); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.OpenReader(out)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var m struct {
		Developer struct {
			PrivacyURL string `json:"privacyUrl"`
			TermsURL   string `json:"termsOfUseUrl"`
		} `json:"developer"`
	}
	for _, f := range zr.File {
		if f.Name == "manifest.json" {
			rc, _ := f.Open()
			b, _ := io.ReadAll(rc)
			rc.Close()
			if err := json.Unmarshal(b, &m); err != nil {
				t.Fatal(err)
			}
		}
	}
	if m.Developer.PrivacyURL != privacy || m.Developer.TermsURL != "https://contoso.com/legal/terms" {
		t.Errorf("developer = %+v", m.Developer)
	}
}

// TestPageTemplates: the privacy statement and terms the bot serves parse
// as html/template and render without data, so an operator's replacement
// can start from them.
func TestPageTemplates(t *testing.T) {
	for _, name := range []string{"privacy.html", "terms.html"} {
		tmpl, err := template.ParseFiles(filepath.Join("..", "..", "deploy", "teams", name))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var b strings.Builder
		if err := tmpl.Execute(&b, nil); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !strings.Contains(b.String(), "onboard-check") || !strings.Contains(b.String(), "</html>") {
			t.Errorf("%s renders %q", name, b.String())
		}
	}
}

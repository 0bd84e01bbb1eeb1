package main

import (
	"archive/zip"
	"encoding/json"
	"io"
	"path/filepath"
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
	for _, bad := range [][]string{{"-app-id", "not-a-guid", "-domain", "x.com"}, {"-app-id", id, "-domain", "https://x.com/"}} {
		if err := run(append(bad, "-out", out)); err == nil {
			t.Errorf("run(%q) accepted", bad)
		}
	}
}

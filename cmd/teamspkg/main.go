package main

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "teamspkg:", err)
		os.Exit(1)
	}
}

var guid = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

func run(args []string) error {
	fs := flag.NewFlagSet("teamspkg", flag.ContinueOnError)
	appID := fs.String("app-id", os.Getenv("MICROSOFT_APP_ID"), "the Azure Bot's Microsoft App ID")
	domain := fs.String("domain", "", "the host name serving /api/messages, e.g. bot.contoso.com")
	dir := fs.String("dir", filepath.Join("deploy", "teams"), "folder with manifest.json and the icons")
	privacy := fs.String("privacy-url", "", "the privacy statement; default https://DOMAIN/privacy, the page the bot serves")
	terms := fs.String("terms-url", "", "the terms of use; default https://DOMAIN/terms, the page the bot serves")
	out := fs.String("out", "onboard-check-teams.zip", "the package to write")
	drawIcons := fs.Bool("icons", false, "redraw color.png and outline.png in -dir and stop")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *drawIcons {
		return icons(*dir)
	}
	if !guid.MatchString(*appID) {
		return fmt.Errorf("-app-id (or MICROSOFT_APP_ID) must be the bot's app id, a GUID")
	}
	if *domain == "" || strings.ContainsAny(*domain, "/: ") {
		return fmt.Errorf("-domain must be a host name such as bot.contoso.com")
	}
	if *privacy == "" {
		*privacy = "https://" + *domain + "/privacy"
	}
	if *terms == "" {
		*terms = "https://" + *domain + "/terms"
	}
	for _, f := range []struct{ name, value string }{{"-privacy-url", *privacy}, {"-terms-url", *terms}} {
		if err := pageURL(f.value); err != nil {
			return fmt.Errorf("%s: %w", f.name, err)
		}
	}
	tmpl, err := os.ReadFile(filepath.Join(*dir, "manifest.json"))
	if err != nil {
		return err
	}
	manifest := strings.NewReplacer("{{MICROSOFT_APP_ID}}", strings.ToLower(*appID), "{{BOT_DOMAIN}}", *domain,
		"{{PRIVACY_URL}}", jsonString(*privacy), "{{TERMS_URL}}", jsonString(*terms)).Replace(string(tmpl))
	if !json.Valid([]byte(manifest)) {
		return errors.New("manifest.json is not JSON once filled in")
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	files := map[string][]byte{"manifest.json": []byte(manifest)}
	for _, icon := range []string{"color.png", "outline.png"} {
		b, err := os.ReadFile(filepath.Join(*dir, icon))
		if err != nil {
			return err
		}
		files[icon] = b
	}
	for _, name := range []string{"manifest.json", "color.png", "outline.png"} {
		w, err := zw.Create(name)
		if err != nil {
			return err
		}
		if _, err := w.Write(files[name]); err != nil {
			return err
		}
	}
	if err := zw.Close(); err != nil {
		return err
	}
	return os.WriteFile(*out, buf.Bytes(), 0o644)
}

// pageURL checks a privacy or terms URL: Teams requires https, and the
// manifest allows at most 2048 characters.
func pageURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil || len(raw) > 2048 {
		return errors.New("must be an https URL of at most 2048 characters")
	}
	return nil
}

// jsonString is s as the inside of a JSON string.
func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b[1 : len(b)-1])
}

// icons draws the two icons Teams wants: 192×192 in colour and a 32×32
// white outline on transparent; -icons redraws them.
func icons(dir string) error {
	accent := color.RGBA{0x1f, 0x3b, 0x57, 0xff}
	white := color.RGBA{0xff, 0xff, 0xff, 0xff}
	col := image.NewRGBA(image.Rect(0, 0, 192, 192))
	out := image.NewRGBA(image.Rect(0, 0, 32, 32))
	draw := func(img *image.RGBA, size int, bg, fg color.Color) {
		c := float64(size) / 2
		for y := 0; y < size; y++ {
			for x := 0; x < size; x++ {
				dx, dy := float64(x)-c+0.5, float64(y)-c+0.5
				d := dx*dx + dy*dy
				r := c * 0.8
				switch {
				case d <= r*r && d >= (r*0.72)*(r*0.72):
					img.Set(x, y, fg) // the ring
				case x > size*45/100 && x < size*55/100 && y > size*28/100 && y < size*60/100:
					img.Set(x, y, fg) // the bar of the exclamation mark
				case x > size*45/100 && x < size*55/100 && y > size*66/100 && y < size*74/100:
					img.Set(x, y, fg) // the dot
				case bg != nil:
					img.Set(x, y, bg)
				}
			}
		}
	}
	draw(col, 192, accent, white)
	draw(out, 32, nil, white)
	for name, img := range map[string]image.Image{"color.png": col, "outline.png": out} {
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			return err
		}
		if err := png.Encode(f, img); err != nil {
			f.Close()
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
	}
	return nil
}

package main

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"strings"

	"github.com/onboard-check/onboard-check/diagnosis"
	"github.com/onboard-check/onboard-check/store"
)

// The privacy and terms pages the Teams app manifest links to, in every
// language the bot speaks. An operator replaces either with an HTML
// template of their own (ONBOARD_PRIVACY_FILE, ONBOARD_TERMS_FILE), which
// is then served in every language.
//
//go:embed pages/*.html
var pageFiles embed.FS

// pageData is what a page template may show.
type pageData struct {
	Lang                 string
	DiagnosisRetention   string // "7 days"
	DiagnosisRetentionNL string // "7 dagen"
	AuditEntries         string // how many audit entries are kept
}

// pages holds the rendered pages by name and language.
type pages struct {
	body map[string][]byte // "privacy.en" → HTML
}

// loadPages renders the pages once, at start-up: a broken operator
// template stops start-up naming its variable.
func loadPages(cfg serveConfig) (*pages, error) {
	p := &pages{body: map[string][]byte{}}
	for _, page := range []struct{ name, file, setting string }{
		{"privacy", cfg.PrivacyFile, "ONBOARD_PRIVACY_FILE"},
		{"terms", cfg.TermsFile, "ONBOARD_TERMS_FILE"},
	} {
		for _, lang := range diagnosis.Languages() {
			src, err := pageFiles.ReadFile("pages/" + page.name + "." + lang + ".html")
			if page.file != "" {
				src, err = os.ReadFile(page.file)
			}
			if err != nil {
				return nil, &configError{problems: []string{fmt.Sprintf("%s: cannot read %s", page.setting, page.file)}}
			}
			t, err := template.New(page.name).Parse(string(src))
			var b bytes.Buffer
			if err == nil {
				err = t.Execute(&b, pageData{Lang: lang, DiagnosisRetention: "7 days", DiagnosisRetentionNL: "7 dagen",
					AuditEntries: strconv.Itoa(store.DefaultAuditCap)})
			}
			if err != nil {
				return nil, &configError{problems: []string{fmt.Sprintf("%s: not a valid HTML template: %s", page.setting, firstLine(err.Error()))}}
			}
			p.body[page.name+"."+lang] = b.Bytes()
		}
	}
	return p, nil
}

func (s *server) handlePrivacy(w http.ResponseWriter, r *http.Request) { s.writePage(w, r, "privacy") }
func (s *server) handleTerms(w http.ResponseWriter, r *http.Request)   { s.writePage(w, r, "terms") }

// writePage answers in the language asked for (?lang=nl), else the
// browser's first (Accept-Language), else the configured one.
func (s *server) writePage(w http.ResponseWriter, r *http.Request, name string) {
	lang := diagnosis.NormalizeLang(r.URL.Query().Get("lang"))
	if lang == "" {
		first, _, _ := strings.Cut(r.Header.Get("Accept-Language"), ",")
		first, _, _ = strings.Cut(first, ";")
		lang = s.service.Lang(first)
	}
	body, ok := s.pages.body[name+"."+lang]
	if !ok {
		s.log.Error("page missing", slog.String("component", "serve"), slog.String("page", name))
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write(body)
}

package handlers_test

import (
	"fmt"
	"testing"

	"github.com/onboard-check/onboard-check/handlers"
)

// BenchmarkPrepare is the work a surface does before it acks.
func BenchmarkPrepare(b *testing.B) {
	f := newFixture(b, handlers.Config{RateLimit: 1 << 30}, nil)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		req := slackReq("/onboard-check adele@contoso.com --app azure-portal", fmt.Sprintf("Ev%d", i), "")
		if _, _, err := f.svc.Prepare(b.Context(), req); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := handlers.Parse("/onboard-check conor.o'brien@contoso.com --app azure-portal --since 72h"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRenderText(b *testing.B) {
	f := newFixture(b, handlers.Config{}, nil)
	job, _, err := f.svc.Prepare(b.Context(), slackReq("lynne@contoso.com", "", ""))
	if err != nil {
		b.Fatal(err)
	}
	r, err := f.svc.Run(b.Context(), job)
	if err != nil || r.Diagnosis == nil {
		b.Fatal(err)
	}
	text, err := handlers.NewText()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		text.Render(*r.Diagnosis, "nl", false)
	}
}

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/onboard-check/onboard-check/diagnosis"
	"github.com/onboard-check/onboard-check/diagnosis/demo"
	"github.com/onboard-check/onboard-check/handlers"
	"github.com/onboard-check/onboard-check/store"
)

// cliFlags are the flags explain and whatif share with check.
type cliFlags struct {
	output, lang string
	demo         bool
}

// cliSay writes one catalog line on stderr, prefixed with the command.
type cliSay func(key string, args ...string)

// cliSetup resolves the language and returns how to report problems. It
// returns a non-zero code when the flags are unusable.
func cliSetup(name string, f cliFlags, getenv func(string) string, stderr io.Writer) (lang string, say cliSay, code int) {
	msgs, err := handlers.Messages()
	if err != nil {
		fmt.Fprintf(stderr, "bot %s: %v\n", name, err)
		return "", nil, exitFail
	}
	lang = diagnosis.NormalizeLang(getenv("ONBOARD_LANG"))
	if lang == "" {
		lang = diagnosis.FallbackLang
	}
	say = func(key string, args ...string) {
		fmt.Fprintf(stderr, "bot %s: %s\n", name, msgs.T(lang, key, args...))
	}
	if f.lang != "" {
		if diagnosis.NormalizeLang(f.lang) != f.lang {
			say("cli.lang_bad", "input", f.lang)
			return "", nil, exitUsage
		}
		lang = f.lang
		say = func(key string, args ...string) {
			fmt.Fprintf(stderr, "bot %s: %s\n", name, msgs.T(lang, key, args...))
		}
	}
	if f.output != "text" && f.output != "json" {
		say("cli.output_bad", "input", f.output)
		return "", nil, exitUsage
	}
	return lang, say, exitOK
}

// cliService is the conversation service over src for one command line
// run: a memory store, logs at Warn on stderr.
func cliService(engine *diagnosis.Engine, src diagnosis.Source, lang string, stderr io.Writer) (*handlers.Service, error) {
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	return handlers.NewService(handlers.Config{Lang: lang, Classify: classify}, engine, src, store.NewMemory(nil), log)
}

// ask runs one command text through the service, as chat would.
func ask(ctx context.Context, svc *handlers.Service, req handlers.Request) (handlers.Reply, error) {
	job, reply, err := svc.Prepare(ctx, req)
	if err != nil || job.Empty() {
		return reply, err
	}
	return svc.Run(ctx, job)
}

func runExplain(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	var f cliFlags
	c := newCommand("explain", "bot explain [--output text|json] [--lang en|nl] CODE",
		"Explains a Microsoft Entra sign-in error code (53003 or AADSTS53003): what it means and what to do.")
	c.StringVar(&f.output, "output", "text", "text, or json (the explanation as one JSON object)")
	c.StringVar(&f.lang, "lang", "", "language, en or nl (default ONBOARD_LANG, else en)")
	pos, help, err := c.parse(args, stdout)
	if help {
		return exitOK
	}
	lang, say, code := cliSetup("explain", f, getenv, stderr)
	if code != exitOK {
		return code
	}
	if err != nil || len(pos) != 1 {
		say("usage.explain_missing")
		c.usage(stderr)
		return exitUsage
	}
	engine, err := diagnosis.NewEngine(nil)
	if err != nil {
		fmt.Fprintf(stderr, "bot explain: %v\n", err)
		return exitFail
	}
	// Explaining reads only the built-in knowledge base.
	t, err := demo.Default(time.Now())
	if err != nil {
		fmt.Fprintf(stderr, "bot explain: %v\n", err)
		return exitFail
	}
	svc, err := cliService(engine, t, lang, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "bot explain: %v\n", err)
		return exitFail
	}
	reply, err := ask(ctx, svc, handlers.Request{Surface: handlers.SurfaceCLI, Requester: handlers.Principal{ID: "cli"},
		Text: "explain " + pos[0], Lang: lang})
	if err != nil {
		fmt.Fprintf(stderr, "bot explain: %v\n", err)
		return exitFail
	}
	if reply.Kind != handlers.ReplyExplain {
		say("cli.args_bad", "problem", firstLine(reply.Text))
		return exitUsage
	}
	if f.output == "json" {
		x := reply.Explain
		if x == nil { // a code the knowledge base does not hold
			code, _ := handlers.ParseErrorCode(pos[0])
			return writeJSONOut(stdout, explainJSON{Code: code, Link: diagnosis.LookupURL(code), Remediation: []string{}})
		}
		return writeJSONOut(stdout, explainJSON{Code: x.Code, Name: x.Name, Finding: string(x.Finding),
			Explanation: x.Explanation, Remediation: x.Remediation, Link: x.Link})
	}
	fmt.Fprintln(stdout, strings.TrimRight(reply.Text, "\n"))
	return exitOK
}

// explainJSON is `bot explain --output json`.
type explainJSON struct {
	Code        int      `json:"code"`
	Name        string   `json:"name,omitempty"`
	Finding     string   `json:"finding,omitempty"`
	Explanation string   `json:"explanation,omitempty"`
	Remediation []string `json:"remediation"`
	Link        string   `json:"link"`
}

// writeJSONOut prints v as one indented JSON document.
func writeJSONOut(w io.Writer, v any) int {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return exitFail
	}
	return exitOK
}

package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/onboard-check/onboard-check/adapters/slack"
	"github.com/onboard-check/onboard-check/adapters/teams"
	"github.com/onboard-check/onboard-check/diagnosis"
	"github.com/onboard-check/onboard-check/diagnosis/demo"
	"github.com/onboard-check/onboard-check/graph"
	"github.com/onboard-check/onboard-check/handlers"
	"github.com/onboard-check/onboard-check/store"
)

// checkBudget bounds one diagnosis from the command line (SPEC §6).
const checkBudget = 25 * time.Second

// checkFlags are the flags of `bot check`.
type checkFlags struct {
	app, since, output, lang string
	demo                     bool
}

func checkCommand(f *checkFlags) *command {
	c := newCommand("check", "bot check [--app KEY] [--since DURATION] [--output text|json|slack|teams] [--lang en|nl] [--demo] USER",
		"Diagnoses whether USER (a user principal name, email address or object id) can sign in to the onboarding\n"+
			"portals and services, and if not, why and what to do. Exit status 0 whatever the verdict, 1 when no\n"+
			"diagnosis could be made, 2 for a usage error.")
	c.StringVar(&f.app, "app", "", "narrow the diagnosis to one app: a catalog key (azure-portal, intune, graph, …) or an app id")
	c.StringVar(&f.since, "since", "", "sign-in window: hours or days, such as 72h or 7d (default 7d, at most 30d)")
	c.StringVar(&f.output, "output", "text", "text, json (one Diagnosis JSON document), slack (Block Kit) or teams (Adaptive Card)")
	c.StringVar(&f.lang, "lang", "", "reply language, en or nl (default ONBOARD_LANG, else en)")
	c.BoolVar(&f.demo, "demo", false, "use the built-in sample tenant instead of Microsoft Graph")
	return c
}

// parseCheckArgs reads flags before and after USER, as people type them.
func parseCheckArgs(args []string, stdout io.Writer) (f checkFlags, user string, help bool, err error) {
	positional, help, err := checkCommand(&f).parse(args, stdout)
	if help || err != nil {
		return f, "", help, err
	}
	if len(positional) != 1 {
		return f, "", false, errors.New("name exactly one USER")
	}
	return f, positional[0], false, nil
}

func runCheck(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	msgs, err := handlers.Messages()
	if err != nil {
		fmt.Fprintf(stderr, "bot check: %v\n", err)
		return exitFail
	}
	lang := diagnosis.NormalizeLang(getenv("ONBOARD_LANG"))
	if lang == "" {
		lang = diagnosis.FallbackLang
	}
	say := func(key string, args ...string) {
		fmt.Fprintf(stderr, "bot check: %s\n", msgs.T(lang, key, args...))
	}
	f, user, help, err := parseCheckArgs(args, stdout)
	if help {
		return exitOK
	}
	if err != nil {
		say("cli.args_bad", "problem", err.Error())
		fmt.Fprint(stderr, usageText)
		return exitUsage
	}
	if f.lang != "" {
		if diagnosis.NormalizeLang(f.lang) != f.lang {
			say("cli.lang_bad", "input", f.lang)
			return exitUsage
		}
		lang = f.lang
	}
	target, err := handlers.ParseTarget(user)
	if err != nil {
		say("cli.user_bad", "input", user)
		return exitUsage
	}
	if target.Kind != handlers.TargetUPN && target.Kind != handlers.TargetObjectID {
		say("cli.mention", "input", user)
		return exitUsage
	}
	switch f.output {
	case "text", "json", "slack", "teams":
	default:
		say("cli.output_bad", "input", f.output)
		return exitUsage
	}

	engine, err := diagnosis.NewEngine(nil)
	if err != nil {
		fmt.Fprintf(stderr, "bot check: %v\n", err)
		return exitFail
	}
	q := diagnosis.Query{User: target.Value}
	if f.app != "" {
		app, ok := engine.Apps().Lookup(f.app)
		if !ok {
			say("usage.app_unknown", "input", f.app)
			return exitUsage
		}
		q.App = f.app
		if app.Key != "" {
			q.App = app.Key
		}
	}
	if f.since != "" {
		d, err := diagnosis.ParseWindow(f.since)
		if err != nil {
			say("usage.since_bad", "input", f.since)
			return exitUsage
		}
		q.Until = engine.Now().UTC().Truncate(time.Second)
		q.Since = q.Until.Add(-d)
	}

	src, code := chooseSource(f, getenv, stdout, say, engine)
	if src == nil {
		return code
	}
	ctx, cancel := context.WithTimeout(ctx, checkBudget)
	defer cancel()
	d, _, err := engine.Run(ctx, src, q, lang)
	if err != nil {
		say(errorKey(err))
		return exitFail
	}
	switch f.output {
	case "slack":
		b, err := slack.MessageJSON(handlers.Reply{Kind: handlers.ReplyDiagnosis, Lang: lang, Diagnosis: &d}, msgs)
		if err != nil {
			return exitFail
		}
		fmt.Fprintf(stdout, "%s\n", b)
	case "teams":
		b, err := teams.CardJSON(handlers.Reply{Kind: handlers.ReplyDiagnosis, Lang: lang, Diagnosis: &d}, msgs)
		if err != nil {
			return exitFail
		}
		fmt.Fprintf(stdout, "%s\n", b)
	case "json":
		enc := json.NewEncoder(stdout)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if err := enc.Encode(d); err != nil {
			return exitFail
		}
	default:
		text, err := handlers.NewText()
		if err != nil {
			fmt.Fprintf(stderr, "bot check: %v\n", err)
			return exitFail
		}
		fmt.Fprint(stdout, text.Render(d, lang, isTerminal(stdout)))
	}
	return exitOK
}

// graphConfigured reports whether any Graph setting is present.
func graphConfigured(getenv func(string) string) bool {
	for _, k := range []string{"ONBOARD_GRAPH_URL", "ONBOARD_GRAPH_TOKEN", "AZURE_CLIENT_ID", "AZURE_TENANT_ID"} {
		if getenv(k) != "" {
			return true
		}
	}
	return false
}

// chooseSource picks the demo tenant or Microsoft Graph. A nil source
// means stop with the returned exit status; say reports why.
func chooseSource(f checkFlags, getenv func(string) string, stdout io.Writer, say func(string, ...string), engine *diagnosis.Engine) (diagnosis.Source, int) {
	useDemo := f.demo
	if !useDemo && !graphConfigured(getenv) {
		if !isTerminal(stdout) {
			say("cli.no_graph")
			return nil, exitFail
		}
		say("cli.no_graph_demo")
		useDemo = true
	}
	if useDemo {
		t, err := demo.Default(engine.Now())
		if err != nil {
			say("cli.internal", "problem", err.Error())
			return nil, exitFail
		}
		return t, exitOK
	}
	// With Redis, repeated runs share the policy cache (and the UPN to object
	// id mapping); a Redis that does not answer only makes the run cold.
	var cache graph.Cache
	if url := getenv("ONBOARD_REDIS_URL"); url != "" {
		routeRedisLog(slog.New(slog.DiscardHandler))
		rc, err := store.OpenRedis(url)
		if err != nil {
			say("cli.config", "problem", "ONBOARD_REDIS_URL: "+err.Error())
			return nil, exitUsage
		}
		cache = softCache{store.NewRedis(rc)}
	}
	src, err := newGraphSource(getenv, slog.New(slog.DiscardHandler), cache, nil)
	if err != nil {
		var ce *configError
		if errors.As(err, &ce) {
			for _, p := range ce.problems {
				say("cli.config", "problem", p)
			}
			return nil, exitFail
		}
		say(errorKey(err))
		return nil, exitFail
	}
	return src, exitOK
}

// errorKey returns the catalog key of the message for an error: one line an admin
// can act on.
func errorKey(err error) string {
	var ce *configError
	switch {
	case errors.As(err, &ce):
		return "cli.config_error"
	case errors.Is(err, context.DeadlineExceeded):
		return "cli.graph_timeout"
	}
	return graphErrorKey(err)
}

// configError is invalid configuration, one line per problem, each naming
// the setting.
type configError struct{ problems []string }

func (e *configError) Error() string { return strings.Join(e.problems, "\n") }

// softCache is a cache whose failures are misses: the CLI carries on cold
// when Redis is down.
type softCache struct{ c graph.Cache }

func (s softCache) Bytes(ctx context.Context, key string) ([]byte, bool, error) {
	b, ok, err := s.c.Bytes(ctx, key)
	if err != nil {
		return nil, false, nil
	}
	return b, ok, nil
}

func (s softCache) SetBytes(ctx context.Context, key string, b []byte, ttl time.Duration) error {
	_ = s.c.SetBytes(ctx, key, b, ttl)
	return nil
}

// Claim lets a run read for itself when Redis does not answer.
func (s softCache) Claim(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	ok, err := s.c.Claim(ctx, key, ttl)
	if err != nil {
		return true, nil
	}
	return ok, nil
}

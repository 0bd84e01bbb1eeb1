package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/onboard-check/onboard-check/diagnosis"
	"github.com/onboard-check/onboard-check/handlers"
)

func runWhatIf(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	var f cliFlags
	c := newCommand("whatif", "bot whatif [--output text|json] [--lang en|nl] [--demo] USER [app=KEY] [platform=P] [location=IP-OR-COUNTRY] [client=TYPE]",
		"Shows which Conditional Access policies a sign-in of USER would meet: app (catalog key or app id, default\n"+
			"azure-portal), platform (windows, macOS, iOS, android, linux), location (an IP address or a two-letter\n"+
			"country code) and client (browser, mobileAppsAndDesktopClients, exchangeActiveSync, other), as whatif\n"+
			"does in chat.")
	c.StringVar(&f.output, "output", "text", "text, or json (the policies as a JSON array)")
	c.StringVar(&f.lang, "lang", "", "language, en or nl (default ONBOARD_LANG, else en)")
	c.BoolVar(&f.demo, "demo", false, "use the built-in sample tenant instead of Microsoft Graph")
	pos, help, err := c.parse(args, stdout)
	if help {
		return exitOK
	}
	lang, say, code := cliSetup("whatif", f, getenv, stderr)
	if code != exitOK {
		return code
	}
	if err != nil || len(pos) == 0 {
		problem := "name a USER"
		if err != nil {
			problem = err.Error()
		}
		say("cli.args_bad", "problem", problem)
		c.usage(stderr)
		return exitUsage
	}
	target, err := handlers.ParseTarget(pos[0])
	if err != nil || (target.Kind != handlers.TargetUPN && target.Kind != handlers.TargetObjectID) {
		say("cli.user_bad", "input", pos[0])
		return exitUsage
	}
	// The same grammar as chat: every key=value is checked before any
	// Graph read.
	whatif := "whatif " + strings.Join(pos[1:], " ")
	if _, err := handlers.Parse(whatif); err != nil {
		var ue *handlers.UsageError
		if errors.As(err, &ue) {
			say(ue.Key, "input", ue.Input)
			return exitUsage
		}
		say("cli.args_bad", "problem", err.Error())
		return exitUsage
	}
	engine, err := diagnosis.NewEngine(nil)
	if err != nil {
		fmt.Fprintf(stderr, "bot whatif: %v\n", err)
		return exitFail
	}
	src, code := chooseSource(checkFlags{demo: f.demo}, getenv, stdout, func(key string, args ...string) { say(key, args...) }, engine)
	if src == nil {
		return code
	}
	ctx, cancel := context.WithTimeout(ctx, checkBudget)
	defer cancel()
	svc, err := cliService(engine, src, lang, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "bot whatif: %v\n", err)
		return exitFail
	}
	// whatif judges policies for the user a diagnosis found, as a chat
	// thread does: diagnose first, then ask in its "thread".
	req := handlers.Request{Surface: handlers.SurfaceCLI, Requester: handlers.Principal{ID: "cli"}, Lang: lang,
		Text: "onboard-check " + target.Value}
	reply, err := ask(ctx, svc, req)
	switch {
	case err != nil:
		fmt.Fprintf(stderr, "bot whatif: %v\n", err)
		return exitFail
	case reply.Kind == handlers.ReplyFailure:
		fmt.Fprintf(stderr, "bot whatif: %s\n", firstLine(reply.Text))
		return exitFail
	case reply.Diagnosis == nil || reply.DiagnosisID == "":
		fmt.Fprintf(stderr, "bot whatif: %s\n", firstLine(reply.Text))
		return exitFail
	case reply.Diagnosis.User == nil:
		// Not found: the diagnosis says so, and there is no one to judge.
		fmt.Fprint(stdout, reply.Text)
		return exitOK
	}
	req.Text, req.Diagnosis = whatif, reply.DiagnosisID
	reply, err = ask(ctx, svc, req)
	switch {
	case err != nil:
		fmt.Fprintf(stderr, "bot whatif: %v\n", err)
		return exitFail
	case reply.Kind == handlers.ReplyUsage:
		fmt.Fprintf(stderr, "bot whatif: %s\n", firstLine(reply.Text))
		return exitUsage
	case reply.Kind != handlers.ReplyWhatIf:
		fmt.Fprintf(stderr, "bot whatif: %s\n", firstLine(reply.Text))
		return exitFail
	}
	if f.output == "json" {
		out := []whatIfJSON{}
		for _, v := range reply.WhatIf {
			out = append(out, whatIfJSON{PolicyID: v.PolicyID, DisplayName: v.DisplayName, State: string(v.State),
				Match: v.Match.String(), Controls: v.Controls, Why: v.Why})
		}
		return writeJSONOut(stdout, out)
	}
	fmt.Fprintln(stdout, strings.TrimRight(reply.Text, "\n"))
	return exitOK
}

// whatIfJSON is one policy of `bot whatif --output json`.
type whatIfJSON struct {
	PolicyID    string   `json:"policyId"`
	DisplayName string   `json:"displayName"`
	State       string   `json:"state"`
	Match       string   `json:"match"` // how the sign-in meets the policy's conditions
	Controls    []string `json:"controls"`
	Why         []string `json:"why"`
}

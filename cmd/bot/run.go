package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
)

// Exit statuses.
const (
	exitOK    = 0 // a diagnosis was produced, whatever its verdict
	exitFail  = 1 // no diagnosis could be produced
	exitUsage = 2 // the command line or the configuration was wrong
)

const usageText = `usage:
  bot check [--app KEY] [--since DURATION] [--output text|json|slack|teams] [--lang en|nl] [--demo] USER
  bot whatif [--output text|json] [--lang en|nl] [--demo] USER [app=KEY] [platform=P] [location=IP-OR-COUNTRY] [client=TYPE]
  bot explain [--output text|json] [--lang en|nl] CODE
  bot audit [--since DURATION] [--requester ID] [--user UPN] [--limit N] [--output text|json]
  bot serve
  bot version

Run "bot COMMAND --help" for a command's flags. Exit status: 0 done, 1 failed, 2 usage or configuration error.
`

// run is main without the process, so tests can call it.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usageText)
		return exitUsage
	}
	switch args[0] {
	case "check":
		return runCheck(ctx, args[1:], getenv, stdout, stderr)
	case "whatif", "what-if":
		return runWhatIf(ctx, args[1:], getenv, stdout, stderr)
	case "explain":
		return runExplain(ctx, args[1:], getenv, stdout, stderr)
	case "audit":
		return runAudit(ctx, args[1:], getenv, stdout, stderr)
	case "serve":
		return runServe(ctx, args[1:], getenv, stdout, stderr)
	case "version", "--version", "-v":
		fmt.Fprintln(stdout, "onboard-check", buildVersion())
		return exitOK
	case "help", "--help", "-help", "-h":
		fmt.Fprint(stdout, usageText)
		return exitOK
	}
	fmt.Fprintf(stderr, "bot: unknown command %q\n%s", args[0], usageText)
	return exitUsage
}

// command is the flag set of one subcommand and its synopsis.
type command struct {
	*flag.FlagSet
	synopsis string // "bot check [flags] USER"
	about    string // one paragraph
}

func newCommand(name, synopsis, about string) *command {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return &command{FlagSet: fs, synopsis: synopsis, about: about}
}

// usage writes the synopsis and every flag.
func (c *command) usage(w io.Writer) {
	fmt.Fprintf(w, "usage: %s\n\n%s\n", c.synopsis, c.about)
	n := 0
	c.VisitAll(func(*flag.Flag) { n++ })
	if n > 0 {
		fmt.Fprint(w, "\nflags:\n")
		c.SetOutput(w)
		c.PrintDefaults()
		c.SetOutput(io.Discard)
	}
}

// parse reads flags before and after the positional arguments, as people
// type them. help reports --help: the usage was printed on stdout.
func (c *command) parse(args []string, stdout io.Writer) (positional []string, help bool, err error) {
	for {
		if err := c.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				c.usage(stdout)
				return nil, true, nil
			}
			return nil, false, err
		}
		args = c.Args()
		if len(args) == 0 {
			return positional, false, nil
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
}

// parseServeArgs handles serve's command line: --help, or nothing.
func parseServeArgs(args []string, stdout, stderr io.Writer) (code int, done bool) {
	c := newCommand("serve", "bot serve",
		"Serves the chat surfaces whose credentials are set, /healthz, /readyz, /privacy, /terms and, without\n"+
			"Microsoft Graph, /demo/check on ONBOARD_LISTEN; /metrics on ONBOARD_METRICS_LISTEN. It is configured by\n"+
			"environment variables (or the YAML file named by ONBOARD_CONFIG), and takes no flags or arguments.\n"+
			"It refuses to start (exit 2) when the configuration is invalid, naming each setting.")
	pos, help, err := c.parse(args, stdout)
	switch {
	case help:
		return exitOK, true
	case err != nil || len(pos) > 0:
		fmt.Fprintln(stderr, "bot serve: takes no arguments; configure it with environment variables")
		c.usage(stderr)
		return exitUsage, true
	}
	return 0, false
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

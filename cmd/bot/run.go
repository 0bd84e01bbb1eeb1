package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime/debug"
)

// Exit statuses (SPEC §4).
const (
	exitOK    = 0 // a diagnosis was produced, whatever its verdict
	exitFail  = 1 // no diagnosis could be produced
	exitUsage = 2 // the command line was wrong
)

const usageText = `usage:
  bot check [--app KEY] [--since DURATION] [--output text|json|slack|teams] [--lang en|nl] [--demo] USER
  bot serve
  bot version
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
	case "serve":
		return runServe(ctx, args[1:], getenv, stdout, stderr)
	case "version", "--version", "-v":
		fmt.Fprintln(stdout, "onboard-check", version())
		return exitOK
	case "help", "--help", "-h":
		fmt.Fprint(stdout, usageText)
		return exitOK
	}
	fmt.Fprintf(stderr, "bot: unknown command %q\n%s", args[0], usageText)
	return exitUsage
}

// version reports the module version and VCS revision the binary was built from.
func version() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "(unknown)"
	}
	v := info.Main.Version
	for _, s := range info.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			v += " " + s.Value[:12]
		}
	}
	return v
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

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/onboard-check/onboard-check/store"
)

// auditFlags are the flags of `bot audit`.
type auditFlags struct {
	since, requester, user, output string
	limit                          int
}

// auditLine is one audit entry as `bot audit --output json` prints it.
type auditLine struct {
	Time         time.Time `json:"time"`
	Surface      string    `json:"surface"`
	Requester    string    `json:"requester"`
	Conversation string    `json:"conversation,omitempty"`
	Action       string    `json:"action,omitempty"`
	Target       string    `json:"target,omitempty"`
	Verdict      string    `json:"verdict,omitempty"`
	Refusal      string    `json:"refusal,omitempty"`
	DiagnosisID  string    `json:"diagnosisId,omitempty"`
}

// auditReader is the part of the store `bot audit` reads.
type auditReader interface {
	Recent(ctx context.Context, n int) ([]store.AuditEntry, error)
}

func runAudit(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	var f auditFlags
	c := newCommand("audit", "bot audit [--since DURATION] [--requester ID] [--user UPN] [--limit N] [--output text|json]",
		"Prints the audit log, newest first: who asked what about whom, on which surface and where, when, and the\n"+
			"verdict or the reason for a refusal.\n"+
			"It reads the Redis store serve uses (ONBOARD_REDIS_URL); the memory store keeps nothing across processes.\n"+
			fmt.Sprintf("Redis keeps the most recent %d entries.", store.DefaultAuditCap))
	c.StringVar(&f.since, "since", "24h", "how far back: hours or days, such as 24h or 30d")
	c.StringVar(&f.requester, "requester", "", "only this requester: a Slack user id or a Teams AAD object id")
	c.StringVar(&f.user, "user", "", "only checks of this account, as recorded: user principal name or object id")
	c.IntVar(&f.limit, "limit", 1000, "print at most this many entries")
	c.StringVar(&f.output, "output", "text", "text (a table) or json (one JSON array)")
	pos, help, err := c.parse(args, stdout)
	if help {
		return exitOK
	}
	usage := func(problem string) int {
		fmt.Fprintf(stderr, "bot audit: %s\n", problem)
		c.usage(stderr)
		return exitUsage
	}
	switch {
	case err != nil:
		return usage(err.Error())
	case len(pos) > 0:
		return usage(fmt.Sprintf("takes no arguments, got %q", pos[0]))
	case f.output != "text" && f.output != "json":
		return usage(fmt.Sprintf("--output must be text or json, got %q", f.output))
	case f.limit < 1:
		return usage(fmt.Sprintf("--limit must be at least 1, got %d", f.limit))
	}
	since, err := parseAge(f.since)
	if err != nil {
		return usage(fmt.Sprintf("--since must be hours or days, such as 24h or 30d, got %q", f.since))
	}
	e, err := loadEnv(getenv)
	if err != nil {
		return reportConfig(stderr, "audit", err)
	}
	url := e.get("ONBOARD_REDIS_URL")
	if url == "" {
		fmt.Fprintln(stderr, "bot audit: no audit log to read: without ONBOARD_REDIS_URL, serve keeps it in memory, which no other process can read; set ONBOARD_REDIS_URL to the Redis serve uses")
		return exitFail
	}
	routeRedisLog(slog.New(slog.DiscardHandler))
	rc, err := store.OpenRedis(url)
	if err != nil {
		fmt.Fprintf(stderr, "bot audit: ONBOARD_REDIS_URL: %v\n", err)
		return exitUsage
	}
	st := store.NewRedis(rc)
	defer st.Close()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	lines, err := readAudit(ctx, st, time.Now().Add(-since), f)
	if err != nil {
		fmt.Fprintf(stderr, "bot audit: the audit log could not be read from Redis: %v\n", firstLine(err.Error()))
		return exitFail
	}
	if f.output == "json" {
		return writeJSONOut(stdout, lines)
	}
	writeAuditTable(stdout, lines)
	return exitOK
}

// readAudit returns the entries after since that match f, newest first.
func readAudit(ctx context.Context, r auditReader, since time.Time, f auditFlags) ([]auditLine, error) {
	entries, err := r.Recent(ctx, store.DefaultAuditCap)
	if err != nil {
		return nil, err
	}
	lines := []auditLine{}
	for _, e := range entries {
		if e.Time.Before(since) {
			break // newest first: the rest is older
		}
		if f.requester != "" && e.Requester != f.requester {
			continue
		}
		if f.user != "" && !strings.EqualFold(e.Target, f.user) {
			continue
		}
		lines = append(lines, auditLine{Time: e.Time.UTC(), Surface: e.Surface, Requester: e.Requester, Conversation: e.Conversation,
			Action: e.Action, Target: e.Target, Verdict: e.Verdict, Refusal: e.Refusal, DiagnosisID: e.DiagnosisID})
		if len(lines) == f.limit {
			break
		}
	}
	return lines, nil
}

func writeAuditTable(w io.Writer, lines []auditLine) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TIME\tSURFACE\tREQUESTER\tCONVERSATION\tACTION\tTARGET\tOUTCOME")
	for _, l := range lines {
		outcome := l.Verdict
		if l.Refusal != "" {
			outcome = "refused: " + l.Refusal
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", l.Time.Format(time.RFC3339), l.Surface, orDash(l.Requester),
			orDash(l.Conversation), orDash(l.Action), orDash(l.Target), orDash(outcome))
	}
	_ = tw.Flush()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// parseAge reads a Go duration or a number of days ("30d"), with no upper
// bound: the audit log may reach further back than a sign-in window.
func parseAge(s string) (time.Duration, error) {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil || days < 1 {
			return 0, errors.New("bad days")
		}
		return time.Duration(days) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, errors.New("bad duration")
	}
	return d, nil
}

// reportConfig prints configuration problems, one line each, and returns
// the usage status.
func reportConfig(stderr io.Writer, name string, err error) int {
	var ce *configError
	if errors.As(err, &ce) {
		for _, p := range ce.problems {
			fmt.Fprintf(stderr, "bot %s: %s\n", name, p)
		}
		return exitUsage
	}
	fmt.Fprintf(stderr, "bot %s: %v\n", name, err)
	return exitFail
}

package graph

import (
	"strings"
	"time"
)

// quote returns s as an OData string literal: in single quotes, with every
// apostrophe doubled, so that conor.o'brien@contoso.com cannot end the
// literal early and change the filter around it.
func quote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// odataTime formats a DateTimeOffset literal (unquoted, UTC, seconds).
func odataTime(t time.Time) string {
	return t.UTC().Truncate(time.Second).Format(time.RFC3339)
}

// signInFilter is the $filter of a sign-in log read: one user by object id,
// the window, and for the beta log only non-interactive sign-ins.
func signInFilter(userID string, since, until time.Time, nonInteractive bool) string {
	var b strings.Builder
	b.WriteString("userId eq " + quote(userID))
	if !since.IsZero() {
		b.WriteString(" and createdDateTime ge " + odataTime(since))
	}
	if !until.IsZero() {
		b.WriteString(" and createdDateTime le " + odataTime(until))
	}
	if nonInteractive {
		b.WriteString(" and signInEventTypes/any(t: t eq " + quote("nonInteractiveUser") + ")")
	}
	return b.String()
}

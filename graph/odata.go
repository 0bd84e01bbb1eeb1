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
// the window, and on the beta log the sign-in event types to read.
func signInFilter(userID string, since, until time.Time, eventTypes ...string) string {
	var b strings.Builder
	b.WriteString("userId eq " + quote(userID))
	if !since.IsZero() {
		b.WriteString(" and createdDateTime ge " + odataTime(since))
	}
	if !until.IsZero() {
		b.WriteString(" and createdDateTime le " + odataTime(until))
	}
	for i, t := range eventTypes {
		switch {
		case i == 0:
			b.WriteString(" and signInEventTypes/any(t: ")
		default:
			b.WriteString(" or ")
		}
		b.WriteString("t eq " + quote(t))
		if i == len(eventTypes)-1 {
			b.WriteString(")")
		}
	}
	return b.String()
}

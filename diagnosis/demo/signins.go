package demo

import (
	"time"

	"github.com/onboard-check/onboard-check/internal/graphjson"
)

// A tenant file's sign-ins are Graph's signIn JSON with one difference:
// createdDateTime (and an authentication step's time) is either RFC 3339 or
// "-N", N minutes before the tenant's clock. absoluteTimes rewrites those
// times to RFC 3339 so that graphjson reads the record as Graph's own.
func absoluteTimes(s *graphjson.SignIn, now time.Time) error {
	at, err := relativeTime(s.CreatedDateTime, now)
	if err != nil {
		return err
	}
	s.CreatedDateTime = at.Format(time.RFC3339Nano)
	for i := range s.AuthenticationDetails {
		d := &s.AuthenticationDetails[i]
		if d.StepDateTime == "" {
			continue
		}
		if at, err = relativeTime(d.StepDateTime, now); err != nil {
			return err
		}
		d.StepDateTime = at.Format(time.RFC3339Nano)
	}
	return nil
}

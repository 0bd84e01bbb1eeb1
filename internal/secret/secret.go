package secret

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
)

// Redacted is what a Secret shows instead of its value.
const Redacted = "<secret>"

// Secret is a string that authorises something. Its zero value is empty.
type Secret string

// Reveal returns the value, for the one call that sends it.
func (s Secret) Reveal() string { return string(s) }

// IsSet reports whether the secret holds a value.
func (s Secret) IsSet() bool { return s != "" }

// String returns Redacted for a set secret and "" for an empty one.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return Redacted
}

// GoString keeps %#v from printing the value.
func (s Secret) GoString() string { return fmt.Sprintf("secret.Secret(%q)", s.String()) }

// Format makes every verb (%v, %+v, %#v, %s, %q, %x) print the redacted form.
func (s Secret) Format(f fmt.State, verb rune) {
	switch verb {
	case 'v':
		if f.Flag('#') {
			fmt.Fprint(f, s.GoString())
			return
		}
		fmt.Fprint(f, s.String())
	case 'q':
		fmt.Fprintf(f, "%q", s.String())
	default:
		fmt.Fprint(f, s.String())
	}
}

// LogValue keeps slog from printing the value.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// MarshalJSON writes the redacted form, so a config dumped as JSON leaks nothing.
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + s.String() + `"`), nil }

// MarshalText writes the redacted form (YAML, text encoders).
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads a secret from configuration (YAML, JSON).
func (s *Secret) UnmarshalText(b []byte) error { *s = Secret(b); return nil }

// RedactError replaces the URL inside a *url.Error (what net/http returns
// for a failed request) with its scheme and host, so that neither a token in
// its query nor a path that authorises (a Slack response_url) reaches a
// log. Other errors are returned unchanged; nil stays nil.
func RedactError(err error) error {
	var ue *url.Error
	if err == nil || !errors.As(err, &ue) {
		return err
	}
	return &url.Error{Op: ue.Op, URL: RedactURL(ue.URL), Err: ue.Err}
}

// RedactURL returns the scheme and host of raw with the rest replaced by
// Redacted; a value that does not parse is redacted whole.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return Redacted
	}
	if u.Path == "" && u.RawQuery == "" && u.User == nil {
		return u.Scheme + "://" + u.Host
	}
	return u.Scheme + "://" + u.Host + "/" + Redacted
}

package secret_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/onboard-check/onboard-check/internal/secret"
)

const value = "xoxb-1234-hidden-value"

func TestSecretNeverPrints(t *testing.T) {
	s := secret.Secret(value)
	type config struct {
		Token secret.Secret
		Name  string
	}
	c := config{Token: s, Name: "bot"}
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("config", slog.Any("token", s), slog.Any("config", c))
	js, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	outputs := map[string]string{
		"%v":   fmt.Sprintf("%v", s),
		"%+v":  fmt.Sprintf("%+v", c),
		"%#v":  fmt.Sprintf("%#v", c),
		"%s":   fmt.Sprintf("%s", s),
		"%q":   fmt.Sprintf("%q", s),
		"%x":   fmt.Sprintf("%x", s),
		"json": string(js),
		"slog": logged.String(),
	}
	for name, out := range outputs {
		if strings.Contains(out, value) || strings.Contains(out, fmt.Sprintf("%x", value)) {
			t.Errorf("%s printed the secret: %s", name, out)
		}
		if !strings.Contains(out, "secret") { // JSON writes < and > as \u003c and \u003e
			t.Errorf("%s = %q, want it to show %s", name, out, secret.Redacted)
		}
	}
	if s.Reveal() != value {
		t.Errorf("Reveal() = %q, want %q", s.Reveal(), value)
	}
	if secret.Secret("").String() != "" {
		t.Errorf("empty secret prints %q, want empty", secret.Secret("").String())
	}
}

func TestUnmarshalText(t *testing.T) {
	var c struct{ Token secret.Secret }
	if err := json.Unmarshal([]byte(`{"Token":"`+value+`"}`), &c); err != nil {
		t.Fatal(err)
	}
	if c.Token.Reveal() != value {
		t.Errorf("decoded %q, want %q", c.Token.Reveal(), value)
	}
}

func TestRedactError(t *testing.T) {
	hook := "https://hooks.slack.com/commands/T0001/123/abcSECRET"
	req, err := http.NewRequest(http.MethodPost, hook, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = (&http.Client{Transport: failing{}}).Do(req)
	if !strings.Contains(err.Error(), "abcSECRET") {
		t.Fatalf("the test needs an error that holds the URL, got %v", err)
	}
	red := secret.RedactError(fmt.Errorf("post reply: %w", err))
	if strings.Contains(red.Error(), "abcSECRET") || !strings.Contains(red.Error(), "hooks.slack.com") {
		t.Errorf("RedactError = %q, want the host without the path", red)
	}
	if !errors.Is(red, errRefused) {
		t.Errorf("RedactError lost the cause: %v", red)
	}
	plain := errors.New("plain")
	if secret.RedactError(plain) != plain || secret.RedactError(nil) != nil {
		t.Error("RedactError changed an error without a URL")
	}
}

func TestRedactURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://hooks.slack.com/commands/T1/2/x": "https://hooks.slack.com/<secret>",
		"https://graph.microsoft.com":             "https://graph.microsoft.com",
		"https://a.example/?token=x":              "https://a.example/<secret>",
		"https://user:pw@a.example":               "https://a.example/<secret>",
		"not a url at all\x7f":                    secret.Redacted,
	} {
		if got := secret.RedactURL(in); got != want {
			t.Errorf("RedactURL(%q) = %q, want %q", in, got, want)
		}
	}
}

var errRefused = errors.New("connection refused")

type failing struct{}

func (failing) RoundTrip(*http.Request) (*http.Response, error) { return nil, errRefused }

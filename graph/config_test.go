package graph_test

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/onboard-check/onboard-check/graph"
)

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  graph.Config
		want string // a line that must start the error; "" for valid
	}{
		{"defaults with a token", graph.Config{Token: "t"}, ""},
		{"loopback http", graph.Config{BaseURL: "http://127.0.0.1:8081", Token: "t"}, ""},
		{"national cloud", graph.Config{BaseURL: "https://graph.microsoft.us/", Token: "t"}, ""},
		{"no credential", graph.Config{}, "ONBOARD_GRAPH_TOKEN: no Graph credential"},
		{"plain http elsewhere", graph.Config{BaseURL: "http://graph.example.com", Token: "t"}, "ONBOARD_GRAPH_URL: must use https"},
		{"version in the root", graph.Config{BaseURL: "https://graph.microsoft.com/v1.0", Token: "t"}, "ONBOARD_GRAPH_URL: must be the service root"},
		{"not a URL", graph.Config{BaseURL: "graph.microsoft.com", Token: "t"}, "ONBOARD_GRAPH_URL: must be an absolute URL"},
		{"credentials in the URL", graph.Config{BaseURL: "https://u:p@graph.microsoft.com", Token: "t"}, "ONBOARD_GRAPH_URL: must not contain user credentials"},
		{"token with a line break", graph.Config{Token: "abc\n"}, "ONBOARD_GRAPH_TOKEN: must be a single token"},
		{"negative timeout", graph.Config{Token: "t", Timeout: -time.Second}, "graph timeout:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.cfg.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("Validate() = %v, want nil", err)
			case tt.want != "" && (err == nil || !strings.HasPrefix(err.Error(), tt.want)):
				t.Errorf("Validate() = %v, want it to start with %q", err, tt.want)
			}
			if err != nil && strings.Contains(err.Error(), "u:p@") {
				t.Errorf("Validate() = %v echoes credentials", err)
			}
			if _, nerr := graph.New(tt.cfg, nil, nil); (nerr == nil) != (tt.want == "") {
				t.Errorf("New() error = %v, want error %v", nerr, tt.want != "")
			}
		})
	}
}

// The token never reaches a log line.
func TestConfigLogValueHidesToken(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	cfg := graph.Config{BaseURL: "http://127.0.0.1:9", Token: testToken}
	log.Info("config", slog.Any("graph", cfg))
	c, err := graph.New(cfg, nil, log)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = c.Snapshot(t.Context(), week("conor.o'brien@contoso.com"))
	out := buf.String()
	if !strings.Contains(out, `"auth":"static token"`) {
		t.Errorf("log %s lacks the auth kind", out)
	}
	for _, secret := range []string{testToken, "o'brien", "o%27brien", "Bearer"} {
		if strings.Contains(out, secret) {
			t.Errorf("log holds %q:\n%s", secret, out)
		}
	}
}

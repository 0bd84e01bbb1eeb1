package slack

import (
	"log/slog"
	"net/http"

	"github.com/onboard-check/onboard-check/handlers"
)

// NewWithClient is New with the HTTP client that Web API and response_url
// calls go through, so that a test can run the surface against
// slacktest.NewInProcess inside a testing/synctest bubble.
func NewWithClient(cfg Config, svc *handlers.Service, runner *handlers.Runner, logger *slog.Logger, client *http.Client) (*Server, error) {
	return newServer(cfg, svc, runner, logger, client)
}

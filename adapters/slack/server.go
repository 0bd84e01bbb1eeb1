package slack

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"time"

	slackapi "github.com/slack-go/slack"

	"github.com/onboard-check/onboard-check/handlers"
)

const (
	// maxBody bounds a request body before it is verified; Slack's are a
	// few kilobytes.
	maxBody = 256 << 10
	// apiTimeout bounds one Web API or response_url call.
	apiTimeout = 10 * time.Second
	// nowTimeout bounds a reply posted before the acknowledgement.
	nowTimeout = 2 * time.Second
	// maxRetryAfter is the longest Retry-After worth waiting for before
	// the one retry; beyond it the reply takes the fallback path at once.
	maxRetryAfter = 30 * time.Second
)

// Dedup claims keys shared by every replica (store.Store is one): the
// surface claims each request signature and slash command trigger_id, so
// that a replayed request runs once.
type Dedup interface {
	Claim(ctx context.Context, key string, ttl time.Duration) (bool, error)
}

// Deps are what the surface works with besides its configuration.
type Deps struct {
	// Service is the conversation; New registers the surface with it as
	// the Deliverer of Slack's queued jobs.
	Service *handlers.Service
	Dedup   Dedup        // replays; required
	Logger  *slog.Logger // nil: discard
	// HTTP is the client of Web API and response_url calls; nil means one
	// with a 10 s timeout. Tests pass slacktest's.
	HTTP *http.Client
}

// Server is the Slack surface: the HTTP endpoints of slash commands, the
// Events API and interactivity, and Socket Mode over the same logic. It is
// safe for concurrent use.
type Server struct {
	cfg      Config
	svc      *handlers.Service
	dedup    Dedup
	api      *slackapi.Client
	verifier *Verifier
	http     *http.Client // response_url posts
	hooks    origins      // where a response_url may lead
	log      *slog.Logger
	now      func() time.Time

	progress progressNotes // what queued jobs' progress showed, by route

	mu      sync.Mutex
	self    identity                    // the bot's own user, team and organisation, from auth.test
	checked time.Time                   // when auth.test last failed
	locales map[string]cached[string]   // user id -> reply language ("" unknown)
	groups  map[string]cached[[]string] // user group id -> member ids
}

// New returns the Slack surface for a validated cfg and registers it as
// the service's Deliverer of Slack jobs. It makes no network call: the bot learns who it is (auth.test) when Run starts, or at the
// first request, whichever comes first.
func New(cfg Config, d Deps) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if d.Service == nil || d.Dedup == nil {
		return nil, errors.New("slack: New needs a service and a store for replays")
	}
	logger := d.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	client := d.HTTP
	if client == nil {
		client = &http.Client{Timeout: apiTimeout}
	}
	opts := []slackapi.Option{slackapi.OptionAPIURL(cfg.apiURL()), slackapi.OptionHTTPClient(client)}
	if cfg.AppToken.IsSet() {
		opts = append(opts, slackapi.OptionAppLevelToken(cfg.AppToken.Reveal()))
	}
	s := &Server{
		cfg: cfg, svc: d.Service, dedup: d.Dedup,
		api:      slackapi.New(cfg.BotToken.Reveal(), opts...),
		verifier: NewVerifier(cfg.SigningSecret, nil),
		http:     client,
		hooks:    hookOrigins(cfg.APIURL),
		log:      logger.With(slog.String("component", "slack")),
		now:      time.Now,
		locales:  map[string]cached[string]{},
		groups:   map[string]cached[[]string]{},
	}
	d.Service.Register(handlers.SurfaceSlack, s)
	return s, nil
}

// Handler serves POST /slack/commands, /slack/events and /slack/interactions.
// Each request is verified before anything else is read from it.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /slack/commands", s.handleCommand)
	mux.HandleFunc("POST /slack/events", s.handleEvents)
	mux.HandleFunc("POST /slack/interactions", s.handleInteraction)
	return mux
}

// Run learns who the bot is (auth.test: its user, team and Enterprise Grid
// organisation, which bind every request to the bot's own workspace),
// retrying while Slack cannot be reached, and then serves Socket Mode when
// SLACK_APP_TOKEN is set, or waits. It returns nil when ctx ends, and an
// error when Slack rejects the bot token or the app token for good.
func (s *Server) Run(ctx context.Context) error {
	if err := s.learn(ctx); err != nil {
		return err
	}
	if s.cfg.SocketMode() {
		return s.runSocketMode(ctx)
	}
	<-ctx.Done()
	return nil
}

package teams

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/onboard-check/onboard-check/handlers"
)

// maxBody bounds an activity read before its token is validated.
const maxBody = 512 << 10

// Server is the Teams surface: POST /api/messages, and the Deliverer of
// the Teams jobs the service queues. It is safe for concurrent use.
type Server struct {
	cfg       Config
	svc       *handlers.Service
	validator *Validator
	tokens    *Tokens
	http      *http.Client
	log       *slog.Logger

	mu     sync.Mutex
	limits map[string]*rate.Limiter // per conversation
}

// New returns the Teams surface for a validated configuration and
// registers it with svc as the Deliverer of Teams jobs, which the
// service's workers (Service.Work) run. It makes no network call: keys and
// tokens are fetched when the first activity arrives.
//
// The runner is no longer used (jobs go through the service's queue) and
// may be nil; the parameter goes once serve stops passing it.
func New(cfg Config, svc *handlers.Service, _ *handlers.Runner, logger *slog.Logger) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if svc == nil {
		return nil, errors.New("teams: a service is required")
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	client := &http.Client{Timeout: 15 * time.Second}
	tokens, err := NewTokens(cfg, client, nil)
	if err != nil {
		return nil, err
	}
	validator := NewValidator(cfg.AppID, cfg.openIDURL(), client, nil)
	if u := cfg.tenantOpenIDURL(); u != "" {
		validator.WithTenant(cfg.TenantID, u)
	}
	s := &Server{cfg: cfg, svc: svc, validator: validator,
		tokens: tokens, http: client, log: logger.With(slog.String("component", "teams")), limits: map[string]*rate.Limiter{}}
	svc.Register(handlers.SurfaceTeams, s)
	return s, nil
}

// Handler serves POST /api/messages, the bot's messaging endpoint.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/messages", s.handleMessages)
	return mux
}

// handleMessages validates the request's token before it looks at the
// activity, checks who sent it, answers at once, and leaves the work and
// the reply to the runner.
func (s *Server) handleMessages(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			writeEmpty(w, http.StatusRequestEntityTooLarge)
		} else {
			writeEmpty(w, http.StatusBadRequest)
		}
		return
	}
	// The token binds the activity's serviceUrl and channel, so these two
	// fields are read before it is validated; nothing else is.
	var head struct {
		ServiceURL string `json:"serviceUrl"`
		ChannelID  string `json:"channelId"`
	}
	_ = json.Unmarshal(body, &head)
	if issuer, err := s.validator.Validate(r.Context(), r.Header.Get("Authorization"), head.ServiceURL, head.ChannelID); err != nil {
		// The issuer shows who sent it (an Entra-issued token where a Bot
		// Framework one belongs is a known misconfiguration); never the token.
		s.log.Warn("request refused", slog.Int("status", http.StatusUnauthorized), slog.String("issuer", issuer), slog.Any("err", err))
		writeEmpty(w, http.StatusUnauthorized)
		return
	}
	a, err := parseActivity(body)
	if err != nil {
		writeEmpty(w, http.StatusBadRequest)
		return
	}
	requester, tenant, refusal := s.cfg.identify(a)
	if refusal != "" {
		// A request (a message, an invoke) is audited as refused; the
		// polite text is not posted: the sender is not someone the bot
		// answers. Events (a channel renamed, a member added) need no
		// record.
		if a.Type == typeMessage || a.Type == typeInvoke {
			_ = s.svc.Refuse(r.Context(), s.request(a, a.From.AadObjectID, tenant, a.command()), refusal)
		}
		// A channel the bot does not serve learns so; a refused person
		// in Teams gets the usual empty answer, and no reply.
		if refusal == refuseChannel {
			writeEmpty(w, http.StatusForbidden)
		} else {
			writeEmpty(w, http.StatusOK)
		}
		return
	}
	switch a.Type {
	case typeMessage:
		s.message(r.Context(), a, requester, tenant)
	case typeConversationUpdate:
		if a.botAdded() {
			s.welcome(r.Context(), a, requester, tenant)
		}
	case typeInvoke:
		// As botbuilder's ActivityHandler answers an invoke it does not
		// handle: the client shows that the action is not supported.
		writeEmpty(w, http.StatusNotImplemented)
		return
	}
	// Typing, reactions, edits, installation updates: nothing to say.
	writeEmpty(w, http.StatusOK)
}

// writeEmpty answers with a status and no body: the Bot Framework reads
// nothing from the response to a message activity.
func writeEmpty(w http.ResponseWriter, status int) {
	w.WriteHeader(status)
}

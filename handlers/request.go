package handlers

import (
	"encoding/json"
	"fmt"
	"time"
)

// Surface is where a request came from.
type Surface string

// Surfaces.
const (
	SurfaceSlack Surface = "slack"
	SurfaceTeams Surface = "teams"
	SurfaceCLI   Surface = "cli"
)

// Principal is who asks, as its surface authenticated it.
type Principal struct {
	ID       string   // Slack user id, or Teams AAD object id
	Groups   []string // Slack user group ids, when the surface knows them
	TenantID string   // Teams: the requester's tenant
}

// Conversation is where a request was made and where the reply goes.
type Conversation struct {
	Team    string // Slack team id or Teams team id
	Channel string // Slack channel id, or Teams conversation id without ;messageid=
	Thread  string // the thread's root: Slack thread_ts, Teams root activity id; empty outside a thread
}

// Request is one command or follow-up, already authenticated by its surface.
type Request struct {
	Surface    Surface
	DeliveryID string // Slack event_id or Teams activity id, for dedup
	// MessageKey identifies the user's message across deliveries (Slack
	// channel and ts), so that an app_mention and a message event for the
	// same message are answered once.
	MessageKey   string
	Requester    Principal
	Conversation Conversation
	Text         string // "/onboard-check adele@contoso.com", "details", "policy CA010"
	Lang         string // the requester's locale, if the surface knows it
	// Diagnosis is the diagnosis id a pressed button carries. When set, a
	// follow-up is about that diagnosis rather than the thread's latest,
	// and works even where the thread was never remembered.
	Diagnosis string
}

// Job is prepared work: what Run (or a worker, after Enqueue) will do. It
// survives JSON, so that a job accepted by one replica can run on another.
// The zero Job does nothing.
type Job struct {
	req    Request
	cmd    Command
	lang   string
	record string // the thread's diagnosis id, for follow-ups
	// asked is when a queued check was accepted (the engine's clock): its
	// window ends then, however long it waited for a worker.
	asked time.Time
}

// Empty reports whether the job has nothing to run.
func (j Job) Empty() bool { return j.cmd.Kind == "" }

// jobJSON is how a Job is queued.
type jobJSON struct {
	Request Request `json:"request"`
	Command Command `json:"command"`
	Lang    string  `json:"lang"`
	Record  string  `json:"record,omitempty"`
}

// MarshalJSON encodes the job for a queue.
func (j Job) MarshalJSON() ([]byte, error) {
	return json.Marshal(jobJSON{Request: j.req, Command: j.cmd, Lang: j.lang, Record: j.record})
}

// UnmarshalJSON decodes a queued job.
func (j *Job) UnmarshalJSON(b []byte) error {
	var in jobJSON
	if err := json.Unmarshal(b, &in); err != nil {
		return fmt.Errorf("decode job: %w", err)
	}
	*j = Job{req: in.Request, cmd: in.Command, lang: in.Lang, record: in.Record}
	return nil
}

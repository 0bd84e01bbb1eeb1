package slack

import (
	"context"
	"crypto/sha256"
	"fmt"
	"sync"

	slackapi "github.com/slack-go/slack"

	"github.com/onboard-check/onboard-check/handlers"
)

// While a check waits for Graph's budget, its acknowledgement shows its
// place in line ("12 checks ahead of yours, about 25 s"), updated in place,
// and the diagnosis then takes its place:
//   - a slash command's ephemeral acknowledgement is replaced through the
//     response_url (replace_original); a private diagnosis replaces it in
//     turn, and a diagnosis posted in the channel removes it;
//   - a mention in a channel gets a note in its thread, updated with
//     chat.update and replaced by the diagnosis;
//   - a private request without a response_url is told once.
//
// The worker that runs a job reports its progress and delivers its reply,
// so what was shown lives in this process, by route, until Deliver.

// shown is what a job's progress put in Slack.
type shown struct {
	ts        string // a posted progress message, to update and replace
	ephemeral bool   // the requester saw a private progress note
}

// progressNotes remembers the progress shown per route.
type progressNotes struct {
	mu sync.Mutex
	m  map[[32]byte]shown
}

func (p *progressNotes) get(rt []byte) (shown, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	v, ok := p.m[sha256.Sum256(rt)]
	return v, ok
}

func (p *progressNotes) set(rt []byte, v shown) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.m == nil {
		p.m = map[[32]byte]shown{}
	}
	if len(p.m) >= maxCached {
		clear(p.m)
	}
	p.m[sha256.Sum256(rt)] = v
}

// take returns and forgets what a route's progress showed.
func (p *progressNotes) take(rt []byte) shown {
	p.mu.Lock()
	defer p.mu.Unlock()
	k := sha256.Sum256(rt)
	v := p.m[k]
	delete(p.m, k)
	return v
}

// Progress updates a queued job's acknowledgement with its place in line
// (handlers.Deliverer; reply.Kind is handlers.ReplyProgress).
func (s *Server) Progress(ctx context.Context, rt []byte, reply handlers.Reply) error {
	to, err := s.targetOf(rt)
	if err != nil {
		return err
	}
	m := Render(reply, s.svc.Messages())
	prev, _ := s.progress.get(rt)
	switch {
	case to.ephemeralAck && to.responseURL.IsSet():
		if err := s.respond(ctx, to.responseURL, m, false, true); err != nil {
			return err
		}
		s.progress.set(rt, shown{ephemeral: true})
	case !to.private && to.channel != "":
		if prev.ts != "" {
			return s.update(ctx, to, prev.ts, m)
		}
		ts, err := s.postMessage(ctx, to, m)
		if err != nil {
			return err
		}
		s.progress.set(rt, shown{ts: ts})
	case prev.ephemeral:
		return nil // told once; an ephemeral message cannot be updated
	case to.user != "" && to.channel != "":
		if _, err := s.postEphemeral(ctx, to, m); err != nil {
			return err
		}
		s.progress.set(rt, shown{ephemeral: true})
	}
	return nil
}

// update replaces a message the bot posted (chat.update).
func (s *Server) update(ctx context.Context, to target, ts string, m Message) error {
	_, _, _, err := s.api.UpdateMessageContext(ctx, to.channel, ts,
		slackapi.MsgOptionText(m.Text, false), slackapi.MsgOptionBlocks(m.Blocks.BlockSet...))
	if err != nil {
		return fmt.Errorf("chat.update: %w", redact(err))
	}
	return nil
}

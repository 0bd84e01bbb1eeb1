package handlers

import (
	"context"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/onboard-check/onboard-check/diagnosis"
)

// progress passes a job's waits on to its surface from one goroutine, the
// latest first, spaced by progressEvery; wait stops it before the reply is
// delivered, so that no update overwrites the answer.
type progress struct {
	latest chan diagnosis.Progress
	done   chan struct{}
	wg     sync.WaitGroup
}

func (s *Service) reportProgress(ctx context.Context, d Deliverer, item queued) *progress {
	p := &progress{latest: make(chan diagnosis.Progress, 1), done: make(chan struct{})}
	p.wg.Go(func() {
		var last time.Time
		lastAhead := -1
		for {
			select {
			case <-p.done:
				return
			case pr := <-p.latest:
				if pr.Ahead == lastAhead && time.Since(last) < progressEvery {
					continue
				}
				last, lastAhead = time.Now(), pr.Ahead
				r := s.progressReply(item.Job.lang, pr)
				pctx, cancel := context.WithTimeout(ctx, deliverTimeout)
				if err := d.Progress(pctx, item.Route, r); err != nil {
					s.log.Warn("progress not shown", slog.String("surface", string(item.Job.req.Surface)), slog.Any("err", err))
				}
				cancel()
			}
		}
	})
	return p
}

// report is the diagnosis.WithProgress callback: it never blocks, and
// keeps only the newest wait worth telling.
func (p *progress) report(pr diagnosis.Progress) {
	if pr.Wait < progressAfter {
		return
	}
	for {
		select {
		case p.latest <- pr:
			return
		default:
		}
		select {
		case <-p.latest:
		default:
		}
	}
}

func (p *progress) wait() {
	close(p.done)
	p.wg.Wait()
}

// progressReply is the acknowledgement updated with the job's place in line.
func (s *Service) progressReply(lang string, p diagnosis.Progress) Reply {
	secs := strconv.Itoa(int((p.Wait + time.Second - 1) / time.Second))
	var r Reply
	switch p.Ahead {
	case 0:
		r = s.reply(ReplyProgress, lang, "progress.next", "seconds", secs)
	case 1:
		r = s.reply(ReplyProgress, lang, "progress.ahead_one", "seconds", secs)
	default:
		r = s.reply(ReplyProgress, lang, "progress.ahead", "ahead", strconv.Itoa(p.Ahead), "seconds", secs)
	}
	r.Ephemeral = true
	r.Progress = &p
	return r
}

package handlers

import (
	"time"

	"github.com/onboard-check/onboard-check/diagnosis"
)

// Observer is told what the service does, for metrics. Its methods must
// be safe for concurrent use and return quickly.
type Observer interface {
	// CommandDone: a diagnosis finished with verdict after elapsed.
	CommandDone(surface Surface, verdict diagnosis.Verdict, elapsed time.Duration)
	// JobQueued: the queue holds depth jobs now, waiting and running, on
	// every replica sharing it (told after each Enqueue and each finished
	// job).
	JobQueued(depth int)
	// JobStarted: a worker took a job that waited wait since Enqueue.
	JobStarted(wait time.Duration)
	// JobDone: a job ended with result: "answered", "failed" (a failure
	// reply was delivered), "restarted" (told to ask again at shutdown),
	// "requeued" (cut off at shutdown, left for another process),
	// "duplicate" (another process had answered it before it died),
	// "undelivered" (the surface could not post).
	JobDone(result string)
}

// observer returns Config.Observer, or one that does nothing.
func (s *Service) observer() Observer {
	if s.cfg.Observer != nil {
		return s.cfg.Observer
	}
	return noObserver{}
}

type noObserver struct{}

func (noObserver) CommandDone(Surface, diagnosis.Verdict, time.Duration) {}
func (noObserver) JobQueued(int)                                         {}
func (noObserver) JobStarted(time.Duration)                              {}
func (noObserver) JobDone(string)                                        {}

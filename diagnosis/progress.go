package diagnosis

import (
	"context"
	"time"
)

// Progress is where a diagnosis stands while its Source waits for a share
// of Microsoft Graph's throttling budget.
type Progress struct {
	Ahead int           // requests ahead of this one in the tenant's line
	Wait  time.Duration // the estimated wait before this one's read
}

type progressKey struct{}

// WithProgress returns a context whose Source reports waits to report.
// report must be safe for concurrent use and return quickly.
func WithProgress(ctx context.Context, report func(Progress)) context.Context {
	return context.WithValue(ctx, progressKey{}, report)
}

// ReportProgress tells whoever waits on ctx where the diagnosis stands. It
// does nothing when no one listens.
func ReportProgress(ctx context.Context, p Progress) {
	if report, ok := ctx.Value(progressKey{}).(func(Progress)); ok && report != nil {
		report(p)
	}
}

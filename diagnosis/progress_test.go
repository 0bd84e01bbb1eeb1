package diagnosis_test

import (
	"context"
	"testing"
	"time"

	"github.com/onboard-check/onboard-check/diagnosis"
)

func TestReportProgress(t *testing.T) {
	diagnosis.ReportProgress(context.Background(), diagnosis.Progress{Ahead: 1}) // no listener: nothing happens
	var got []diagnosis.Progress
	ctx := diagnosis.WithProgress(t.Context(), func(p diagnosis.Progress) { got = append(got, p) })
	diagnosis.ReportProgress(ctx, diagnosis.Progress{Ahead: 12, Wait: 25 * time.Second})
	if len(got) != 1 || got[0].Ahead != 12 || got[0].Wait != 25*time.Second {
		t.Errorf("reported %v, want one report of 12 ahead, 25s", got)
	}
}

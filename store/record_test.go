package store_test

import (
	"reflect"
	"testing"

	"github.com/onboard-check/onboard-check/store/storetest"
)

// TestSampleRecordSetsEveryField keeps the suite's round trip honest: the
// store maps Query and Snapshot field by field and shadows the warnings of
// both, so a field added to any of them must appear in SampleRecord, and
// then in the store's JSON, or the round trip in storetest fails.
func TestSampleRecordSetsEveryField(t *testing.T) {
	t.Parallel()
	r := storetest.SampleRecord("d-1", 1)
	for _, v := range []any{r, r.Query, r.Snapshot, r.Diagnosis, r.Snapshot.Warnings[0], r.Diagnosis.Warnings[0]} {
		rv := reflect.ValueOf(v)
		for i := range rv.NumField() {
			if f := rv.Type().Field(i); f.IsExported() && rv.Field(i).IsZero() {
				t.Errorf("SampleRecord leaves %s.%s unset", rv.Type(), f.Name)
			}
		}
	}
}

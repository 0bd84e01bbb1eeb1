package diagnosis_test

import (
	"context"
	"fmt"
	"time"

	"github.com/onboard-check/onboard-check/diagnosis"
	"github.com/onboard-check/onboard-check/diagnosis/demo"
)

// The engine over the built-in sample tenant: adele is blocked by a
// location policy on the admin portals.
func ExampleEngine_Run() {
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	tenant, err := demo.Default(now)
	if err != nil {
		panic(err)
	}
	engine, err := diagnosis.NewEngine(func() time.Time { return now })
	if err != nil {
		panic(err)
	}
	d, _, err := engine.Run(context.Background(), tenant, diagnosis.Query{User: "adele@contoso.com"}, "en")
	if err != nil {
		panic(err)
	}
	f := d.Findings[0]
	fmt.Println(d.Verdict)
	fmt.Println(f.Code, f.Policies[0].DisplayName)
	// Output:
	// blocked
	// ca_block CA015 Block admin portals outside HQ network
}

package diagnosis_test

import (
	"fmt"
	"testing"

	"github.com/onboard-check/onboard-check/diagnosis"
)

// benchSnapshot builds adele's snapshot with n sign-ins and m policies of
// varied shapes: a tenant far larger than most.
func benchSnapshot(n, m int) diagnosis.Snapshot {
	var policies []diagnosis.Policy
	for i := range m {
		policies = append(policies, policy(func(p *diagnosis.Policy) {
			p.ID, p.DisplayName = fmt.Sprintf("pol-%04d", i), fmt.Sprintf("CA%04d", i)
			switch i % 5 {
			case 0:
				p.Conditions.Locations = &diagnosis.LocationConditions{Include: []string{"All"}, Exclude: []string{"AllTrusted"}}
			case 1:
				p.Grant.BuiltInControls = []string{"mfa"}
				p.Conditions.Users = diagnosis.UserConditions{IncludeRoles: []string{gaRole}}
			case 2:
				p.Grant.BuiltInControls = []string{"compliantDevice"}
				p.Conditions.Users = diagnosis.UserConditions{IncludeGroups: []string{fmt.Sprintf("grp-%d", i)}}
			case 3:
				p.Conditions.ClientAppTypes = []string{"exchangeActiveSync", "other"}
			case 4:
				p.State = diagnosis.PolicyReportOnly
				p.Conditions.Platforms = &diagnosis.PlatformConditions{Include: []string{"iOS", "android"}}
			}
		}))
	}
	var signIns []diagnosis.SignIn
	for i := range n {
		code := 0
		var applied []diagnosis.AppliedPolicy
		switch i % 10 {
		case 0:
			code = 53003
			applied = append(applied, failed(fmt.Sprintf("pol-%04d", (i/10)%m), "Block"))
		case 1:
			code = 50126
		case 2:
			code = 50076
		case 3:
			code = 9000000 + i%7
		}
		signIns = append(signIns, signIn(fmt.Sprintf("s%06d", i), 1+i%(60*24*6), code, applied...))
	}
	return snapshot(signIns, policies...)
}

func BenchmarkDiagnose(b *testing.B) {
	e := newEngine(b)
	q := diagnosis.Query{User: "adele@contoso.com"}
	for _, size := range []struct{ signIns, policies int }{{1000, 200}, {10000, 2000}} {
		snap := benchSnapshot(size.signIns, size.policies)
		b.Run(fmt.Sprintf("signins=%d/policies=%d", size.signIns, size.policies), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				e.Diagnose(snap, q, "en")
			}
		})
	}
}

func BenchmarkEvaluate(b *testing.B) {
	apps, err := diagnosis.LoadCatalog()
	if err != nil {
		b.Fatal(err)
	}
	ev := diagnosis.NewEvaluator(apps, testLocations())
	p := policy(func(p *diagnosis.Policy) {
		p.Conditions.Locations = &diagnosis.LocationConditions{Include: []string{"All"}, Exclude: []string{"AllTrusted"}}
	})
	r := baseRequest()
	r.IP = "198.51.100.8"
	b.ReportAllocs()
	for b.Loop() {
		ev.Evaluate(p, r)
	}
}

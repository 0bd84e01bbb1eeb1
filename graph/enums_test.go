package graph

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
)

// TestUnknownEnumsStayVerbatim runs a documented policy body whose grant
// control (riskRemediation), platform and client app type the SDK's v1.0
// model does not know. The SDK reads them as its enums' first members
// (block, android, all); our decoder keeps each value as Graph sent it.
func TestUnknownEnumsStayVerbatim(t *testing.T) {
	t.Parallel()
	body := readTestdata(t, "policies_unknown_enums.json")

	// The coercion this decoder exists to avoid, shown on the SDK itself.
	v, err := decode(body, models.CreateConditionalAccessPolicyCollectionResponseFromDiscriminatorValue)
	if err != nil {
		t.Fatal(err)
	}
	sdk := v.(models.ConditionalAccessPolicyCollectionResponseable).GetValue()[0]
	var sdkControls []string
	for _, c := range sdk.GetGrantControls().GetBuiltInControls() {
		sdkControls = append(sdkControls, c.String())
	}
	t.Logf("msgraph-sdk-go reads builtInControls as %v", sdkControls)

	got, _, err := decodePolicies(body)
	if err != nil || len(got) != 1 {
		t.Fatalf("decodePolicies = %d policies, %v; want 1, nil", len(got), err)
	}
	p := got[0]
	if d := cmp.Diff([]string{"mfa", "riskRemediation"}, p.Grant.BuiltInControls); d != "" {
		t.Errorf("builtInControls (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{"iOS", "windowsPhone", "linux", "futurePlatform"}, p.Conditions.Platforms.Exclude); d != "" {
		t.Errorf("excludePlatforms (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{"mobileAppsAndDesktopClients", "exchangeActiveSync", "other", "futureClientType"}, p.Conditions.ClientAppTypes); d != "" {
		t.Errorf("clientAppTypes (-want +got):\n%s", d)
	}
	for _, c := range p.Grant.BuiltInControls {
		if c == "block" {
			t.Errorf("an unknown grant control was read as block: %v", p.Grant.BuiltInControls)
		}
	}
}

func TestFlagNames(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		raw  string
		want []string
	}{
		{"names", `"application,users"`, []string{"application", "users"}},
		{"number", `3`, []string{"application", "users"}},
		{"numeric string", `"136"`, []string{"location", "time"}},
		{"none", `"none"`, nil},
		{"zero", `0`, nil},
		{"null", `null`, nil},
		{"unknown name kept", `"application,somethingNew"`, []string{"application", "somethingNew"}},
		{"insider risk", `65536`, []string{"insiderRisk"}},
		{"bit beyond the known members", `131072`, []string{"bit:17"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := flagNames([]byte(tt.raw), conditionNames)
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("flagNames(%s) (-want +got):\n%s", tt.raw, d)
			}
		})
	}
}

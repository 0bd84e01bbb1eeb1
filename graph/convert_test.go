package graph

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/onboard-check/onboard-check/diagnosis"
)

func readTestdata(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// The conversions run recorded Graph JSON through the same decoders a live
// answer travels through.
func TestConvert(t *testing.T) {
	t.Parallel()
	equate := cmpopts.EquateEmpty()
	tests := []struct {
		name   string
		file   string
		decode func([]byte) (any, string, error)
		want   any
		next   string
	}{
		{
			name: "sign-ins, interactive and non-interactive",
			file: "signins.json",
			decode: func(b []byte) (any, string, error) {
				v, next, err := decodeSignIns(b)
				return v, next, err
			},
			next: "https://graph.microsoft.com/beta/auditLogs/signIns?$top=2&$skiptoken=abc",
			want: []diagnosis.SignIn{{
				ID: "66ea54eb-6301-4ee5-be62-ff5a759b0100", CreatedDateTime: time.Date(2025, 10, 1, 9, 15, 42, 0, time.UTC),
				UserID: "c531bb2b-fdf4-5cf5-b9fa-9ceb1537157c", UserPrincipalName: "adele@contoso.com", UserDisplayName: "Adele Vance",
				AppID: "c44b4083-3bb0-49c1-b47d-974e53cbdf3c", AppDisplayName: "Azure Portal",
				ResourceID: "797f4846-ba00-4fd7-ba43-dac1f8f63013", ResourceDisplayName: "Windows Azure Service Management API",
				IPAddress: "198.51.100.8", ClientAppUsed: "Browser", CorrelationID: "8d1fdcc7-2692-5e85-af1c-f11d905fe5f7",
				ConditionalAccessStatus: "failure", Interactive: true, EventTypes: []string{"interactiveUser"},
				ErrorCode: 53003, FailureReason: "Access has been blocked by Conditional Access policies.",
				AdditionalDetails: "The policy does not allow token issuance.",
				Device: diagnosis.Device{DeviceID: "d1f0", DisplayName: "ADELE-LAPTOP", OperatingSystem: "Windows10", Browser: "Edge 131.0.0",
					IsCompliant: true, IsManaged: true, TrustType: "Hybrid Azure AD joined"},
				Location:   diagnosis.Location{City: "Utrecht", State: "Utrecht", CountryOrRegion: "NL"},
				RiskDetail: "none", RiskLevelAggregated: "low", RiskLevelDuringSignIn: "medium", RiskState: "atRisk",
				RiskEventTypes: []string{"unfamiliarFeatures", "anonymizedIPAddress"},
				AppliedPolicies: []diagnosis.AppliedPolicy{
					{ID: "fd23c2b4-4dc5-529d-ab6a-36049f8e2f93", DisplayName: "CA015 Block portals outside HQ network", EnforcedGrantControls: []string{"Block"}, Result: "failure"},
					{ID: "ac342c94-30e5-5fdf-a408-f5ac1431d77e", DisplayName: "CA020 Require compliant device (report-only)",
						EnforcedGrantControls: []string{"RequireCompliantDevice"}, EnforcedSessionControls: []string{"SignInFrequency"}, Result: "reportOnlyFailure"},
					{ID: "0e99a711-1455-5e6b-b6d3-0a0b21de0993", DisplayName: "CA001", Result: "reportOnlyInterrupted"},
					{ID: "cc5dd92c-a88e-5e0c-931d-a0cbbe5524bb", DisplayName: "CA900", Result: "notEnabled"},
				},
			}, {
				ID: "66ea54eb-6301-4ee5-be62-ff5a759b0200", CreatedDateTime: time.Date(2025, 10, 1, 9, 10, 0, 0, time.UTC),
				UserID: "c531bb2b-fdf4-5cf5-b9fa-9ceb1537157c", UserPrincipalName: "adele@contoso.com", UserDisplayName: "Adele Vance",
				AppID: "1950a258-227b-4e31-a9cf-717495945fc2", AppDisplayName: "Microsoft Azure PowerShell",
				IPAddress: "2001:db8::1", ClientAppUsed: "Mobile Apps and Desktop clients", CorrelationID: "5f4e",
				ConditionalAccessStatus: "notApplied", EventTypes: []string{"nonInteractiveUser"}, FailureReason: "Other.",
				RiskDetail: "none", RiskLevelAggregated: "none", RiskLevelDuringSignIn: "none", RiskState: "none",
			}},
		},
		{
			name: "policies",
			file: "policies.json",
			decode: func(b []byte) (any, string, error) {
				v, next, err := decodePolicies(b)
				return v, next, err
			},
			want: []diagnosis.Policy{{
				ID: "8f48c57a-5d26-56f5-89ea-2cfdd8b2a65d", DisplayName: "CA030 Guests: MFA and terms of use, every time",
				State: diagnosis.PolicyReportOnly,
				Conditions: diagnosis.Conditions{
					Users: diagnosis.UserConditions{
						IncludeUsers: []string{"GuestsOrExternalUsers"}, ExcludeUsers: []string{"fabdd1e5-1d08-530f-b94a-d7ee866e5346"},
						IncludeGroups: []string{"f2ba3075-721a-5a70-9be5-6826b3cbc17d"}, ExcludeGroups: []string{"f7da9d85-1701-5559-97a3-fb6dc748a4fc"},
						IncludeRoles: []string{"62e90394-69f5-4237-9190-012177145e10"},
						IncludeGuests: &diagnosis.GuestCondition{Types: []string{"b2bCollaborationGuest", "b2bCollaborationMember"},
							TenantIDs: []string{"9a2f2b4e-0000-0000-0000-fabrikam0001"}},
						ExcludeGuests: &diagnosis.GuestCondition{Types: []string{"serviceProvider"}, AllTenants: true},
					},
					Applications: diagnosis.AppConditions{
						IncludeApplications: []string{"MicrosoftAdminPortals", "797f4846-ba00-4fd7-ba43-dac1f8f63013"},
						ExcludeApplications: []string{"00000003-0000-0000-c000-000000000000"},
						IncludeAuthContexts: []string{"c1"},
					},
					ClientAppTypes: []string{"browser", "mobileAppsAndDesktopClients"},
					Platforms:      &diagnosis.PlatformConditions{Include: []string{"android", "iOS"}, Exclude: []string{"macOS"}},
					Locations:      &diagnosis.LocationConditions{Include: []string{"All"}, Exclude: []string{"AllTrusted", "d42b911f-5193-5826-87b6-dda972652996"}},
					Devices:        &diagnosis.DeviceConditions{FilterMode: "exclude", FilterRule: "device.isCompliant -eq True"},
					UserRisk:       []string{"high"},
					SignInRisk:     []string{"medium", "high"},
					ClientApps:     &diagnosis.ClientAppsConditions{IncludeServicePrincipals: []string{"ServicePrincipalsInMyTenant"}},
				},
				Grant: &diagnosis.GrantControls{Operator: "AND", BuiltInControls: []string{"mfa", "compliantDevice"},
					TermsOfUse: []string{"a0b1c2d3-0000-0000-0000-000000000001"},
					AuthenticationStrength: &diagnosis.AuthenticationStrength{ID: "00000000-0000-0000-0000-000000000004", DisplayName: "Phishing-resistant MFA",
						AllowedCombinations: []string{"fido2"}}},
				Session: &diagnosis.SessionControls{
					SignInFrequency:       &diagnosis.SignInFrequency{IsEnabled: true, Interval: "everyTime"},
					PersistentBrowserMode: "never", ApplicationEnforcedRestrictions: true, CloudAppSecurity: true, DisableResilienceDefaults: true,
				},
				CreatedDateTime: new(time.Date(2024, 6, 1, 10, 0, 0, 0, time.UTC)),
			}, {
				ID: "5bb15087-d4de-5ce5-95f1-4d3a175b16de", DisplayName: "CA040 Sign-in frequency 4 hours", State: diagnosis.PolicyEnabled,
				Conditions: diagnosis.Conditions{
					Users:          diagnosis.UserConditions{IncludeUsers: []string{"All"}},
					Applications:   diagnosis.AppConditions{IncludeApplications: []string{"All"}},
					ClientAppTypes: []string{"all"},
				},
				Session: &diagnosis.SessionControls{SignInFrequency: &diagnosis.SignInFrequency{IsEnabled: true, Interval: "timeBased", Type: "hours", Value: 4}},
			}, {
				ID: "cc5dd92c-a88e-5e0c-931d-a0cbbe5524bb", DisplayName: "CA900 Disabled block", State: diagnosis.PolicyDisabled,
				Conditions: diagnosis.Conditions{
					Users:        diagnosis.UserConditions{IncludeUsers: []string{"All"}},
					Applications: diagnosis.AppConditions{IncludeApplications: []string{"All"}},
				},
				Grant: &diagnosis.GrantControls{Operator: "OR", BuiltInControls: []string{"block"}},
			}},
		},
		{
			name: "named locations, IP v4 and v6 and countries; other kinds skipped",
			file: "named_locations.json",
			decode: func(b []byte) (any, string, error) {
				v, next, err := decodeLocations(b)
				return v, next, err
			},
			want: []diagnosis.NamedLocation{
				{ID: "d42b911f-5193-5826-87b6-dda972652996", DisplayName: "Amsterdam HQ", Kind: "ip", IsTrusted: true,
					IPRanges: []string{"203.0.113.0/24", "2001:db8:1234::/48"}},
				{ID: "3e843e66-cc41-546c-a7e8-e9f80b3fbf1f", DisplayName: "Allowed countries", Kind: "country",
					Countries: []string{"NL", "BE", "DE"}, IncludeUnknownCountries: true},
			},
		},
		{
			name: "transitive memberships: groups and roles, administrative units skipped",
			file: "memberships.json",
			decode: func(b []byte) (any, string, error) {
				g, r, next, err := decodeMemberships(b)
				return [2]any{g, r}, next, err
			},
			next: "https://graph.microsoft.com/v1.0/users/c531bb2b-fdf4-5cf5-b9fa-9ceb1537157c/transitiveMemberOf?$top=3&$skiptoken=X",
			want: [2]any{
				[]diagnosis.Group{{ID: "f2ba3075-721a-5a70-9be5-6826b3cbc17d", DisplayName: "IT Admins"}},
				[]diagnosis.Role{{ID: "adecbce9-9d71-5690-8f33-f4ebbbd6b414", DisplayName: "Global Administrator", RoleTemplateID: "62e90394-69f5-4237-9190-012177145e10"}},
			},
		},
		{
			name: "guest user",
			file: "user_guest.json",
			decode: func(b []byte) (any, string, error) {
				u, err := decodeUser(b)
				return u, "", err
			},
			want: diagnosis.User{ID: "7b5d0000-0000-0000-0000-00000000ee01", UserPrincipalName: "patti_fabrikam.com#EXT#@contoso.onmicrosoft.com",
				DisplayName: "Patti Fernandez (Fabrikam)", Mail: "patti@fabrikam.com", AccountEnabled: false, UserType: "Guest", ExternalUserState: "Accepted"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, next, err := tt.decode(readTestdata(t, tt.file))
			if err != nil {
				t.Fatalf("decode %s: %v", tt.file, err)
			}
			if d := cmp.Diff(tt.want, got, equate); d != "" {
				t.Errorf("decode %s (-want +got):\n%s", tt.file, d)
			}
			if next != tt.next {
				t.Errorf("decode %s: nextLink = %q, want %q", tt.file, next, tt.next)
			}
		})
	}
}

func TestDecodeRejectsNonGraphJSON(t *testing.T) {
	t.Parallel()
	for _, body := range []string{"", "not json", "[1,2]", "null"} {
		if _, _, err := decodeSignIns([]byte(body)); err == nil {
			t.Errorf("decodeSignIns(%q) = nil error, want one", body)
		}
	}
}

// FuzzToSignIn feeds arbitrary JSON through the SDK deserializer into
// domain sign-ins: it may fail, never panic. Seeds: testdata/fuzz/FuzzToSignIn.
func FuzzToSignIn(f *testing.F) {
	f.Add(readTestdata(f, "signins.json"))
	f.Add([]byte(`{"value":[{"status":{"errorCode":"x"},"createdDateTime":"yesterday"}]}`))
	f.Add([]byte(`{"value":[null,{"appliedConditionalAccessPolicies":[null,{"result":"somethingNew"}]}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		signIns, _, err := decodeSignIns(body)
		if err != nil {
			return
		}
		for _, s := range signIns {
			_ = s.Failed()
		}
		if _, _, err := decodePolicies(body); err == nil {
			_, _, _ = decodeLocations(body)
		}
	})
}

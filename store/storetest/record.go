package storetest

import (
	"fmt"
	"time"

	"github.com/onboard-check/onboard-check/diagnosis"
	"github.com/onboard-check/onboard-check/store"
)

// SampleRecord returns a record with every field of Record, its Query,
// Snapshot and Diagnosis set, and signIns sign-ins in the snapshot (at least
// one is always there). Equal arguments give equal records, and no two calls
// share memory, so a test can build the value it expects back.
func SampleRecord(id string, signIns int) store.Record {
	signIns = max(signIns, 1)
	until := time.Date(2025, 3, 14, 9, 30, 0, 0, time.UTC)
	since := until.Add(-7 * 24 * time.Hour)
	user := &diagnosis.User{
		ID:                "6e7b768e-07e2-4810-8459-485f84f8f204",
		UserPrincipalName: "conor.o'brien_fabrikam.com#EXT#@contoso.onmicrosoft.com",
		DisplayName:       "Conor O'Brien",
		Mail:              "conor.o'brien@fabrikam.com",
		AccountEnabled:    true,
		UserType:          "Guest",
		ExternalUserState: "Accepted",
	}
	policy := diagnosis.Policy{
		ID:          "4a1d5b8c-0000-4000-8000-00000000ca10",
		DisplayName: "CA010: Require compliant device for admin portals",
		State:       diagnosis.PolicyEnabled,
		Conditions: diagnosis.Conditions{
			Users: diagnosis.UserConditions{
				IncludeUsers:  []string{"All"},
				ExcludeUsers:  []string{"b0c5e3a1-0000-4000-8000-000000000001"},
				IncludeGroups: []string{"0f9e4c2d-0000-4000-8000-000000000002"},
				ExcludeGroups: []string{"0f9e4c2d-0000-4000-8000-000000000003"},
				IncludeRoles:  []string{"62e90394-69f5-4237-9190-012177145e10"},
				ExcludeRoles:  []string{"d29b2b05-8046-44ba-8758-1e26182fcf32"},
				IncludeGuests: &diagnosis.GuestCondition{Types: []string{"b2bCollaborationGuest"}, AllTenants: true},
				ExcludeGuests: &diagnosis.GuestCondition{Types: []string{"serviceProvider"}, TenantIDs: []string{"72f988bf-86f1-41af-91ab-2d7cd011db47"}},
			},
			Applications: diagnosis.AppConditions{
				IncludeApplications: []string{"MicrosoftAdminPortals"},
				ExcludeApplications: []string{"00000003-0000-0000-c000-000000000000"},
				IncludeUserActions:  []string{"urn:user:registersecurityinfo"},
				IncludeAuthContexts: []string{"c1"},
			},
			ClientAppTypes: []string{"browser", "mobileAppsAndDesktopClients"},
			Platforms:      &diagnosis.PlatformConditions{Include: []string{"all"}, Exclude: []string{"iOS"}},
			Locations:      &diagnosis.LocationConditions{Include: []string{"All"}, Exclude: []string{"AllTrusted"}},
			Devices:        &diagnosis.DeviceConditions{FilterMode: "exclude", FilterRule: `device.trustType -eq "ServerAD"`},
			UserRisk:       []string{"high"},
			SignInRisk:     []string{"medium", "high"},
			ClientApps:     &diagnosis.ClientAppsConditions{IncludeServicePrincipals: []string{"ServicePrincipalsInMyTenant"}, ExcludeServicePrincipals: []string{"x"}},
		},
		Grant: &diagnosis.GrantControls{
			Operator:                    "OR",
			BuiltInControls:             []string{"compliantDevice", "domainJoinedDevice"},
			TermsOfUse:                  []string{"tou-1"},
			CustomAuthenticationFactors: []string{"duo"},
			AuthenticationStrength:      &diagnosis.AuthenticationStrength{ID: "00000000-0000-0000-0000-000000000002", DisplayName: "Multifactor authentication"},
		},
		Session: &diagnosis.SessionControls{
			SignInFrequency:                 &diagnosis.SignInFrequency{IsEnabled: true, Interval: "timeBased", Type: "hours", Value: 4},
			PersistentBrowserMode:           "never",
			ApplicationEnforcedRestrictions: true,
			CloudAppSecurity:                true,
			DisableResilienceDefaults:       true,
		},
	}
	var ins []diagnosis.SignIn
	for i := range signIns {
		ins = append(ins, diagnosis.SignIn{
			ID:                      fmt.Sprintf("si-%04d", i),
			CreatedDateTime:         until.Add(-time.Duration(i) * time.Minute),
			UserID:                  user.ID,
			UserPrincipalName:       "conor.o'brien@fabrikam.com",
			UserDisplayName:         user.DisplayName,
			AppID:                   "c44b4083-3bb0-49c1-b47d-974e53cbdf3c",
			AppDisplayName:          "Azure Portal",
			ResourceID:              "797f4846-ba00-4fd7-ba43-dac1f8f63013",
			ResourceDisplayName:     "Windows Azure Service Management API",
			IPAddress:               "203.0.113.7",
			ClientAppUsed:           "Browser",
			CorrelationID:           fmt.Sprintf("c0ffee00-0000-4000-8000-%012d", i),
			ConditionalAccessStatus: "failure",
			Interactive:             i%2 == 0,
			EventTypes:              []string{"interactiveUser"},
			ErrorCode:               53000,
			FailureReason:           "Device is not in required device state: compliant.",
			AdditionalDetails:       "Conditional Access policies require a compliant device.",
			Device: diagnosis.Device{
				DeviceID: "dev-1", DisplayName: "LAPTOP-1", OperatingSystem: "Windows10", Browser: "Edge 122",
				IsCompliant: false, IsManaged: true, TrustType: "Azure AD registered",
			},
			Location:              diagnosis.Location{City: "Utrecht", State: "Utrecht", CountryOrRegion: "NL"},
			RiskDetail:            "none",
			RiskLevelAggregated:   "none",
			RiskLevelDuringSignIn: "none",
			RiskState:             "none",
			RiskEventTypes:        []string{"unfamiliarFeatures"},
			AppliedPolicies: []diagnosis.AppliedPolicy{{
				ID: policy.ID, DisplayName: policy.DisplayName,
				EnforcedGrantControls:   []string{"RequireCompliantDevice"},
				EnforcedSessionControls: []string{"SignInFrequency"},
				Result:                  "failure",
			}},
		})
	}
	warning := diagnosis.Warning{
		Code:    diagnosis.WarnPartialSignIns,
		Message: "Only the newest sign-ins were read.",
		Reason:  "partial_sign_ins.pages",
		Args:    map[string]string{"count": fmt.Sprint(signIns)},
	}
	return store.Record{
		ID:        id,
		CreatedAt: until.Add(2 * time.Second),
		Surface:   "slack",
		Requester: "U024BE7LH",
		Query:     diagnosis.Query{User: user.UserPrincipalName, App: "azure-portal", Since: since, Until: until},
		Lang:      "nl",
		Diagnosis: diagnosis.Diagnosis{
			SchemaVersion: diagnosis.SchemaVersion,
			Query:         diagnosis.QueryInfo{User: user.UserPrincipalName, App: "azure-portal", Since: since, Until: until},
			User: &diagnosis.UserInfo{
				ID: user.ID, UserPrincipalName: user.UserPrincipalName, DisplayName: user.DisplayName,
				AccountEnabled: user.AccountEnabled, UserType: user.UserType,
			},
			Verdict: diagnosis.VerdictBlocked,
			Summary: "Conor O'Brien cannot sign in to the Azure portal: CA010 requires a compliant device.",
			Findings: []diagnosis.Finding{{
				Code:      diagnosis.CodeCACompliantDevice,
				Severity:  diagnosis.SeverityCritical,
				Resolved:  false,
				Title:     "A Conditional Access policy requires a compliant device",
				Detail:    "CA010 failed 1 sign-in to Azure Portal.",
				ErrorCode: 53000,
				App:       &diagnosis.AppRef{ID: "c44b4083-3bb0-49c1-b47d-974e53cbdf3c", DisplayName: "Azure Portal"},
				Policies: []diagnosis.PolicyRef{{
					ID: policy.ID, DisplayName: policy.DisplayName, State: policy.State, Controls: []string{"compliantDevice"},
				}},
				SignIns: []diagnosis.SignInRef{{
					ID: ins[0].ID, CreatedDateTime: ins[0].CreatedDateTime, AppDisplayName: ins[0].AppDisplayName,
					ErrorCode: ins[0].ErrorCode, IPAddress: ins[0].IPAddress, CorrelationID: ins[0].CorrelationID,
				}},
				Remediation: []string{"Enrol the device in Intune.", "Or exclude the onboarding account from CA010."},
				References:  []string{"https://learn.microsoft.com/entra/identity/conditional-access/concept-conditional-access-grant"},
			}},
			Stats:    diagnosis.Stats{SignIns: signIns, Failures: signIns, PoliciesEvaluated: 1},
			Warnings: []diagnosis.Warning{warning},
		},
		Snapshot: diagnosis.Snapshot{
			User:     user,
			Groups:   []diagnosis.Group{{ID: "0f9e4c2d-0000-4000-8000-000000000002", DisplayName: "Onboarding admins"}},
			Roles:    []diagnosis.Role{{ID: "r-1", DisplayName: "Global Administrator", RoleTemplateID: "62e90394-69f5-4237-9190-012177145e10"}},
			SignIns:  ins,
			Policies: []diagnosis.Policy{policy},
			NamedLocations: []diagnosis.NamedLocation{{
				ID: "nl-1", DisplayName: "Office", Kind: "ip", IsTrusted: true, IPRanges: []string{"203.0.113.0/24", "2001:db8::/32"},
				Countries: []string{"NL"}, IncludeUnknownCountries: true,
			}},
			Warnings:        []diagnosis.Warning{warning},
			SignInsRead:     true,
			PoliciesRead:    true,
			MembershipsRead: true,
			// A record keeps what the engine needs to answer follow-ups
			// without Graph, the evidence of real tenants included.
			SignInsIncomplete: true,
			SecurityDefaults:  &diagnosis.SecurityDefaults{Enabled: true},
			PerUserMFAState:   "enforced",
		},
	}
}

package graph_test

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/onboard-check/onboard-check/diagnosis"
	"github.com/onboard-check/onboard-check/graph/graphtest"
)

// The documented tenant is built from Microsoft's own Graph response bodies
// (testdata/README.md names each page). Every account is read through the
// real client and the evidence each documented field carries arrives.
// Each case has its own fake and client, so that no case waits for the
// sign-in budget another spent.
func TestDocumentedTenant(t *testing.T) {
	t.Parallel()
	tenant := loadTenant(t, "tenants/documented.json")
	read := func(t *testing.T, upn string) diagnosis.Snapshot {
		t.Helper()
		srv := graphtest.NewServer(t, tenant, graphtest.WithToken(testToken))
		snap, err := newClient(t, srv, nil).Snapshot(t.Context(), week(upn))
		if err != nil {
			t.Fatalf("Snapshot(%s): %v", upn, err)
		}
		if len(snap.Warnings) != 0 {
			t.Errorf("Snapshot(%s) warnings = %v, want none", upn, warnings(snap))
		}
		return snap
	}
	signIn := func(t *testing.T, snap diagnosis.Snapshot, id string) diagnosis.SignIn {
		t.Helper()
		i := slices.IndexFunc(snap.SignIns, func(s diagnosis.SignIn) bool { return s.ID == id })
		if i < 0 {
			t.Fatalf("sign-in %s not read; have %v", id, signInIDs(snap.SignIns))
		}
		return snap.SignIns[i]
	}

	t.Run("the documented sign-in, field for field", func(t *testing.T) {
		snap := read(t, "testaccount1@contoso.com")
		s := signIn(t, snap, "1691d37b-8579-43a7-966a-0f35583c1300")
		want := diagnosis.SignIn{
			AuthenticationRequirement: "singleFactorAuthentication", AuthenticationProtocol: "oAuth2",
			HomeTenantID: "99081087-73c4-48d1-a112-f60ff75114f7", ResourceTenantID: "99081087-73c4-48d1-a112-f60ff75114f7",
			CrossTenantAccessType:  "none",
			NetworkLocationDetails: []diagnosis.NetworkLocationDetail{{NetworkType: "namedNetwork", NetworkNames: []string{"North America"}}},
			AuthenticationDetails: []diagnosis.AuthenticationDetail{{Method: "Password", MethodDetail: "Password in the cloud",
				StepDateTime: s.AuthenticationDetails[0].StepDateTime, StepRequirement: "Primary authentication",
				StepResultDetail: "Invalid username or password or Invalid on-premise username or password."}},
		}
		got := diagnosis.SignIn{AuthenticationRequirement: s.AuthenticationRequirement, AuthenticationProtocol: s.AuthenticationProtocol,
			HomeTenantID: s.HomeTenantID, ResourceTenantID: s.ResourceTenantID, CrossTenantAccessType: s.CrossTenantAccessType,
			NetworkLocationDetails: s.NetworkLocationDetails, AuthenticationDetails: s.AuthenticationDetails}
		if d := cmp.Diff(want, got, cmpopts.EquateEmpty()); d != "" {
			t.Errorf("evidence (-want +got):\n%s", d)
		}
		if s.ErrorCode != 50126 || !s.Interactive || s.AppID != "c44b4083-3bb0-49c1-b47d-974e53cbdf3c" {
			t.Errorf("basics = %d %v %s", s.ErrorCode, s.Interactive, s.AppID)
		}
		if snap.SecurityDefaults == nil || !snap.SecurityDefaults.Enabled {
			t.Errorf("SecurityDefaults = %+v, want enabled", snap.SecurityDefaults)
		}
		if snap.PerUserMFAState != "disabled" {
			t.Errorf("PerUserMFAState = %q, want disabled (the endpoint's answer for this account)", snap.PerUserMFAState)
		}
	})

	t.Run("mandatory MFA: the portal demands MFA and no policy applied", func(t *testing.T) {
		snap := read(t, "megan@contoso.com")
		s := signIn(t, snap, "a5d1c3e2-0000-4000-8000-000000000f01")
		if s.ErrorCode != 50074 || s.ConditionalAccessStatus != "notApplied" || len(s.AppliedPolicies) != 0 ||
			s.AuthenticationRequirement != "multiFactorAuthentication" {
			t.Errorf("sign-in = %d %q %d policies %q", s.ErrorCode, s.ConditionalAccessStatus, len(s.AppliedPolicies), s.AuthenticationRequirement)
		}
		if n := len(s.AuthenticationDetails); n != 2 || s.AuthenticationDetails[1].Succeeded ||
			s.AuthenticationDetails[1].StepResultDetail != "MFA denied; user declined the authentication" {
			t.Errorf("authentication steps = %+v", s.AuthenticationDetails)
		}
		if snap.PerUserMFAState != "enforced" {
			t.Errorf("PerUserMFAState = %q, want enforced", snap.PerUserMFAState)
		}
	})

	t.Run("authentication strength the account cannot satisfy", func(t *testing.T) {
		snap := read(t, "megan@contoso.com")
		s := signIn(t, snap, "a5d1c3e2-0000-4000-8000-000000000a51")
		want := diagnosis.AppliedPolicy{
			ID: "b6e0a4f5-0d7e-4bb1-8d3b-000000000a51", DisplayName: "CA050 Phishing-resistant MFA for admins",
			EnforcedGrantControls: []string{"RequireAuthenticationStrength"}, Result: "failure",
			AuthenticationStrength: &diagnosis.AppliedAuthenticationStrength{ID: "00000000-0000-0000-0000-000000000004",
				DisplayName: "Phishing-resistant MFA", Result: "cannotSatisfy"},
			ConditionsSatisfied:   []string{"application", "users"},
			IncludeRulesSatisfied: []diagnosis.RuleSatisfied{{Condition: "application", Rule: "allApps"}, {Condition: "users", Rule: "roleId"}},
		}
		if d := cmp.Diff([]diagnosis.AppliedPolicy{want}, s.AppliedPolicies, cmpopts.EquateEmpty()); d != "" {
			t.Errorf("applied policy (-want +got):\n%s", d)
		}
		if d := cmp.Diff([]diagnosis.RequirementPolicy{{RequirementProvider: "multiConditionalAccess", Detail: "Conditional Access"}},
			s.AuthenticationRequirementPolicies); d != "" {
			t.Errorf("requirement policies (-want +got):\n%s", d)
		}
		// The policy names its strength by id only: the client read it.
		p := policyByID(t, snap, "b6e0a4f5-0d7e-4bb1-8d3b-000000000a51")
		wantStrength := &diagnosis.AuthenticationStrength{ID: "00000000-0000-0000-0000-000000000004", DisplayName: "Phishing resistant MFA",
			Description: "Phishing resistant, Passwordless methods for the strongest authentication, such as a FIDO2 security key",
			PolicyType:  "builtIn", RequirementsSatisfied: "mfa",
			AllowedCombinations: []string{"windowsHelloForBusiness", "fido2", "x509CertificateMultiFactor"}}
		if d := cmp.Diff(wantStrength, p.Grant.AuthenticationStrength); d != "" {
			t.Errorf("grant authentication strength (-want +got):\n%s", d)
		}
	})

	t.Run("B2B guest of an enumerated tenant", func(t *testing.T) {
		snap := read(t, "patti_fabrikam.com#EXT#@contoso.onmicrosoft.com")
		s := signIn(t, snap, "a5d1c3e2-0000-4000-8000-000000000b2b")
		if s.HomeTenantID != "4f7a7bc2-28e2-46a3-b90e-5ade5bc90138" || s.CrossTenantAccessType != "b2bCollaboration" {
			t.Errorf("tenants = home %q, access %q", s.HomeTenantID, s.CrossTenantAccessType)
		}
		a := s.AppliedPolicies[0]
		if d := cmp.Diff([]string{"application", "users"}, a.ConditionsSatisfied); d != "" {
			t.Errorf("conditionsSatisfied 3 (-want +got):\n%s", d)
		}
		if d := cmp.Diff([]string{"location"}, a.ConditionsNotSatisfied); d != "" {
			t.Errorf("conditionsNotSatisfied 8 (-want +got):\n%s", d)
		}
		if d := cmp.Diff([]diagnosis.RuleSatisfied{{Condition: "location", Rule: "locationId"}}, a.ExcludeRulesSatisfied); d != "" {
			t.Errorf("excludeRulesSatisfied (-want +got):\n%s", d)
		}
		if d := cmp.Diff([]diagnosis.NetworkLocationDetail{{NetworkType: "trustedNamedLocation", NetworkNames: []string{"HQ-VPN"}}}, s.NetworkLocationDetails); d != "" {
			t.Errorf("networkLocationDetails (-want +got):\n%s", d)
		}
		p := policyByID(t, snap, "b6e0a4f5-0d7e-4bb1-8d3b-000000000b2b")
		want := &diagnosis.GuestCondition{Types: []string{"b2bCollaborationGuest", "b2bCollaborationMember"},
			TenantIDs: []string{"4f7a7bc2-28e2-46a3-b90e-5ade5bc90138"}}
		if d := cmp.Diff(want, p.Conditions.Users.IncludeGuests); d != "" {
			t.Errorf("includeGuestsOrExternalUsers (-want +got):\n%s", d)
		}
	})

	t.Run("device code flow", func(t *testing.T) {
		snap := read(t, "megan@contoso.com")
		s := signIn(t, snap, "a5d1c3e2-0000-4000-8000-000000000dc1")
		if s.Interactive || s.OriginalTransferMethod != "deviceCodeFlow" || s.AuthenticationProtocol != "deviceCode" {
			t.Errorf("sign-in = interactive %v, transfer %q, protocol %q", s.Interactive, s.OriginalTransferMethod, s.AuthenticationProtocol)
		}
	})

	t.Run("policy conditions and origin", func(t *testing.T) {
		snap := read(t, "megan@contoso.com")
		p := policyByID(t, snap, "b6e0a4f5-0d7e-4bb1-8d3b-0000000000c0")
		want := diagnosis.Conditions{
			Users:                diagnosis.UserConditions{IncludeUsers: []string{"All"}},
			Applications:         diagnosis.AppConditions{ApplicationFilter: &diagnosis.Filter{Mode: "include", Rule: `CustomSecurityAttribute.Engineering_Project -eq "Baker"`}},
			ClientAppTypes:       []string{"all"},
			Devices:              &diagnosis.DeviceConditions{FilterMode: "exclude", FilterRule: `device.isCompliant -eq True -and device.trustType -eq "ServerAD"`},
			ServicePrincipalRisk: []string{"high", "medium"},
			InsiderRisk:          []string{"minor", "moderate"},
			AuthenticationFlows:  &diagnosis.AuthenticationFlows{TransferMethods: []string{"deviceCodeFlow", "authenticationTransfer"}},
		}
		if d := cmp.Diff(want, p.Conditions, cmpopts.EquateEmpty()); d != "" {
			t.Errorf("conditions (-want +got):\n%s", d)
		}
		if p.TemplateID != "c7503427-338e-4c5e-902d-abe252abfb43" || p.CreatedDateTime == nil || p.ManagedByMicrosoft {
			t.Errorf("origin = template %q, created %v, managed %v", p.TemplateID, p.CreatedDateTime, p.ManagedByMicrosoft)
		}
		m := policyByID(t, snap, "b6e0a4f5-0d7e-4bb1-8d3b-0000000004d1")
		if !m.ManagedByMicrosoft || m.State != diagnosis.PolicyReportOnly {
			t.Errorf("Microsoft-managed policy = managed %v, state %q", m.ManagedByMicrosoft, m.State)
		}
	})
}

func policyByID(t *testing.T, snap diagnosis.Snapshot, id string) diagnosis.Policy {
	t.Helper()
	i := slices.IndexFunc(snap.Policies, func(p diagnosis.Policy) bool { return p.ID == id })
	if i < 0 {
		t.Fatalf("policy %s not read", id)
	}
	return snap.Policies[i]
}

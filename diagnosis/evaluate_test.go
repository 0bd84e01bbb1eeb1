package diagnosis_test

import (
	"slices"
	"testing"

	"github.com/onboard-check/onboard-check/diagnosis"
)

const (
	portalID  = "c44b4083-3bb0-49c1-b47d-974e53cbdf3c"
	armID     = "797f4846-ba00-4fd7-ba43-dac1f8f63013"
	exoID     = "00000002-0000-0ff1-ce00-000000000000"
	graphID   = "00000003-0000-0000-c000-000000000000"
	gaRole    = "62e90394-69f5-4237-9190-012177145e10"
	userID    = "c531bb2b-fdf4-5cf5-b9fa-9ceb1537157c"
	adminsGrp = "f2ba3075-721a-5a70-9be5-6826b3cbc17d"
	glassGrp  = "f7da9d85-1701-5559-97a3-fb6dc748a4fc"
	hqID      = "d42b911f-5193-5826-87b6-dda972652996"
	countryID = "3e843e66-cc41-546c-a7e8-e9f80b3fbf1f"
	v6ID      = "0b4c7f43-3a8c-4c1e-9e55-5d1b2e0d7f10"
)

func testLocations() []diagnosis.NamedLocation {
	return []diagnosis.NamedLocation{
		{ID: hqID, DisplayName: "Amsterdam HQ", Kind: "ip", IsTrusted: true, IPRanges: []string{"203.0.113.0/24"}},
		{ID: countryID, DisplayName: "Allowed countries", Kind: "country", Countries: []string{"NL", "BE"}},
		{ID: v6ID, DisplayName: "HQ IPv6", Kind: "ip", IsTrusted: true, IPRanges: []string{"2001:db8:10::/48"}},
	}
}

func member() *diagnosis.User {
	return &diagnosis.User{ID: userID, UserPrincipalName: "adele@contoso.com", UserType: "Member", AccountEnabled: true}
}

func baseRequest() diagnosis.Request {
	return diagnosis.Request{
		User:             member(),
		Groups:           map[string]bool{adminsGrp: true},
		RoleTemplates:    map[string]bool{gaRole: true},
		MembershipsKnown: true,
		Apps:             []string{portalID, armID},
		ClientAppType:    "browser",
	}
}

func policy(mut func(p *diagnosis.Policy)) diagnosis.Policy {
	p := diagnosis.Policy{
		ID: "p1", DisplayName: "P1", State: diagnosis.PolicyEnabled,
		Conditions: diagnosis.Conditions{
			Users:          diagnosis.UserConditions{IncludeUsers: []string{"All"}},
			Applications:   diagnosis.AppConditions{IncludeApplications: []string{"All"}},
			ClientAppTypes: []string{"all"},
		},
		Grant: &diagnosis.GrantControls{Operator: "OR", BuiltInControls: []string{"block"}},
	}
	if mut != nil {
		mut(&p)
	}
	return p
}

func TestEvaluate(t *testing.T) {
	t.Parallel()
	apps, err := diagnosis.LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	ev := diagnosis.NewEvaluator(apps, testLocations())
	guest := &diagnosis.User{ID: "g1", UserPrincipalName: "patti_fabrikam.com#EXT#@contoso.onmicrosoft.com", UserType: "Guest"}
	tests := []struct {
		name string
		p    diagnosis.Policy
		req  func(r *diagnosis.Request)
		want diagnosis.Match
	}{
		{"all users, all apps", policy(nil), nil, diagnosis.MatchYes},
		{"disabled never applies", policy(func(p *diagnosis.Policy) { p.State = diagnosis.PolicyDisabled }), nil, diagnosis.MatchNo},
		{"report-only is judged", policy(func(p *diagnosis.Policy) { p.State = diagnosis.PolicyReportOnly }), nil, diagnosis.MatchYes},
		{"excluded user", policy(func(p *diagnosis.Policy) { p.Conditions.Users.ExcludeUsers = []string{userID} }), nil, diagnosis.MatchNo},
		{"excluded group wins over All", policy(func(p *diagnosis.Policy) { p.Conditions.Users.ExcludeGroups = []string{adminsGrp} }), nil, diagnosis.MatchNo},
		{"excluded group wins over included role", policy(func(p *diagnosis.Policy) {
			p.Conditions.Users = diagnosis.UserConditions{IncludeRoles: []string{gaRole}, ExcludeGroups: []string{adminsGrp}}
		}), nil, diagnosis.MatchNo},
		{"excluded role", policy(func(p *diagnosis.Policy) { p.Conditions.Users.ExcludeRoles = []string{gaRole} }), nil, diagnosis.MatchNo},
		{"other group excluded", policy(func(p *diagnosis.Policy) { p.Conditions.Users.ExcludeGroups = []string{glassGrp} }), nil, diagnosis.MatchYes},
		{"included by role template", policy(func(p *diagnosis.Policy) {
			p.Conditions.Users = diagnosis.UserConditions{IncludeRoles: []string{gaRole}}
		}), nil, diagnosis.MatchYes},
		{"role not held", policy(func(p *diagnosis.Policy) {
			p.Conditions.Users = diagnosis.UserConditions{IncludeRoles: []string{"3a2c62db-5318-420d-8d74-23affee5d9d5"}}
		}), nil, diagnosis.MatchNo},
		{"included by group", policy(func(p *diagnosis.Policy) {
			p.Conditions.Users = diagnosis.UserConditions{IncludeGroups: []string{adminsGrp}}
		}), nil, diagnosis.MatchYes},
		{"included by id, case-insensitive", policy(func(p *diagnosis.Policy) {
			p.Conditions.Users = diagnosis.UserConditions{IncludeUsers: []string{"C531BB2B-FDF4-5CF5-B9FA-9CEB1537157C"}}
		}), nil, diagnosis.MatchYes},
		{"None", policy(func(p *diagnosis.Policy) { p.Conditions.Users.IncludeUsers = []string{"None"} }), nil, diagnosis.MatchNo},
		{"memberships unknown: role policy may apply", policy(func(p *diagnosis.Policy) {
			p.Conditions.Users = diagnosis.UserConditions{IncludeRoles: []string{gaRole}}
		}), func(r *diagnosis.Request) { r.MembershipsKnown, r.RoleTemplates = false, nil }, diagnosis.MatchMaybe},
		{"memberships unknown: exclusion may hold", policy(func(p *diagnosis.Policy) {
			p.Conditions.Users.ExcludeGroups = []string{glassGrp}
		}), func(r *diagnosis.Request) { r.MembershipsKnown, r.Groups = false, nil }, diagnosis.MatchMaybe},
		{"guests keyword", policy(func(p *diagnosis.Policy) {
			p.Conditions.Users = diagnosis.UserConditions{IncludeUsers: []string{"GuestsOrExternalUsers"}}
		}), func(r *diagnosis.Request) { r.User = guest }, diagnosis.MatchYes},
		{"guest types include b2b guest", policy(func(p *diagnosis.Policy) {
			p.Conditions.Users = diagnosis.UserConditions{IncludeGuests: &diagnosis.GuestCondition{Types: []string{"b2bCollaborationGuest"}, AllTenants: true}}
		}), func(r *diagnosis.Request) { r.User = guest }, diagnosis.MatchYes},
		{"guest types do not cover members", policy(func(p *diagnosis.Policy) {
			p.Conditions.Users = diagnosis.UserConditions{IncludeGuests: &diagnosis.GuestCondition{Types: []string{"b2bCollaborationGuest"}, AllTenants: true}}
		}), nil, diagnosis.MatchNo},
		{"guests excluded", policy(func(p *diagnosis.Policy) {
			p.Conditions.Users.ExcludeGuests = &diagnosis.GuestCondition{Types: []string{"internalGuest", "b2bCollaborationGuest"}, AllTenants: true}
		}), func(r *diagnosis.Request) { r.User = guest }, diagnosis.MatchNo},
		{"enumerated tenants: maybe", policy(func(p *diagnosis.Policy) {
			p.Conditions.Users = diagnosis.UserConditions{IncludeGuests: &diagnosis.GuestCondition{Types: []string{"b2bCollaborationGuest"}, TenantIDs: []string{"t1"}}}
		}), func(r *diagnosis.Request) { r.User = guest }, diagnosis.MatchMaybe},
		{"admin portals", policy(func(p *diagnosis.Policy) {
			p.Conditions.Applications.IncludeApplications = []string{"MicrosoftAdminPortals"}
		}), nil, diagnosis.MatchYes},
		{"admin portals do not cover Exchange", policy(func(p *diagnosis.Policy) {
			p.Conditions.Applications.IncludeApplications = []string{"MicrosoftAdminPortals"}
		}),
			func(r *diagnosis.Request) { r.Apps = []string{exoID} }, diagnosis.MatchNo},
		{"Office365 covers Exchange", policy(func(p *diagnosis.Policy) { p.Conditions.Applications.IncludeApplications = []string{"Office365"} }),
			func(r *diagnosis.Request) { r.Apps = []string{exoID} }, diagnosis.MatchYes},
		{"resource behind the portal", policy(func(p *diagnosis.Policy) { p.Conditions.Applications.IncludeApplications = []string{armID} }), nil, diagnosis.MatchYes},
		{"other app id", policy(func(p *diagnosis.Policy) { p.Conditions.Applications.IncludeApplications = []string{graphID} }), nil, diagnosis.MatchNo},
		{"excluded app", policy(func(p *diagnosis.Policy) { p.Conditions.Applications.ExcludeApplications = []string{portalID} }), nil, diagnosis.MatchNo},
		{"user actions only", policy(func(p *diagnosis.Policy) {
			p.Conditions.Applications = diagnosis.AppConditions{IncludeUserActions: []string{"urn:user:registersecurityinfo"}}
		}), nil, diagnosis.MatchNo},
		{"legacy clients only", policy(func(p *diagnosis.Policy) { p.Conditions.ClientAppTypes = []string{"exchangeActiveSync", "other"} }), nil, diagnosis.MatchNo},
		{"legacy client", policy(func(p *diagnosis.Policy) { p.Conditions.ClientAppTypes = []string{"exchangeActiveSync", "other"} }),
			func(r *diagnosis.Request) { r.ClientAppType = "other" }, diagnosis.MatchYes},
		{"platform unknown", policy(func(p *diagnosis.Policy) {
			p.Conditions.Platforms = &diagnosis.PlatformConditions{Include: []string{"iOS"}}
		}),
			nil, diagnosis.MatchMaybe},
		{"platform not targeted", policy(func(p *diagnosis.Policy) {
			p.Conditions.Platforms = &diagnosis.PlatformConditions{Include: []string{"iOS"}}
		}),
			func(r *diagnosis.Request) { r.Platform = "windows" }, diagnosis.MatchNo},
		{"platform excluded", policy(func(p *diagnosis.Policy) {
			p.Conditions.Platforms = &diagnosis.PlatformConditions{Include: []string{"all"}, Exclude: []string{"windows"}}
		}), func(r *diagnosis.Request) { r.Platform = "windows" }, diagnosis.MatchNo},
		{"untrusted IP", policy(func(p *diagnosis.Policy) {
			p.Conditions.Locations = &diagnosis.LocationConditions{Include: []string{"All"}, Exclude: []string{"AllTrusted"}}
		}), func(r *diagnosis.Request) { r.IP = "198.51.100.8" }, diagnosis.MatchYes},
		{"trusted IP", policy(func(p *diagnosis.Policy) {
			p.Conditions.Locations = &diagnosis.LocationConditions{Include: []string{"All"}, Exclude: []string{"AllTrusted"}}
		}), func(r *diagnosis.Request) { r.IP = "203.0.113.9" }, diagnosis.MatchNo},
		{"trusted IPv6", policy(func(p *diagnosis.Policy) {
			p.Conditions.Locations = &diagnosis.LocationConditions{Include: []string{"All"}, Exclude: []string{"AllTrusted"}}
		}), func(r *diagnosis.Request) { r.IP = "2001:db8:10::5" }, diagnosis.MatchNo},
		{"location unknown", policy(func(p *diagnosis.Policy) {
			p.Conditions.Locations = &diagnosis.LocationConditions{Include: []string{"All"}, Exclude: []string{"AllTrusted"}}
		}), nil, diagnosis.MatchMaybe},
		{"country location excluded", policy(func(p *diagnosis.Policy) {
			p.Conditions.Locations = &diagnosis.LocationConditions{Include: []string{"All"}, Exclude: []string{countryID}}
		}), func(r *diagnosis.Request) { r.IP, r.Country = "198.51.100.8", "NL" }, diagnosis.MatchNo},
		{"country outside list", policy(func(p *diagnosis.Policy) {
			p.Conditions.Locations = &diagnosis.LocationConditions{Include: []string{"All"}, Exclude: []string{countryID}}
		}), func(r *diagnosis.Request) { r.IP, r.Country = "192.0.2.1", "US" }, diagnosis.MatchYes},
		{"device filter", policy(func(p *diagnosis.Policy) {
			p.Conditions.Devices = &diagnosis.DeviceConditions{FilterMode: "exclude", FilterRule: `device.trustType -eq "ServerAD"`}
		}), nil, diagnosis.MatchMaybe},
		{"risk policy, no risk", policy(func(p *diagnosis.Policy) { p.Conditions.SignInRisk = []string{"high"} }),
			func(r *diagnosis.Request) { r.SignInRisk = "none" }, diagnosis.MatchNo},
		{"risk policy, risk unknown", policy(func(p *diagnosis.Policy) { p.Conditions.SignInRisk = []string{"high"} }), nil, diagnosis.MatchMaybe},
		{"user risk policy, user not at risk", policy(func(p *diagnosis.Policy) { p.Conditions.UserRisk = []string{"high"} }),
			func(r *diagnosis.Request) { r.UserRisk = "none" }, diagnosis.MatchNo},
		{"service principal risk: workload identities only", policy(func(p *diagnosis.Policy) {
			p.Conditions.ServicePrincipalRisk = []string{"high"}
		}), func(r *diagnosis.Request) { r.SignInRisk, r.UserRisk = "high", "high" }, diagnosis.MatchNo},
		{"device code policy, browser sign-in", policy(func(p *diagnosis.Policy) {
			p.Conditions.AuthenticationFlows = &diagnosis.AuthenticationFlows{TransferMethods: []string{"deviceCodeFlow"}}
		}), func(r *diagnosis.Request) { r.TransferMethod = "none" }, diagnosis.MatchNo},
		{"device code policy, device code sign-in", policy(func(p *diagnosis.Policy) {
			p.Conditions.AuthenticationFlows = &diagnosis.AuthenticationFlows{TransferMethods: []string{"deviceCodeFlow", "authenticationTransfer"}}
		}), func(r *diagnosis.Request) { r.TransferMethod = "deviceCodeFlow" }, diagnosis.MatchYes},
		{"device code policy, flow unknown", policy(func(p *diagnosis.Policy) {
			p.Conditions.AuthenticationFlows = &diagnosis.AuthenticationFlows{TransferMethods: []string{"deviceCodeFlow"}}
		}), nil, diagnosis.MatchMaybe},
		{"insider risk", policy(func(p *diagnosis.Policy) { p.Conditions.InsiderRisk = []string{"elevated"} }), nil, diagnosis.MatchMaybe},
		{"authentication context", policy(func(p *diagnosis.Policy) {
			p.Conditions.Applications = diagnosis.AppConditions{IncludeAuthContexts: []string{"c1"}}
		}), nil, diagnosis.MatchMaybe},
		{"app filter exclude, app included", policy(func(p *diagnosis.Policy) {
			p.Conditions.Applications.ApplicationFilter = &diagnosis.Filter{Mode: "exclude", Rule: `CustomSecurityAttribute.Eng_Project -eq "Baker"`}
		}), nil, diagnosis.MatchMaybe},
		{"app filter include, app not listed", policy(func(p *diagnosis.Policy) {
			p.Conditions.Applications = diagnosis.AppConditions{IncludeApplications: []string{exoID},
				ApplicationFilter: &diagnosis.Filter{Mode: "include", Rule: `CustomSecurityAttribute.Eng_Project -eq "Baker"`}}
		}), nil, diagnosis.MatchMaybe},
		{"app filter exclude, app not listed", policy(func(p *diagnosis.Policy) {
			p.Conditions.Applications = diagnosis.AppConditions{IncludeApplications: []string{exoID},
				ApplicationFilter: &diagnosis.Filter{Mode: "exclude", Rule: `CustomSecurityAttribute.Eng_Project -eq "Baker"`}}
		}), nil, diagnosis.MatchNo},
		{"device filter include, unregistered device, positive operator", policy(func(p *diagnosis.Policy) {
			p.Conditions.Devices = &diagnosis.DeviceConditions{FilterMode: "include", FilterRule: `device.isCompliant -eq True`}
		}), func(r *diagnosis.Request) { r.Device = &diagnosis.Device{} }, diagnosis.MatchNo},
		{"device filter include, unregistered device, negative operator", policy(func(p *diagnosis.Policy) {
			p.Conditions.Devices = &diagnosis.DeviceConditions{FilterMode: "include", FilterRule: `device.trustType -ne "ServerAD"`}
		}), func(r *diagnosis.Request) { r.Device = &diagnosis.Device{} }, diagnosis.MatchYes},
		{"device filter exclude, unregistered device", policy(func(p *diagnosis.Policy) {
			p.Conditions.Devices = &diagnosis.DeviceConditions{FilterMode: "exclude", FilterRule: `device.trustType -eq "ServerAD"`}
		}), func(r *diagnosis.Request) { r.Device = &diagnosis.Device{} }, diagnosis.MatchYes},
		{"device filter exclude, hybrid joined device", policy(func(p *diagnosis.Policy) {
			p.Conditions.Devices = &diagnosis.DeviceConditions{FilterMode: "exclude", FilterRule: `device.trustType -eq "ServerAD" -or device.isCompliant -eq True`}
		}), func(r *diagnosis.Request) {
			r.Device = &diagnosis.Device{DeviceID: "d1", TrustType: "Hybrid Azure AD joined"}
		}, diagnosis.MatchNo},
		{"device filter on an attribute the log lacks", policy(func(p *diagnosis.Policy) {
			p.Conditions.Devices = &diagnosis.DeviceConditions{FilterMode: "include", FilterRule: `device.extensionAttribute1 -eq "PAW"`}
		}), func(r *diagnosis.Request) { r.Device = &diagnosis.Device{DeviceID: "d1"} }, diagnosis.MatchMaybe},
		{"risk policy, high risk", policy(func(p *diagnosis.Policy) { p.Conditions.SignInRisk = []string{"high", "medium"} }),
			func(r *diagnosis.Request) { r.SignInRisk = "high" }, diagnosis.MatchYes},
		{"guest of an enumerated tenant, home tenant in the log", guestPolicy, func(r *diagnosis.Request) {
			r.User, r.HomeTenant = guestUser(), fabrikamTenant
		}, diagnosis.MatchYes},
		{"guest of another tenant", guestPolicy, func(r *diagnosis.Request) {
			r.User, r.HomeTenant = guestUser(), "00000000-0000-0000-0000-000000000001"
		}, diagnosis.MatchNo},
		{"guest, home tenant unknown", guestPolicy, func(r *diagnosis.Request) { r.User = guestUser() }, diagnosis.MatchMaybe},
		{"member and a guest policy", guestPolicy, nil, diagnosis.MatchNo},
		{"workload identities", policy(func(p *diagnosis.Policy) {
			p.Conditions.ClientApps = &diagnosis.ClientAppsConditions{IncludeServicePrincipals: []string{"ServicePrincipalsInMyTenant"}}
		}), nil, diagnosis.MatchNo},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := baseRequest()
			if tt.req != nil {
				tt.req(&r)
			}
			got := ev.Evaluate(tt.p, r)
			if got.Match != tt.want {
				t.Errorf("Evaluate = %v, want %v; conditions %+v", got.Match, tt.want, got.Conditions)
			}
		})
	}
}

func TestHardControls(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		op       string
		controls []string
		want     []string
	}{
		{"block", "OR", []string{"block"}, []string{"block"}},
		{"mfa is soft", "OR", []string{"mfa"}, nil},
		{"mfa or compliant: mfa suffices", "OR", []string{"mfa", "compliantDevice"}, nil},
		{"mfa and compliant", "AND", []string{"mfa", "compliantDevice"}, []string{"compliantDevice"}},
		{"device or joined", "OR", []string{"compliantDevice", "domainJoinedDevice"}, []string{"compliantDevice", "domainJoinedDevice"}},
		{"approved app", "OR", []string{"approvedApplication", "compliantApplication"}, []string{"approvedApplication", "compliantApplication"}},
	}
	for _, tt := range tests {
		p := policy(func(p *diagnosis.Policy) {
			p.Grant = &diagnosis.GrantControls{Operator: tt.op, BuiltInControls: tt.controls}
		})
		if got := p.HardControls(); !slices.Equal(got, tt.want) {
			t.Errorf("%s: HardControls = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestPlatformAndClient(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"Windows10": "windows", "Windows 11": "windows", "iOS 17.5": "iOS", "MacOs": "macOS",
		"Android 14": "android", "Ubuntu": "linux", "": "", "PlayStation": ""} {
		if got := diagnosis.Platform(in); got != want {
			t.Errorf("Platform(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{"Browser": "browser", "Mobile Apps and Desktop clients": "mobileAppsAndDesktopClients",
		"Exchange ActiveSync": "exchangeActiveSync", "IMAP4": "other", "Authenticated SMTP": "other"} {
		if got := diagnosis.ClientAppType(in); got != want {
			t.Errorf("ClientAppType(%q) = %q, want %q", in, got, want)
		}
	}
}

const fabrikamTenant = "2f8a5e3c-7b1d-4c9e-a6f0-3d5b8c1e9a27"

// guestPolicy targets B2B collaboration guests from Fabrikam only.
var guestPolicy = policy(func(p *diagnosis.Policy) {
	p.Conditions.Users = diagnosis.UserConditions{IncludeGuests: &diagnosis.GuestCondition{
		Types: []string{"b2bCollaborationGuest", "b2bCollaborationMember"}, TenantIDs: []string{fabrikamTenant}}}
})

func guestUser() *diagnosis.User {
	return &diagnosis.User{ID: "g1", UserPrincipalName: "patti_fabrikam.com#EXT#@contoso.onmicrosoft.com", UserType: "Guest", AccountEnabled: true}
}

package graph

import (
	"errors"
	"strings"

	"github.com/microsoftgraph/msgraph-sdk-go/models"

	"github.com/onboard-check/onboard-check/diagnosis"
)

func decodePolicies(body []byte) ([]diagnosis.Policy, string, error) {
	v, err := decode(body, models.CreateConditionalAccessPolicyCollectionResponseFromDiscriminatorValue)
	if err != nil {
		return nil, "", err
	}
	page, ok := v.(models.ConditionalAccessPolicyCollectionResponseable)
	if !ok {
		return nil, "", errors.New("decode policies: not a conditionalAccessPolicy collection")
	}
	out := make([]diagnosis.Policy, 0, len(page.GetValue()))
	for _, p := range page.GetValue() {
		if p != nil {
			out = append(out, toPolicy(p))
		}
	}
	return out, str(page.GetOdataNextLink()), nil
}

func toPolicy(m models.ConditionalAccessPolicyable) diagnosis.Policy {
	p := diagnosis.Policy{
		ID:          str(m.GetId()),
		DisplayName: str(m.GetDisplayName()),
		State:       diagnosis.PolicyState(enum(m.GetState())),
	}
	if c := m.GetConditions(); c != nil {
		p.Conditions = toConditions(c)
	}
	if g := m.GetGrantControls(); g != nil {
		p.Grant = &diagnosis.GrantControls{
			Operator:                    str(g.GetOperator()),
			BuiltInControls:             enums(g.GetBuiltInControls()),
			TermsOfUse:                  nonEmpty(g.GetTermsOfUse()),
			CustomAuthenticationFactors: nonEmpty(g.GetCustomAuthenticationFactors()),
		}
		if a := g.GetAuthenticationStrength(); a != nil {
			p.Grant.AuthenticationStrength = &diagnosis.AuthenticationStrength{ID: str(a.GetId()), DisplayName: str(a.GetDisplayName())}
		}
	}
	if s := m.GetSessionControls(); s != nil {
		p.Session = toSession(s)
	}
	return p
}

func toConditions(c models.ConditionalAccessConditionSetable) diagnosis.Conditions {
	out := diagnosis.Conditions{
		ClientAppTypes: enums(c.GetClientAppTypes()),
		UserRisk:       enums(c.GetUserRiskLevels()),
		SignInRisk:     enums(c.GetSignInRiskLevels()),
	}
	if u := c.GetUsers(); u != nil {
		out.Users = diagnosis.UserConditions{
			IncludeUsers:  nonEmpty(u.GetIncludeUsers()),
			ExcludeUsers:  nonEmpty(u.GetExcludeUsers()),
			IncludeGroups: nonEmpty(u.GetIncludeGroups()),
			ExcludeGroups: nonEmpty(u.GetExcludeGroups()),
			IncludeRoles:  nonEmpty(u.GetIncludeRoles()),
			ExcludeRoles:  nonEmpty(u.GetExcludeRoles()),
			IncludeGuests: toGuests(u.GetIncludeGuestsOrExternalUsers()),
			ExcludeGuests: toGuests(u.GetExcludeGuestsOrExternalUsers()),
		}
	}
	if a := c.GetApplications(); a != nil {
		out.Applications = diagnosis.AppConditions{
			IncludeApplications: nonEmpty(a.GetIncludeApplications()),
			ExcludeApplications: nonEmpty(a.GetExcludeApplications()),
			IncludeUserActions:  nonEmpty(a.GetIncludeUserActions()),
			IncludeAuthContexts: nonEmpty(a.GetIncludeAuthenticationContextClassReferences()),
		}
	}
	if pl := c.GetPlatforms(); pl != nil {
		out.Platforms = &diagnosis.PlatformConditions{Include: enums(pl.GetIncludePlatforms()), Exclude: enums(pl.GetExcludePlatforms())}
	}
	if l := c.GetLocations(); l != nil {
		out.Locations = &diagnosis.LocationConditions{Include: nonEmpty(l.GetIncludeLocations()), Exclude: nonEmpty(l.GetExcludeLocations())}
	}
	if d := c.GetDevices(); d != nil && d.GetDeviceFilter() != nil {
		f := d.GetDeviceFilter()
		out.Devices = &diagnosis.DeviceConditions{FilterMode: enum(f.GetMode()), FilterRule: str(f.GetRule())}
	}
	if ca := c.GetClientApplications(); ca != nil {
		out.ClientApps = &diagnosis.ClientAppsConditions{
			IncludeServicePrincipals: nonEmpty(ca.GetIncludeServicePrincipals()),
			ExcludeServicePrincipals: nonEmpty(ca.GetExcludeServicePrincipals()),
		}
	}
	return out
}

// toGuests reads includeGuestsOrExternalUsers: guestOrExternalUserTypes is
// one comma-separated flags value, and externalTenants is either all
// tenants or an enumerated list.
func toGuests(g models.ConditionalAccessGuestsOrExternalUsersable) *diagnosis.GuestCondition {
	if g == nil {
		return nil
	}
	out := &diagnosis.GuestCondition{AllTenants: true}
	if t := g.GetGuestOrExternalUserTypes(); t != nil {
		for _, s := range strings.Split(t.String(), ",") {
			if s != "" && s != "none" {
				out.Types = append(out.Types, s)
			}
		}
	}
	if len(out.Types) == 0 {
		return nil
	}
	if t := g.GetExternalTenants(); t != nil {
		if e, ok := t.(models.ConditionalAccessEnumeratedExternalTenantsable); ok {
			out.AllTenants, out.TenantIDs = false, nonEmpty(e.GetMembers())
		} else if enum(t.GetMembershipKind()) == "enumerated" {
			out.AllTenants = false
		}
	}
	return out
}

func toSession(s models.ConditionalAccessSessionControlsable) *diagnosis.SessionControls {
	out := &diagnosis.SessionControls{DisableResilienceDefaults: boolean(s.GetDisableResilienceDefaults())}
	if f := s.GetSignInFrequency(); f != nil {
		out.SignInFrequency = &diagnosis.SignInFrequency{
			IsEnabled: boolean(f.GetIsEnabled()),
			Interval:  enum(f.GetFrequencyInterval()),
			Type:      enum(f.GetTypeEscaped()),
		}
		if v := f.GetValue(); v != nil {
			out.SignInFrequency.Value = int(*v)
		}
	}
	if b := s.GetPersistentBrowser(); b != nil && boolean(b.GetIsEnabled()) {
		out.PersistentBrowserMode = enum(b.GetMode())
	}
	if a := s.GetApplicationEnforcedRestrictions(); a != nil {
		out.ApplicationEnforcedRestrictions = boolean(a.GetIsEnabled())
	}
	if a := s.GetCloudAppSecurity(); a != nil {
		out.CloudAppSecurity = boolean(a.GetIsEnabled())
	}
	return out
}

func decodeLocations(body []byte) ([]diagnosis.NamedLocation, string, error) {
	v, err := decode(body, models.CreateNamedLocationCollectionResponseFromDiscriminatorValue)
	if err != nil {
		return nil, "", err
	}
	page, ok := v.(models.NamedLocationCollectionResponseable)
	if !ok {
		return nil, "", errors.New("decode named locations: not a namedLocation collection")
	}
	var out []diagnosis.NamedLocation
	for _, l := range page.GetValue() {
		if n, ok := toNamedLocation(l); ok {
			out = append(out, n)
		}
	}
	return out, str(page.GetOdataNextLink()), nil
}

// toNamedLocation reads an ipNamedLocation or a countryNamedLocation; any
// other kind is skipped (ok false).
func toNamedLocation(m models.NamedLocationable) (diagnosis.NamedLocation, bool) {
	switch l := m.(type) {
	case models.IpNamedLocationable:
		n := diagnosis.NamedLocation{ID: str(l.GetId()), DisplayName: str(l.GetDisplayName()), Kind: "ip", IsTrusted: boolean(l.GetIsTrusted())}
		for _, r := range l.GetIpRanges() {
			switch c := r.(type) {
			case models.IPv4CidrRangeable:
				n.IPRanges = append(n.IPRanges, str(c.GetCidrAddress()))
			case models.IPv6CidrRangeable:
				n.IPRanges = append(n.IPRanges, str(c.GetCidrAddress()))
			}
		}
		n.IPRanges = nonEmpty(n.IPRanges)
		return n, true
	case models.CountryNamedLocationable:
		return diagnosis.NamedLocation{ID: str(l.GetId()), DisplayName: str(l.GetDisplayName()), Kind: "country",
			Countries: nonEmpty(l.GetCountriesAndRegions()), IncludeUnknownCountries: boolean(l.GetIncludeUnknownCountriesAndRegions())}, true
	}
	return diagnosis.NamedLocation{}, false
}

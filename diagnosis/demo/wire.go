package demo

import (
	"strings"
	"time"

	"github.com/onboard-check/onboard-check/diagnosis"
)

// The wire types below follow Microsoft Graph v1.0's JSON for the objects a
// tenant file holds. They stay in this package: the rest of the product
// sees only diagnosis types.

type wireTenant struct {
	Name           string              `json:"name"`
	Description    string              `json:"description"`
	Users          []wireUser          `json:"users"`
	Groups         []wireGroup         `json:"groups"`
	Roles          []wireRole          `json:"roles"`
	Policies       []wirePolicy        `json:"policies"`
	NamedLocations []wireNamedLocation `json:"namedLocations"`
	SignIns        []wireSignIn        `json:"signIns"`
	// SecurityDefaults is /policies/identitySecurityDefaultsEnforcementPolicy.
	SecurityDefaults *struct {
		IsEnabled bool `json:"isEnabled"`
	} `json:"securityDefaults"`
	Faults map[string]Fault `json:"faults"`
	Expect Expect           `json:"expect"`
}

type wireUser struct {
	ID                string   `json:"id"`
	UserPrincipalName string   `json:"userPrincipalName"`
	DisplayName       string   `json:"displayName"`
	Mail              string   `json:"mail"`
	AccountEnabled    *bool    `json:"accountEnabled"`
	UserType          string   `json:"userType"`
	ExternalUserState string   `json:"externalUserState"`
	MemberOf          []string `json:"memberOf"`
	// AuthenticationRequirements is beta /users/{id}/authentication/requirements.
	AuthenticationRequirements *struct {
		PerUserMFAState string `json:"perUserMfaState"`
	} `json:"authenticationRequirements"`
}

type wireGroup struct {
	ID          string `json:"id"`
	DisplayName string `json:"displayName"`
}

type wireRole struct {
	ID             string `json:"id"`
	DisplayName    string `json:"displayName"`
	RoleTemplateID string `json:"roleTemplateId"`
}

type wirePolicy struct {
	ID               string `json:"id"`
	DisplayName      string `json:"displayName"`
	State            string `json:"state"`
	TemplateID       string `json:"templateId"`
	CreatedDateTime  string `json:"createdDateTime"`
	ModifiedDateTime string `json:"modifiedDateTime"`
	Conditions       struct {
		UserRiskLevels             []string `json:"userRiskLevels"`
		SignInRiskLevels           []string `json:"signInRiskLevels"`
		ServicePrincipalRiskLevels []string `json:"servicePrincipalRiskLevels"`
		InsiderRiskLevels          string   `json:"insiderRiskLevels"` // flags: "minor,moderate"
		AuthenticationFlows        *struct {
			TransferMethods string `json:"transferMethods"` // flags
		} `json:"authenticationFlows"`
		ClientAppTypes []string `json:"clientAppTypes"`
		Platforms      *struct {
			IncludePlatforms []string `json:"includePlatforms"`
			ExcludePlatforms []string `json:"excludePlatforms"`
		} `json:"platforms"`
		Locations *struct {
			IncludeLocations []string `json:"includeLocations"`
			ExcludeLocations []string `json:"excludeLocations"`
		} `json:"locations"`
		Devices *struct {
			DeviceFilter *struct {
				Mode string `json:"mode"`
				Rule string `json:"rule"`
			} `json:"deviceFilter"`
		} `json:"devices"`
		ClientApplications *struct {
			IncludeServicePrincipals []string `json:"includeServicePrincipals"`
			ExcludeServicePrincipals []string `json:"excludeServicePrincipals"`
		} `json:"clientApplications"`
		Applications struct {
			IncludeApplications []string `json:"includeApplications"`
			ExcludeApplications []string `json:"excludeApplications"`
			IncludeUserActions  []string `json:"includeUserActions"`
			IncludeAuthContexts []string `json:"includeAuthenticationContextClassReferences"`
			ApplicationFilter   *struct {
				Mode string `json:"mode"`
				Rule string `json:"rule"`
			} `json:"applicationFilter"`
		} `json:"applications"`
		Users struct {
			IncludeUsers  []string   `json:"includeUsers"`
			ExcludeUsers  []string   `json:"excludeUsers"`
			IncludeGroups []string   `json:"includeGroups"`
			ExcludeGroups []string   `json:"excludeGroups"`
			IncludeRoles  []string   `json:"includeRoles"`
			ExcludeRoles  []string   `json:"excludeRoles"`
			IncludeGuests *wireGuest `json:"includeGuestsOrExternalUsers"`
			ExcludeGuests *wireGuest `json:"excludeGuestsOrExternalUsers"`
		} `json:"users"`
	} `json:"conditions"`
	GrantControls *struct {
		Operator                    string   `json:"operator"`
		BuiltInControls             []string `json:"builtInControls"`
		CustomAuthenticationFactors []string `json:"customAuthenticationFactors"`
		TermsOfUse                  []string `json:"termsOfUse"`
		AuthenticationStrength      *struct {
			ID                    string   `json:"id"`
			DisplayName           string   `json:"displayName"`
			Description           string   `json:"description"`
			PolicyType            string   `json:"policyType"`
			RequirementsSatisfied string   `json:"requirementsSatisfied"`
			AllowedCombinations   []string `json:"allowedCombinations"`
		} `json:"authenticationStrength"`
	} `json:"grantControls"`
	SessionControls *struct {
		SignInFrequency *struct {
			Value             *int   `json:"value"`
			Type              string `json:"type"`
			FrequencyInterval string `json:"frequencyInterval"`
			IsEnabled         bool   `json:"isEnabled"`
		} `json:"signInFrequency"`
		PersistentBrowser *struct {
			Mode      string `json:"mode"`
			IsEnabled bool   `json:"isEnabled"`
		} `json:"persistentBrowser"`
		ApplicationEnforcedRestrictions *struct {
			IsEnabled bool `json:"isEnabled"`
		} `json:"applicationEnforcedRestrictions"`
		CloudAppSecurity *struct {
			IsEnabled bool `json:"isEnabled"`
		} `json:"cloudAppSecurity"`
		DisableResilienceDefaults *bool `json:"disableResilienceDefaults"`
	} `json:"sessionControls"`
}

type wireGuest struct {
	GuestOrExternalUserTypes string `json:"guestOrExternalUserTypes"`
	ExternalTenants          *struct {
		MembershipKind string   `json:"membershipKind"`
		Members        []string `json:"members"`
	} `json:"externalTenants"`
}

func (g *wireGuest) toGuest() *diagnosis.GuestCondition {
	if g == nil || g.GuestOrExternalUserTypes == "" {
		return nil
	}
	out := &diagnosis.GuestCondition{AllTenants: true}
	for _, t := range strings.Split(g.GuestOrExternalUserTypes, ",") {
		if t = strings.TrimSpace(t); t != "" {
			out.Types = append(out.Types, t)
		}
	}
	if g.ExternalTenants != nil && strings.EqualFold(g.ExternalTenants.MembershipKind, "enumerated") {
		out.AllTenants, out.TenantIDs = false, g.ExternalTenants.Members
	}
	return out
}

func (w wirePolicy) toPolicy() diagnosis.Policy {
	c := w.Conditions
	p := diagnosis.Policy{ID: w.ID, DisplayName: w.DisplayName, State: diagnosis.PolicyState(w.State), TemplateID: w.TemplateID,
		// Microsoft names the policies it creates "Microsoft-managed: …".
		ManagedByMicrosoft: strings.HasPrefix(w.DisplayName, "Microsoft-managed")}
	for _, t := range []struct {
		s   string
		dst **time.Time
	}{{w.CreatedDateTime, &p.CreatedDateTime}, {w.ModifiedDateTime, &p.ModifiedDateTime}} {
		if at, err := time.Parse(time.RFC3339, t.s); err == nil {
			*t.dst = &at
		}
	}
	p.Conditions = diagnosis.Conditions{
		Users: diagnosis.UserConditions{
			IncludeUsers: c.Users.IncludeUsers, ExcludeUsers: c.Users.ExcludeUsers,
			IncludeGroups: c.Users.IncludeGroups, ExcludeGroups: c.Users.ExcludeGroups,
			IncludeRoles: c.Users.IncludeRoles, ExcludeRoles: c.Users.ExcludeRoles,
			IncludeGuests: c.Users.IncludeGuests.toGuest(), ExcludeGuests: c.Users.ExcludeGuests.toGuest(),
		},
		Applications: diagnosis.AppConditions{
			IncludeApplications: c.Applications.IncludeApplications, ExcludeApplications: c.Applications.ExcludeApplications,
			IncludeUserActions: c.Applications.IncludeUserActions, IncludeAuthContexts: c.Applications.IncludeAuthContexts,
		},
		ClientAppTypes:       c.ClientAppTypes,
		UserRisk:             c.UserRiskLevels,
		SignInRisk:           c.SignInRiskLevels,
		ServicePrincipalRisk: c.ServicePrincipalRiskLevels,
		InsiderRisk:          flags(c.InsiderRiskLevels),
	}
	if f := c.AuthenticationFlows; f != nil && f.TransferMethods != "" {
		p.Conditions.AuthenticationFlows = &diagnosis.AuthenticationFlows{TransferMethods: flags(f.TransferMethods)}
	}
	if f := c.Applications.ApplicationFilter; f != nil {
		p.Conditions.Applications.ApplicationFilter = &diagnosis.Filter{Mode: f.Mode, Rule: f.Rule}
	}
	if c.Platforms != nil {
		p.Conditions.Platforms = &diagnosis.PlatformConditions{Include: c.Platforms.IncludePlatforms, Exclude: c.Platforms.ExcludePlatforms}
	}
	if c.Locations != nil {
		p.Conditions.Locations = &diagnosis.LocationConditions{Include: c.Locations.IncludeLocations, Exclude: c.Locations.ExcludeLocations}
	}
	if c.Devices != nil && c.Devices.DeviceFilter != nil {
		p.Conditions.Devices = &diagnosis.DeviceConditions{FilterMode: c.Devices.DeviceFilter.Mode, FilterRule: c.Devices.DeviceFilter.Rule}
	}
	if c.ClientApplications != nil {
		p.Conditions.ClientApps = &diagnosis.ClientAppsConditions{
			IncludeServicePrincipals: c.ClientApplications.IncludeServicePrincipals,
			ExcludeServicePrincipals: c.ClientApplications.ExcludeServicePrincipals,
		}
	}
	if g := w.GrantControls; g != nil {
		p.Grant = &diagnosis.GrantControls{Operator: g.Operator, BuiltInControls: g.BuiltInControls,
			TermsOfUse: g.TermsOfUse, CustomAuthenticationFactors: g.CustomAuthenticationFactors}
		if g.AuthenticationStrength != nil {
			as := g.AuthenticationStrength
			p.Grant.AuthenticationStrength = &diagnosis.AuthenticationStrength{ID: as.ID, DisplayName: as.DisplayName,
				Description: as.Description, PolicyType: as.PolicyType, RequirementsSatisfied: as.RequirementsSatisfied,
				AllowedCombinations: as.AllowedCombinations}
		}
	}
	if s := w.SessionControls; s != nil {
		p.Session = &diagnosis.SessionControls{}
		if f := s.SignInFrequency; f != nil {
			sif := &diagnosis.SignInFrequency{IsEnabled: f.IsEnabled, Interval: f.FrequencyInterval, Type: f.Type}
			if f.Value != nil {
				sif.Value = *f.Value
			}
			if sif.Interval == "" {
				sif.Interval = "timeBased"
			}
			p.Session.SignInFrequency = sif
		}
		if b := s.PersistentBrowser; b != nil && b.IsEnabled {
			p.Session.PersistentBrowserMode = b.Mode
		}
		if a := s.ApplicationEnforcedRestrictions; a != nil {
			p.Session.ApplicationEnforcedRestrictions = a.IsEnabled
		}
		if a := s.CloudAppSecurity; a != nil {
			p.Session.CloudAppSecurity = a.IsEnabled
		}
		if s.DisableResilienceDefaults != nil {
			p.Session.DisableResilienceDefaults = *s.DisableResilienceDefaults
		}
	}
	return p
}

type wireNamedLocation struct {
	ID          string `json:"id"`
	DisplayName string `json:"displayName"`
	ODataType   string `json:"@odata.type"`
	IsTrusted   bool   `json:"isTrusted"`
	IPRanges    []struct {
		CIDRAddress string `json:"cidrAddress"`
	} `json:"ipRanges"`
	CountriesAndRegions               []string `json:"countriesAndRegions"`
	IncludeUnknownCountriesAndRegions bool     `json:"includeUnknownCountriesAndRegions"`
}

func (w wireNamedLocation) toNamedLocation() diagnosis.NamedLocation {
	l := diagnosis.NamedLocation{ID: w.ID, DisplayName: w.DisplayName, IsTrusted: w.IsTrusted}
	if strings.Contains(strings.ToLower(w.ODataType), "country") {
		l.Kind = "country"
		l.Countries = w.CountriesAndRegions
		l.IncludeUnknownCountries = w.IncludeUnknownCountriesAndRegions
		return l
	}
	l.Kind = "ip"
	for _, r := range w.IPRanges {
		l.IPRanges = append(l.IPRanges, r.CIDRAddress)
	}
	return l
}

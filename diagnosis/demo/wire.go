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

type wireSignIn struct {
	ID                      string   `json:"id"`
	CreatedDateTime         string   `json:"createdDateTime"`
	UserDisplayName         string   `json:"userDisplayName"`
	UserPrincipalName       string   `json:"userPrincipalName"`
	UserID                  string   `json:"userId"`
	AppID                   string   `json:"appId"`
	AppDisplayName          string   `json:"appDisplayName"`
	IPAddress               string   `json:"ipAddress"`
	ClientAppUsed           string   `json:"clientAppUsed"`
	CorrelationID           string   `json:"correlationId"`
	ConditionalAccessStatus string   `json:"conditionalAccessStatus"`
	IsInteractive           *bool    `json:"isInteractive"`
	RiskDetail              string   `json:"riskDetail"`
	RiskLevelAggregated     string   `json:"riskLevelAggregated"`
	RiskLevelDuringSignIn   string   `json:"riskLevelDuringSignIn"`
	RiskState               string   `json:"riskState"`
	RiskEventTypes          []string `json:"riskEventTypes_v2"`
	ResourceDisplayName     string   `json:"resourceDisplayName"`
	ResourceID              string   `json:"resourceId"`
	SignInEventTypes        []string `json:"signInEventTypes"`
	Status                  struct {
		ErrorCode         int    `json:"errorCode"`
		FailureReason     string `json:"failureReason"`
		AdditionalDetails string `json:"additionalDetails"`
	} `json:"status"`
	DeviceDetail struct {
		DeviceID        string `json:"deviceId"`
		DisplayName     string `json:"displayName"`
		OperatingSystem string `json:"operatingSystem"`
		Browser         string `json:"browser"`
		IsCompliant     bool   `json:"isCompliant"`
		IsManaged       bool   `json:"isManaged"`
		TrustType       string `json:"trustType"`
	} `json:"deviceDetail"`
	Location struct {
		City            string `json:"city"`
		State           string `json:"state"`
		CountryOrRegion string `json:"countryOrRegion"`
	} `json:"location"`
	AppliedConditionalAccessPolicies []struct {
		ID                      string   `json:"id"`
		DisplayName             string   `json:"displayName"`
		EnforcedGrantControls   []string `json:"enforcedGrantControls"`
		EnforcedSessionControls []string `json:"enforcedSessionControls"`
		Result                  string   `json:"result"`
		AuthenticationStrength  *struct {
			ID     string `json:"authenticationStrengthId"`
			Name   string `json:"displayName"`
			Result string `json:"authenticationStrengthResult"`
		} `json:"authenticationStrength"`
		ConditionsSatisfied         string              `json:"conditionsSatisfied"` // flags
		ConditionsNotSatisfied      string              `json:"conditionsNotSatisfied"`
		IncludeRulesSatisfied       []wireRuleSatisfied `json:"includeRulesSatisfied"`
		ExcludeRulesSatisfied       []wireRuleSatisfied `json:"excludeRulesSatisfied"`
		SessionControlsNotSatisfied []string            `json:"sessionControlsNotSatisfied"`
	} `json:"appliedConditionalAccessPolicies"`

	AuthenticationDetails []struct {
		Method           string `json:"authenticationMethod"`
		MethodDetail     string `json:"authenticationMethodDetail"`
		StepDateTime     string `json:"authenticationStepDateTime"`
		StepRequirement  string `json:"authenticationStepRequirement"`
		StepResultDetail string `json:"authenticationStepResultDetail"`
		Succeeded        bool   `json:"succeeded"`
	} `json:"authenticationDetails"`
	AuthenticationRequirement         string `json:"authenticationRequirement"`
	AuthenticationRequirementPolicies []struct {
		RequirementProvider string `json:"requirementProvider"`
		Detail              string `json:"detail"`
	} `json:"authenticationRequirementPolicies"`
	AuthenticationProtocol string `json:"authenticationProtocol"`
	OriginalTransferMethod string `json:"originalTransferMethod"`
	HomeTenantID           string `json:"homeTenantId"`
	ResourceTenantID       string `json:"resourceTenantId"`
	CrossTenantAccessType  string `json:"crossTenantAccessType"`
	NetworkLocationDetails []struct {
		NetworkType  string   `json:"networkType"`
		NetworkNames []string `json:"networkNames"`
	} `json:"networkLocationDetails"`
}

type wireRuleSatisfied struct {
	Condition string `json:"conditionalAccessCondition"`
	Rule      string `json:"ruleSatisfied"`
}

// flags splits one of Graph's flag enums ("minor,moderate"); "none" and
// empty are no flags.
func flags(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" && f != "none" {
			out = append(out, f)
		}
	}
	return out
}

func rules(in []wireRuleSatisfied) []diagnosis.RuleSatisfied {
	var out []diagnosis.RuleSatisfied
	for _, r := range in {
		out = append(out, diagnosis.RuleSatisfied{Condition: r.Condition, Rule: r.Rule})
	}
	return out
}

func (w wireSignIn) toSignIn(now time.Time) (diagnosis.SignIn, error) {
	at, err := relativeTime(w.CreatedDateTime, now)
	if err != nil {
		return diagnosis.SignIn{}, err
	}
	s := diagnosis.SignIn{
		ID: w.ID, CreatedDateTime: at, UserID: w.UserID, UserPrincipalName: w.UserPrincipalName,
		UserDisplayName: w.UserDisplayName, AppID: w.AppID, AppDisplayName: w.AppDisplayName,
		ResourceID: w.ResourceID, ResourceDisplayName: w.ResourceDisplayName, IPAddress: w.IPAddress,
		ClientAppUsed: w.ClientAppUsed, CorrelationID: w.CorrelationID, ConditionalAccessStatus: w.ConditionalAccessStatus,
		EventTypes: w.SignInEventTypes, ErrorCode: w.Status.ErrorCode, FailureReason: w.Status.FailureReason,
		AdditionalDetails: w.Status.AdditionalDetails,
		Device: diagnosis.Device{DeviceID: w.DeviceDetail.DeviceID, DisplayName: w.DeviceDetail.DisplayName,
			OperatingSystem: w.DeviceDetail.OperatingSystem, Browser: w.DeviceDetail.Browser,
			IsCompliant: w.DeviceDetail.IsCompliant, IsManaged: w.DeviceDetail.IsManaged, TrustType: w.DeviceDetail.TrustType},
		Location:   diagnosis.Location{City: w.Location.City, State: w.Location.State, CountryOrRegion: w.Location.CountryOrRegion},
		RiskDetail: w.RiskDetail, RiskLevelAggregated: w.RiskLevelAggregated, RiskLevelDuringSignIn: w.RiskLevelDuringSignIn,
		RiskState: w.RiskState, RiskEventTypes: w.RiskEventTypes,
	}
	s.Interactive = w.IsInteractive == nil || *w.IsInteractive
	for _, p := range w.AppliedConditionalAccessPolicies {
		ap := diagnosis.AppliedPolicy{ID: p.ID, DisplayName: p.DisplayName,
			EnforcedGrantControls: p.EnforcedGrantControls, EnforcedSessionControls: p.EnforcedSessionControls, Result: p.Result,
			ConditionsSatisfied: flags(p.ConditionsSatisfied), ConditionsNotSatisfied: flags(p.ConditionsNotSatisfied),
			IncludeRulesSatisfied: rules(p.IncludeRulesSatisfied), ExcludeRulesSatisfied: rules(p.ExcludeRulesSatisfied),
			SessionControlsNotSatisfied: p.SessionControlsNotSatisfied}
		if a := p.AuthenticationStrength; a != nil {
			ap.AuthenticationStrength = &diagnosis.AppliedAuthenticationStrength{ID: a.ID, DisplayName: a.Name, Result: a.Result}
		}
		s.AppliedPolicies = append(s.AppliedPolicies, ap)
	}
	for _, a := range w.AuthenticationDetails {
		d := diagnosis.AuthenticationDetail{Method: a.Method, MethodDetail: a.MethodDetail, StepRequirement: a.StepRequirement,
			StepResultDetail: a.StepResultDetail, Succeeded: a.Succeeded}
		if a.StepDateTime != "" {
			if d.StepDateTime, err = relativeTime(a.StepDateTime, now); err != nil {
				return diagnosis.SignIn{}, err
			}
		}
		s.AuthenticationDetails = append(s.AuthenticationDetails, d)
	}
	for _, p := range w.AuthenticationRequirementPolicies {
		s.AuthenticationRequirementPolicies = append(s.AuthenticationRequirementPolicies,
			diagnosis.RequirementPolicy{RequirementProvider: p.RequirementProvider, Detail: p.Detail})
	}
	for _, n := range w.NetworkLocationDetails {
		s.NetworkLocationDetails = append(s.NetworkLocationDetails, diagnosis.NetworkLocationDetail{NetworkType: n.NetworkType, NetworkNames: n.NetworkNames})
	}
	s.AuthenticationRequirement, s.AuthenticationProtocol, s.OriginalTransferMethod =
		w.AuthenticationRequirement, w.AuthenticationProtocol, w.OriginalTransferMethod
	s.HomeTenantID, s.ResourceTenantID, s.CrossTenantAccessType = w.HomeTenantID, w.ResourceTenantID, w.CrossTenantAccessType
	return s, nil
}

package graphjson

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/onboard-check/onboard-check/diagnosis"
)

// PolicyPage is one page of Conditional Access policies, decoded from the
// raw JSON into this package's types: msgraph-sdk-go v1.89 turns an enum value it does not know into the
// enum's first member (a grant control riskRemediation reads as block, an
// unknown platform as android, an unknown client app type as all), and its
// v1.0 model has no beta-only condition. Here every value stays verbatim;
// the engine shows what it does not know as "unknown (value)".
// https://learn.microsoft.com/graph/api/resources/conditionalaccesspolicy?view=graph-rest-beta
// https://learn.microsoft.com/graph/api/resources/conditionalaccessconditionset?view=graph-rest-beta
type PolicyPage struct {
	NextLink string    `json:"@odata.nextLink"`
	Value    []*Policy `json:"value"`
}

// Policy is one conditionalAccessPolicy.
type Policy struct {
	ID               string      `json:"id"`
	DisplayName      string      `json:"displayName"`
	State            string      `json:"state"`
	TemplateID       string      `json:"templateId"`
	CreatedDateTime  string      `json:"createdDateTime"`
	ModifiedDateTime string      `json:"modifiedDateTime"`
	Conditions       *Conditions `json:"conditions"`
	GrantControls    *Grant      `json:"grantControls"`
	SessionControls  *Session    `json:"sessionControls"`
}

// Conditions is a conditionalAccessConditionSet.
type Conditions struct {
	Users        *Users `json:"users"`
	Applications *struct {
		IncludeApplications []string `json:"includeApplications"`
		ExcludeApplications []string `json:"excludeApplications"`
		IncludeUserActions  []string `json:"includeUserActions"`
		IncludeAuthContexts []string `json:"includeAuthenticationContextClassReferences"`
		ApplicationFilter   *Filter  `json:"applicationFilter"`
	} `json:"applications"`
	ClientAppTypes []string `json:"clientAppTypes"`
	Platforms      *struct {
		Include []string `json:"includePlatforms"`
		Exclude []string `json:"excludePlatforms"`
	} `json:"platforms"`
	Locations *struct {
		Include []string `json:"includeLocations"`
		Exclude []string `json:"excludeLocations"`
	} `json:"locations"`
	Devices *struct {
		DeviceFilter *Filter `json:"deviceFilter"`
	} `json:"devices"`
	UserRiskLevels             []string        `json:"userRiskLevels"`
	SignInRiskLevels           []string        `json:"signInRiskLevels"`
	ServicePrincipalRiskLevels []string        `json:"servicePrincipalRiskLevels"`
	InsiderRiskLevels          json.RawMessage `json:"insiderRiskLevels"`
	AuthenticationFlows        *struct {
		TransferMethods json.RawMessage `json:"transferMethods"`
	} `json:"authenticationFlows"`
	ClientApplications *struct {
		IncludeServicePrincipals []string `json:"includeServicePrincipals"`
		ExcludeServicePrincipals []string `json:"excludeServicePrincipals"`
	} `json:"clientApplications"`
}

// Users is conditionalAccessUsers.
type Users struct {
	IncludeUsers  []string `json:"includeUsers"`
	ExcludeUsers  []string `json:"excludeUsers"`
	IncludeGroups []string `json:"includeGroups"`
	ExcludeGroups []string `json:"excludeGroups"`
	IncludeRoles  []string `json:"includeRoles"`
	ExcludeRoles  []string `json:"excludeRoles"`
	IncludeGuests *Guests  `json:"includeGuestsOrExternalUsers"`
	ExcludeGuests *Guests  `json:"excludeGuestsOrExternalUsers"`
}

// Guests is conditionalAccessGuestsOrExternalUsers: a flags value of
// guest kinds and either all external tenants or an enumerated list.
// https://learn.microsoft.com/graph/api/resources/conditionalaccessguestsorexternalusers
type Guests struct {
	Types           json.RawMessage `json:"guestOrExternalUserTypes"`
	ExternalTenants *struct {
		ODataType      string   `json:"@odata.type"`
		MembershipKind string   `json:"membershipKind"`
		Members        []string `json:"members"`
	} `json:"externalTenants"`
}

// guestTypeNames are conditionalAccessGuestOrExternalUserTypes in bit
// order (none is 0), for a value sent as a number.
var guestTypeNames = []string{"internalGuest", "b2bCollaborationGuest", "b2bCollaborationMember",
	"b2bDirectConnectUser", "otherExternalUser", "serviceProvider", "unknownFutureValue"}

// insiderRiskNames and transferMethodNames are the flags members of
// conditionalAccessInsiderRiskLevels and conditionalAccessTransferMethods.
var (
	insiderRiskNames    = []string{"minor", "moderate", "elevated", "unknownFutureValue"}
	transferMethodNames = []string{"deviceCodeFlow", "authenticationTransfer", "unknownFutureValue"}
)

// Filter is a conditionalAccessFilter (device or application).
type Filter struct {
	Mode string `json:"mode"`
	Rule string `json:"rule"`
}

// Grant is conditionalAccessGrantControls.
type Grant struct {
	Operator                    string    `json:"operator"`
	BuiltInControls             []string  `json:"builtInControls"`
	CustomAuthenticationFactors []string  `json:"customAuthenticationFactors"`
	TermsOfUse                  []string  `json:"termsOfUse"`
	AuthenticationStrength      *Strength `json:"authenticationStrength"`
}

// Strength is an authenticationStrengthPolicy, inline in a policy's
// grant controls or read on its own.
// https://learn.microsoft.com/graph/api/resources/authenticationstrengthpolicy
type Strength struct {
	ID                    string   `json:"id"`
	DisplayName           string   `json:"displayName"`
	Description           string   `json:"description"`
	PolicyType            string   `json:"policyType"`
	RequirementsSatisfied string   `json:"requirementsSatisfied"`
	AllowedCombinations   []string `json:"allowedCombinations"`
}

// Session is conditionalAccessSessionControls.
type Session struct {
	SignInFrequency *struct {
		IsEnabled         *bool  `json:"isEnabled"`
		FrequencyInterval string `json:"frequencyInterval"`
		Type              string `json:"type"`
		Value             *int   `json:"value"`
	} `json:"signInFrequency"`
	PersistentBrowser *struct {
		IsEnabled *bool  `json:"isEnabled"`
		Mode      string `json:"mode"`
	} `json:"persistentBrowser"`
	ApplicationEnforcedRestrictions *struct {
		IsEnabled *bool `json:"isEnabled"`
	} `json:"applicationEnforcedRestrictions"`
	CloudAppSecurity *struct {
		IsEnabled *bool `json:"isEnabled"`
	} `json:"cloudAppSecurity"`
	DisableResilienceDefaults *bool `json:"disableResilienceDefaults"`
}

// DecodePolicies decodes one page of Conditional Access policies.
func DecodePolicies(body []byte) ([]diagnosis.Policy, string, error) {
	var page PolicyPage
	if err := DecodeObject(body, &page); err != nil {
		return nil, "", fmt.Errorf("decode policies: %w", err)
	}
	out := make([]diagnosis.Policy, 0, len(page.Value))
	for _, w := range page.Value {
		if w != nil {
			out = append(out, ToPolicy(*w))
		}
	}
	return out, page.NextLink, nil
}

// DecodeStrength decodes one authenticationStrengthPolicy.
func DecodeStrength(body []byte) (Strength, error) {
	var w Strength
	if err := DecodeObject(body, &w); err != nil {
		return w, fmt.Errorf("decode authentication strength: %w", err)
	}
	if w.ID == "" {
		return w, errors.New("decode authentication strength: no id")
	}
	return w, nil
}

// ToPolicy converts a conditionalAccessPolicy into the domain's policy.
func ToPolicy(w Policy) diagnosis.Policy {
	p := diagnosis.Policy{ID: w.ID, DisplayName: w.DisplayName, State: diagnosis.PolicyState(w.State)}
	if w.Conditions != nil {
		p.Conditions = toConditions(*w.Conditions)
	}
	if g := w.GrantControls; g != nil {
		p.Grant = &diagnosis.GrantControls{
			Operator:                    g.Operator,
			BuiltInControls:             NonEmpty(g.BuiltInControls),
			TermsOfUse:                  NonEmpty(g.TermsOfUse),
			CustomAuthenticationFactors: NonEmpty(g.CustomAuthenticationFactors),
		}
		if a := g.AuthenticationStrength; a != nil && a.ID != "" {
			p.Grant.AuthenticationStrength = ToStrength(*a)
		}
	}
	if w.SessionControls != nil {
		p.Session = toSession(*w.SessionControls)
	}
	policyEvidence(w, &p)
	return p
}

func toConditions(c Conditions) diagnosis.Conditions {
	out := diagnosis.Conditions{
		ClientAppTypes: NonEmpty(c.ClientAppTypes),
		UserRisk:       NonEmpty(c.UserRiskLevels),
		SignInRisk:     NonEmpty(c.SignInRiskLevels),
	}
	if u := c.Users; u != nil {
		out.Users = diagnosis.UserConditions{
			IncludeUsers:  NonEmpty(u.IncludeUsers),
			ExcludeUsers:  NonEmpty(u.ExcludeUsers),
			IncludeGroups: NonEmpty(u.IncludeGroups),
			ExcludeGroups: NonEmpty(u.ExcludeGroups),
			IncludeRoles:  NonEmpty(u.IncludeRoles),
			ExcludeRoles:  NonEmpty(u.ExcludeRoles),
			IncludeGuests: toGuests(u.IncludeGuests),
			ExcludeGuests: toGuests(u.ExcludeGuests),
		}
	}
	if a := c.Applications; a != nil {
		out.Applications = diagnosis.AppConditions{
			IncludeApplications: NonEmpty(a.IncludeApplications),
			ExcludeApplications: NonEmpty(a.ExcludeApplications),
			IncludeUserActions:  NonEmpty(a.IncludeUserActions),
			IncludeAuthContexts: NonEmpty(a.IncludeAuthContexts),
		}
	}
	if pl := c.Platforms; pl != nil {
		out.Platforms = &diagnosis.PlatformConditions{Include: NonEmpty(pl.Include), Exclude: NonEmpty(pl.Exclude)}
	}
	if l := c.Locations; l != nil {
		out.Locations = &diagnosis.LocationConditions{Include: NonEmpty(l.Include), Exclude: NonEmpty(l.Exclude)}
	}
	if d := c.Devices; d != nil && d.DeviceFilter != nil {
		out.Devices = &diagnosis.DeviceConditions{FilterMode: d.DeviceFilter.Mode, FilterRule: d.DeviceFilter.Rule}
	}
	if ca := c.ClientApplications; ca != nil {
		out.ClientApps = &diagnosis.ClientAppsConditions{
			IncludeServicePrincipals: NonEmpty(ca.IncludeServicePrincipals),
			ExcludeServicePrincipals: NonEmpty(ca.ExcludeServicePrincipals),
		}
	}
	conditionsEvidence(c, &out)
	return out
}

// toGuests reads includeGuestsOrExternalUsers: guestOrExternalUserTypes is
// one flags value, and externalTenants is either all tenants or an
// enumerated list (conditionalAccessEnumeratedExternalTenants).
func toGuests(g *Guests) *diagnosis.GuestCondition {
	if g == nil {
		return nil
	}
	out := &diagnosis.GuestCondition{AllTenants: true, Types: FlagNames(g.Types, guestTypeNames)}
	if len(out.Types) == 0 {
		return nil
	}
	if t := g.ExternalTenants; t != nil {
		if strings.EqualFold(t.MembershipKind, "enumerated") || strings.HasSuffix(t.ODataType, "conditionalAccessEnumeratedExternalTenants") {
			out.AllTenants, out.TenantIDs = false, NonEmpty(t.Members)
		}
	}
	return out
}

func toSession(s Session) *diagnosis.SessionControls {
	out := &diagnosis.SessionControls{DisableResilienceDefaults: isTrue(s.DisableResilienceDefaults)}
	if f := s.SignInFrequency; f != nil {
		out.SignInFrequency = &diagnosis.SignInFrequency{IsEnabled: isTrue(f.IsEnabled), Interval: f.FrequencyInterval, Type: f.Type}
		if f.Value != nil {
			out.SignInFrequency.Value = *f.Value
		}
	}
	if b := s.PersistentBrowser; b != nil && isTrue(b.IsEnabled) {
		out.PersistentBrowserMode = b.Mode
	}
	if a := s.ApplicationEnforcedRestrictions; a != nil {
		out.ApplicationEnforcedRestrictions = isTrue(a.IsEnabled)
	}
	if a := s.CloudAppSecurity; a != nil {
		out.CloudAppSecurity = isTrue(a.IsEnabled)
	}
	return out
}

func isTrue(p *bool) bool { return p != nil && *p }

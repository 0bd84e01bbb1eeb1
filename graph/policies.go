package graph

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/microsoftgraph/msgraph-sdk-go/models"

	"github.com/onboard-check/onboard-check/diagnosis"
)

// Conditional Access policies are decoded from the raw JSON into our own
// types: msgraph-sdk-go v1.89 turns an enum value it does not know into the
// enum's first member (a grant control riskRemediation reads as block, an
// unknown platform as android, an unknown client app type as all), and its
// v1.0 model has no beta-only condition. Here every value stays verbatim;
// the engine shows what it does not know as "unknown (value)".
// https://learn.microsoft.com/graph/api/resources/conditionalaccesspolicy?view=graph-rest-beta
// https://learn.microsoft.com/graph/api/resources/conditionalaccessconditionset?view=graph-rest-beta
type policyPage struct {
	NextLink string        `json:"@odata.nextLink"`
	Value    []*policyWire `json:"value"`
}

type policyWire struct {
	ID               string          `json:"id"`
	DisplayName      string          `json:"displayName"`
	State            string          `json:"state"`
	TemplateID       string          `json:"templateId"`
	CreatedDateTime  string          `json:"createdDateTime"`
	ModifiedDateTime string          `json:"modifiedDateTime"`
	Conditions       *conditionsWire `json:"conditions"`
	GrantControls    *grantWire      `json:"grantControls"`
	SessionControls  *sessionWire    `json:"sessionControls"`
}

type conditionsWire struct {
	Users        *usersWire `json:"users"`
	Applications *struct {
		IncludeApplications []string    `json:"includeApplications"`
		ExcludeApplications []string    `json:"excludeApplications"`
		IncludeUserActions  []string    `json:"includeUserActions"`
		IncludeAuthContexts []string    `json:"includeAuthenticationContextClassReferences"`
		ApplicationFilter   *filterWire `json:"applicationFilter"`
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
		DeviceFilter *filterWire `json:"deviceFilter"`
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

type usersWire struct {
	IncludeUsers  []string    `json:"includeUsers"`
	ExcludeUsers  []string    `json:"excludeUsers"`
	IncludeGroups []string    `json:"includeGroups"`
	ExcludeGroups []string    `json:"excludeGroups"`
	IncludeRoles  []string    `json:"includeRoles"`
	ExcludeRoles  []string    `json:"excludeRoles"`
	IncludeGuests *guestsWire `json:"includeGuestsOrExternalUsers"`
	ExcludeGuests *guestsWire `json:"excludeGuestsOrExternalUsers"`
}

// guestsWire is conditionalAccessGuestsOrExternalUsers: a flags value of
// guest kinds and either all external tenants or an enumerated list.
// https://learn.microsoft.com/graph/api/resources/conditionalaccessguestsorexternalusers
type guestsWire struct {
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

type filterWire struct {
	Mode string `json:"mode"`
	Rule string `json:"rule"`
}

type grantWire struct {
	Operator                    string        `json:"operator"`
	BuiltInControls             []string      `json:"builtInControls"`
	CustomAuthenticationFactors []string      `json:"customAuthenticationFactors"`
	TermsOfUse                  []string      `json:"termsOfUse"`
	AuthenticationStrength      *strengthWire `json:"authenticationStrength"`
}

// strengthWire is an authenticationStrengthPolicy, inline in a policy's
// grant controls or read on its own.
// https://learn.microsoft.com/graph/api/resources/authenticationstrengthpolicy
type strengthWire struct {
	ID                    string   `json:"id"`
	DisplayName           string   `json:"displayName"`
	Description           string   `json:"description"`
	PolicyType            string   `json:"policyType"`
	RequirementsSatisfied string   `json:"requirementsSatisfied"`
	AllowedCombinations   []string `json:"allowedCombinations"`
}

type sessionWire struct {
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

func decodePolicies(body []byte) ([]diagnosis.Policy, string, error) {
	var page policyPage
	if err := decodeObject(body, &page); err != nil {
		return nil, "", fmt.Errorf("decode policies: %w", err)
	}
	out := make([]diagnosis.Policy, 0, len(page.Value))
	for _, w := range page.Value {
		if w != nil {
			out = append(out, toPolicy(*w))
		}
	}
	return out, page.NextLink, nil
}

// decodeStrength decodes one authenticationStrengthPolicy.
func decodeStrength(body []byte) (strengthWire, error) {
	var w strengthWire
	if err := decodeObject(body, &w); err != nil {
		return w, fmt.Errorf("decode authentication strength: %w", err)
	}
	if w.ID == "" {
		return w, errors.New("decode authentication strength: no id")
	}
	return w, nil
}

func toPolicy(w policyWire) diagnosis.Policy {
	p := diagnosis.Policy{ID: w.ID, DisplayName: w.DisplayName, State: diagnosis.PolicyState(w.State)}
	if w.Conditions != nil {
		p.Conditions = toConditions(*w.Conditions)
	}
	if g := w.GrantControls; g != nil {
		p.Grant = &diagnosis.GrantControls{
			Operator:                    g.Operator,
			BuiltInControls:             nonEmpty(g.BuiltInControls),
			TermsOfUse:                  nonEmpty(g.TermsOfUse),
			CustomAuthenticationFactors: nonEmpty(g.CustomAuthenticationFactors),
		}
		if a := g.AuthenticationStrength; a != nil && a.ID != "" {
			p.Grant.AuthenticationStrength = toStrength(*a)
		}
	}
	if w.SessionControls != nil {
		p.Session = toSession(*w.SessionControls)
	}
	policyEvidence(w, &p)
	return p
}

func toConditions(c conditionsWire) diagnosis.Conditions {
	out := diagnosis.Conditions{
		ClientAppTypes: nonEmpty(c.ClientAppTypes),
		UserRisk:       nonEmpty(c.UserRiskLevels),
		SignInRisk:     nonEmpty(c.SignInRiskLevels),
	}
	if u := c.Users; u != nil {
		out.Users = diagnosis.UserConditions{
			IncludeUsers:  nonEmpty(u.IncludeUsers),
			ExcludeUsers:  nonEmpty(u.ExcludeUsers),
			IncludeGroups: nonEmpty(u.IncludeGroups),
			ExcludeGroups: nonEmpty(u.ExcludeGroups),
			IncludeRoles:  nonEmpty(u.IncludeRoles),
			ExcludeRoles:  nonEmpty(u.ExcludeRoles),
			IncludeGuests: toGuests(u.IncludeGuests),
			ExcludeGuests: toGuests(u.ExcludeGuests),
		}
	}
	if a := c.Applications; a != nil {
		out.Applications = diagnosis.AppConditions{
			IncludeApplications: nonEmpty(a.IncludeApplications),
			ExcludeApplications: nonEmpty(a.ExcludeApplications),
			IncludeUserActions:  nonEmpty(a.IncludeUserActions),
			IncludeAuthContexts: nonEmpty(a.IncludeAuthContexts),
		}
	}
	if pl := c.Platforms; pl != nil {
		out.Platforms = &diagnosis.PlatformConditions{Include: nonEmpty(pl.Include), Exclude: nonEmpty(pl.Exclude)}
	}
	if l := c.Locations; l != nil {
		out.Locations = &diagnosis.LocationConditions{Include: nonEmpty(l.Include), Exclude: nonEmpty(l.Exclude)}
	}
	if d := c.Devices; d != nil && d.DeviceFilter != nil {
		out.Devices = &diagnosis.DeviceConditions{FilterMode: d.DeviceFilter.Mode, FilterRule: d.DeviceFilter.Rule}
	}
	if ca := c.ClientApplications; ca != nil {
		out.ClientApps = &diagnosis.ClientAppsConditions{
			IncludeServicePrincipals: nonEmpty(ca.IncludeServicePrincipals),
			ExcludeServicePrincipals: nonEmpty(ca.ExcludeServicePrincipals),
		}
	}
	conditionsEvidence(c, &out)
	return out
}

// toGuests reads includeGuestsOrExternalUsers: guestOrExternalUserTypes is
// one flags value, and externalTenants is either all tenants or an
// enumerated list (conditionalAccessEnumeratedExternalTenants).
func toGuests(g *guestsWire) *diagnosis.GuestCondition {
	if g == nil {
		return nil
	}
	out := &diagnosis.GuestCondition{AllTenants: true, Types: flagNames(g.Types, guestTypeNames)}
	if len(out.Types) == 0 {
		return nil
	}
	if t := g.ExternalTenants; t != nil {
		if strings.EqualFold(t.MembershipKind, "enumerated") || strings.HasSuffix(t.ODataType, "conditionalAccessEnumeratedExternalTenants") {
			out.AllTenants, out.TenantIDs = false, nonEmpty(t.Members)
		}
	}
	return out
}

func toSession(s sessionWire) *diagnosis.SessionControls {
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
			// IPv4CidrRangeable and IPv6CidrRangeable have the same methods:
			// one interface reads both.
			if c, ok := r.(interface{ GetCidrAddress() *string }); ok {
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

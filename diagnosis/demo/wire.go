package demo

import (
	"strings"

	"github.com/onboard-check/onboard-check/diagnosis"
	"github.com/onboard-check/onboard-check/internal/graphjson"
)

// A tenant file holds Microsoft Graph's JSON for each object. Policies and
// sign-ins are read by internal/graphjson, the decoder the graph package
// uses too; the tenant's own shape (users with their memberships, faults,
// expectations) is read here. The rest of the product sees only diagnosis
// types.

type wireTenant struct {
	Name           string              `json:"name"`
	Description    string              `json:"description"`
	Users          []wireUser          `json:"users"`
	Groups         []wireGroup         `json:"groups"`
	Roles          []wireRole          `json:"roles"`
	Policies       []graphjson.Policy  `json:"policies"`
	NamedLocations []wireNamedLocation `json:"namedLocations"`
	SignIns        []graphjson.SignIn  `json:"signIns"`
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

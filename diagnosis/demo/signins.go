package demo

import (
	"strings"
	"time"

	"github.com/onboard-check/onboard-check/diagnosis"
)

// Sign-ins as the tenant file holds them: Graph's signIn JSON, with
// createdDateTime either RFC 3339 or "-N", N minutes before the tenant's clock.

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

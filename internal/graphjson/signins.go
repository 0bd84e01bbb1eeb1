package graphjson

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/onboard-check/onboard-check/diagnosis"
)

// SignInPage is one page of /auditLogs/signIns, v1.0 or beta. The SDK's
// models are not used here: they turn an enum value they do not know into
// the enum's first member and drop beta-only properties. Every enum is a
// string here and stays verbatim.
// https://learn.microsoft.com/graph/api/resources/signin?view=graph-rest-beta
type SignInPage struct {
	NextLink string    `json:"@odata.nextLink"`
	Value    []*SignIn `json:"value"`
}

// SignIn is one signIn record. CreatedDateTime and the authentication
// steps' times stay strings: ToSignIn parses them with ParseTime.
type SignIn struct {
	ID                      string   `json:"id"`
	CreatedDateTime         string   `json:"createdDateTime"`
	UserID                  string   `json:"userId"`
	UserPrincipalName       string   `json:"userPrincipalName"`
	UserDisplayName         string   `json:"userDisplayName"`
	AppID                   string   `json:"appId"`
	AppDisplayName          string   `json:"appDisplayName"`
	ResourceID              string   `json:"resourceId"`
	ResourceDisplayName     string   `json:"resourceDisplayName"`
	IPAddress               string   `json:"ipAddress"`
	ClientAppUsed           string   `json:"clientAppUsed"`
	CorrelationID           string   `json:"correlationId"`
	ConditionalAccessStatus string   `json:"conditionalAccessStatus"`
	IsInteractive           *bool    `json:"isInteractive"`
	SignInEventTypes        []string `json:"signInEventTypes"`

	Status struct {
		ErrorCode         LenientInt `json:"errorCode"`
		FailureReason     string     `json:"failureReason"`
		AdditionalDetails string     `json:"additionalDetails"`
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

	RiskDetail            string   `json:"riskDetail"`
	RiskLevelAggregated   string   `json:"riskLevelAggregated"`
	RiskLevelDuringSignIn string   `json:"riskLevelDuringSignIn"`
	RiskState             string   `json:"riskState"`
	RiskEventTypes        []string `json:"riskEventTypes"`
	RiskEventTypesV2      []string `json:"riskEventTypes_v2"`

	AppliedPolicies []AppliedPolicy `json:"appliedConditionalAccessPolicies"`

	// Evidence (beta, some also v1.0).
	AuthenticationDetails []struct {
		Method          string `json:"authenticationMethod"`
		MethodDetail    string `json:"authenticationMethodDetail"`
		StepDateTime    string `json:"authenticationStepDateTime"`
		StepRequirement string `json:"authenticationStepRequirement"`
		StepResult      string `json:"authenticationStepResultDetail"`
		Succeeded       *bool  `json:"succeeded"`
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

// AppliedPolicy is an appliedConditionalAccessPolicy.
// https://learn.microsoft.com/graph/api/resources/appliedconditionalaccesspolicy?view=graph-rest-beta
type AppliedPolicy struct {
	ID                          string          `json:"id"`
	DisplayName                 string          `json:"displayName"`
	EnforcedGrantControls       []string        `json:"enforcedGrantControls"`
	EnforcedSessionControls     []string        `json:"enforcedSessionControls"`
	Result                      string          `json:"result"`
	ConditionsSatisfied         json.RawMessage `json:"conditionsSatisfied"`
	ConditionsNotSatisfied      json.RawMessage `json:"conditionsNotSatisfied"`
	SessionControlsNotSatisfied []string        `json:"sessionControlsNotSatisfied"`
	IncludeRulesSatisfied       []Rule          `json:"includeRulesSatisfied"`
	ExcludeRulesSatisfied       []Rule          `json:"excludeRulesSatisfied"`
	AuthenticationStrength      *struct {
		ID          string `json:"authenticationStrengthId"`
		DisplayName string `json:"displayName"`
		Result      string `json:"authenticationStrengthResult"`
	} `json:"authenticationStrength"`
}

// Rule is a conditionalAccessRuleSatisfied; the condition is one member
// of the conditionalAccessConditions flags, by name or number.
type Rule struct {
	Condition json.RawMessage `json:"conditionalAccessCondition"`
	Rule      string          `json:"ruleSatisfied"`
}

// DecodeSignIns decodes one page of a sign-in log, v1.0 or beta.
func DecodeSignIns(body []byte) ([]diagnosis.SignIn, string, error) {
	var page SignInPage
	if err := DecodeObject(body, &page); err != nil {
		return nil, "", fmt.Errorf("decode sign-ins: %w", err)
	}
	out := make([]diagnosis.SignIn, 0, len(page.Value))
	for _, w := range page.Value {
		if w != nil {
			out = append(out, ToSignIn(*w))
		}
	}
	return out, page.NextLink, nil
}

// ToSignIn converts a signIn record into the domain's sign-in.
func ToSignIn(w SignIn) diagnosis.SignIn {
	s := diagnosis.SignIn{
		ID:                      w.ID,
		CreatedDateTime:         ParseTime(w.CreatedDateTime),
		UserID:                  w.UserID,
		UserPrincipalName:       w.UserPrincipalName,
		UserDisplayName:         w.UserDisplayName,
		AppID:                   w.AppID,
		AppDisplayName:          w.AppDisplayName,
		ResourceID:              w.ResourceID,
		ResourceDisplayName:     w.ResourceDisplayName,
		IPAddress:               w.IPAddress,
		ClientAppUsed:           w.ClientAppUsed,
		CorrelationID:           w.CorrelationID,
		ConditionalAccessStatus: w.ConditionalAccessStatus,
		EventTypes:              NonEmpty(w.SignInEventTypes),
		ErrorCode:               int(w.Status.ErrorCode),
		FailureReason:           w.Status.FailureReason,
		AdditionalDetails:       w.Status.AdditionalDetails,
		Device: diagnosis.Device{
			DeviceID:        w.DeviceDetail.DeviceID,
			DisplayName:     w.DeviceDetail.DisplayName,
			OperatingSystem: w.DeviceDetail.OperatingSystem,
			Browser:         w.DeviceDetail.Browser,
			IsCompliant:     w.DeviceDetail.IsCompliant,
			IsManaged:       w.DeviceDetail.IsManaged,
			TrustType:       w.DeviceDetail.TrustType,
		},
		Location:              diagnosis.Location{City: w.Location.City, State: w.Location.State, CountryOrRegion: w.Location.CountryOrRegion},
		RiskDetail:            w.RiskDetail,
		RiskLevelAggregated:   w.RiskLevelAggregated,
		RiskLevelDuringSignIn: w.RiskLevelDuringSignIn,
		RiskState:             w.RiskState,
		RiskEventTypes:        NonEmpty(w.RiskEventTypesV2),
	}
	// isInteractive is absent from some beta records; the event types say it.
	switch {
	case w.IsInteractive != nil:
		s.Interactive = *w.IsInteractive
	default:
		for _, t := range w.SignInEventTypes {
			if t == "interactiveUser" {
				s.Interactive = true
			}
		}
	}
	if len(s.RiskEventTypes) == 0 {
		s.RiskEventTypes = NonEmpty(w.RiskEventTypes)
	}
	for _, p := range w.AppliedPolicies {
		s.AppliedPolicies = append(s.AppliedPolicies, toAppliedPolicy(p))
	}
	signInEvidence(w, &s)
	return s
}

func toAppliedPolicy(p AppliedPolicy) diagnosis.AppliedPolicy {
	a := diagnosis.AppliedPolicy{
		ID:                      p.ID,
		DisplayName:             p.DisplayName,
		EnforcedGrantControls:   NonEmpty(p.EnforcedGrantControls),
		EnforcedSessionControls: NonEmpty(p.EnforcedSessionControls),
		// Verbatim, reportOnlyFailure and reportOnlyInterrupted included:
		// the request sends Prefer: include-unknown-enum-members.
		Result: p.Result,
	}
	appliedEvidence(p, &a)
	return a
}

// ParseTime reads a DateTimeOffset; a value Graph would never send is the
// zero time rather than a failed page.
func ParseTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(s))
	if err != nil {
		return time.Time{}
	}
	return t.UTC()
}

// LenientInt reads a JSON number or a numeric string; anything else is 0,
// so that one odd record does not cost the whole page.
type LenientInt int

func (n *LenientInt) UnmarshalJSON(b []byte) error {
	s := strings.Trim(strings.TrimSpace(string(b)), `"`)
	v, err := strconv.Atoi(s)
	if err != nil {
		*n = 0
		return nil
	}
	*n = LenientInt(v)
	return nil
}

package graph

import (
	"errors"

	"github.com/microsoftgraph/msgraph-sdk-go/models"

	"github.com/onboard-check/onboard-check/diagnosis"
)

// decodeSignIns decodes one page of a sign-in log, v1.0 or beta: the v1.0
// model reads both, and beta-only properties (signInEventTypes) arrive in
// the model's additional data.
func decodeSignIns(body []byte) ([]diagnosis.SignIn, string, error) {
	v, err := decode(body, models.CreateSignInCollectionResponseFromDiscriminatorValue)
	if err != nil {
		return nil, "", err
	}
	page, ok := v.(models.SignInCollectionResponseable)
	if !ok {
		return nil, "", errors.New("decode sign-ins: not a signIn collection")
	}
	out := make([]diagnosis.SignIn, 0, len(page.GetValue()))
	for _, s := range page.GetValue() {
		if s != nil {
			out = append(out, toSignIn(s))
		}
	}
	return out, str(page.GetOdataNextLink()), nil
}

func toSignIn(m models.SignInable) diagnosis.SignIn {
	s := diagnosis.SignIn{
		ID:                      str(m.GetId()),
		UserID:                  str(m.GetUserId()),
		UserPrincipalName:       str(m.GetUserPrincipalName()),
		UserDisplayName:         str(m.GetUserDisplayName()),
		AppID:                   str(m.GetAppId()),
		AppDisplayName:          str(m.GetAppDisplayName()),
		ResourceID:              str(m.GetResourceId()),
		ResourceDisplayName:     str(m.GetResourceDisplayName()),
		IPAddress:               str(m.GetIpAddress()),
		ClientAppUsed:           str(m.GetClientAppUsed()),
		CorrelationID:           str(m.GetCorrelationId()),
		ConditionalAccessStatus: enum(m.GetConditionalAccessStatus()),
		Interactive:             boolean(m.GetIsInteractive()),
		RiskDetail:              enum(m.GetRiskDetail()),
		RiskLevelAggregated:     enum(m.GetRiskLevelAggregated()),
		RiskLevelDuringSignIn:   enum(m.GetRiskLevelDuringSignIn()),
		RiskState:               enum(m.GetRiskState()),
		RiskEventTypes:          nonEmpty(m.GetRiskEventTypesV2()),
	}
	if t := m.GetCreatedDateTime(); t != nil {
		s.CreatedDateTime = t.UTC()
	}
	if len(s.RiskEventTypes) == 0 {
		s.RiskEventTypes = enums(m.GetRiskEventTypes())
	}
	if extra := m.GetAdditionalData(); extra != nil {
		s.EventTypes = stringList(extra["signInEventTypes"])
	}
	if st := m.GetStatus(); st != nil {
		if code := st.GetErrorCode(); code != nil {
			s.ErrorCode = int(*code)
		}
		s.FailureReason = str(st.GetFailureReason())
		s.AdditionalDetails = str(st.GetAdditionalDetails())
	}
	if d := m.GetDeviceDetail(); d != nil {
		s.Device = diagnosis.Device{
			DeviceID:        str(d.GetDeviceId()),
			DisplayName:     str(d.GetDisplayName()),
			OperatingSystem: str(d.GetOperatingSystem()),
			Browser:         str(d.GetBrowser()),
			IsCompliant:     boolean(d.GetIsCompliant()),
			IsManaged:       boolean(d.GetIsManaged()),
			TrustType:       str(d.GetTrustType()),
		}
	}
	if l := m.GetLocation(); l != nil {
		s.Location = diagnosis.Location{City: str(l.GetCity()), State: str(l.GetState()), CountryOrRegion: str(l.GetCountryOrRegion())}
	}
	for _, p := range m.GetAppliedConditionalAccessPolicies() {
		if p == nil {
			continue
		}
		s.AppliedPolicies = append(s.AppliedPolicies, diagnosis.AppliedPolicy{
			ID:                      str(p.GetId()),
			DisplayName:             str(p.GetDisplayName()),
			EnforcedGrantControls:   nonEmpty(p.GetEnforcedGrantControls()),
			EnforcedSessionControls: nonEmpty(p.GetEnforcedSessionControls()),
			// Verbatim, reportOnlyFailure and reportOnlyInterrupted included:
			// the request sends Prefer: include-unknown-enum-members.
			Result: enum(p.GetResult()),
		})
	}
	return s
}

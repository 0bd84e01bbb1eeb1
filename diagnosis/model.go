package diagnosis

import "time"

// User is the account being diagnosed, as the directory knows it.
type User struct {
	ID                string `json:"id"`
	UserPrincipalName string `json:"userPrincipalName"`
	DisplayName       string `json:"displayName"`
	Mail              string `json:"mail,omitempty"`
	AccountEnabled    bool   `json:"accountEnabled"`
	UserType          string `json:"userType"` // "Member" or "Guest"
	// ExternalUserState is set for B2B accounts ("PendingAcceptance", "Accepted").
	ExternalUserState string `json:"externalUserState,omitempty"`
}

// Group is a group the user belongs to, directly or transitively.
type Group struct {
	ID          string `json:"id"`
	DisplayName string `json:"displayName"`
}

// Role is an activated directory role the user holds. Conditional Access
// targets roles by RoleTemplateID, not by the role object's ID.
type Role struct {
	ID             string `json:"id"`
	DisplayName    string `json:"displayName"`
	RoleTemplateID string `json:"roleTemplateId"`
}

// SignIn is one entry of the Entra sign-in log, interactive or not.
type SignIn struct {
	ID                      string    `json:"id"`
	CreatedDateTime         time.Time `json:"createdDateTime"`
	UserID                  string    `json:"userId"`
	UserPrincipalName       string    `json:"userPrincipalName"`
	UserDisplayName         string    `json:"userDisplayName,omitempty"`
	AppID                   string    `json:"appId"`
	AppDisplayName          string    `json:"appDisplayName"`
	ResourceID              string    `json:"resourceId,omitempty"`
	ResourceDisplayName     string    `json:"resourceDisplayName,omitempty"`
	IPAddress               string    `json:"ipAddress,omitempty"`
	ClientAppUsed           string    `json:"clientAppUsed,omitempty"`
	CorrelationID           string    `json:"correlationId,omitempty"`
	ConditionalAccessStatus string    `json:"conditionalAccessStatus,omitempty"` // success, failure, notApplied
	Interactive             bool      `json:"isInteractive"`
	EventTypes              []string  `json:"signInEventTypes,omitempty"`

	ErrorCode         int    `json:"errorCode"`
	FailureReason     string `json:"failureReason,omitempty"`
	AdditionalDetails string `json:"additionalDetails,omitempty"`

	Device   Device   `json:"deviceDetail"`
	Location Location `json:"location"`

	RiskDetail            string   `json:"riskDetail,omitempty"`
	RiskLevelAggregated   string   `json:"riskLevelAggregated,omitempty"`
	RiskLevelDuringSignIn string   `json:"riskLevelDuringSignIn,omitempty"`
	RiskState             string   `json:"riskState,omitempty"`
	RiskEventTypes        []string `json:"riskEventTypes,omitempty"`

	AppliedPolicies []AppliedPolicy `json:"appliedConditionalAccessPolicies,omitempty"`

	// AuthenticationDetails are the steps of the authentication, in order.
	AuthenticationDetails []AuthenticationDetail `json:"authenticationDetails,omitempty"`
	// AuthenticationRequirement is singleFactorAuthentication or
	// multiFactorAuthentication: the strongest requirement the sign-in met or was asked for.
	AuthenticationRequirement string `json:"authenticationRequirement,omitempty"`
	// AuthenticationRequirementPolicies say where a demand for more than a
	// password came from (Conditional Access, per-user MFA, security defaults…).
	AuthenticationRequirementPolicies []RequirementPolicy `json:"authenticationRequirementPolicies,omitempty"`
	// AuthenticationProtocol is none, oAuth2, saml20, wsFed, deviceCode,
	// ropc, authenticationTransfer, nativeAuth, unknownFutureValue…
	AuthenticationProtocol string `json:"authenticationProtocol,omitempty"`
	// OriginalTransferMethod is none, deviceCodeFlow, authenticationTransfer
	// or unknownFutureValue.
	OriginalTransferMethod string `json:"originalTransferMethod,omitempty"`

	// HomeTenantID is the tenant the user belongs to; it differs from
	// ResourceTenantID for a guest signing in to this tenant.
	HomeTenantID     string `json:"homeTenantId,omitempty"`
	ResourceTenantID string `json:"resourceTenantId,omitempty"`
	// CrossTenantAccessType is none, b2bCollaboration, b2bDirectConnect,
	// microsoftSupport, serviceProvider, unknownFutureValue, passthrough.
	CrossTenantAccessType string `json:"crossTenantAccessType,omitempty"`

	// NetworkLocationDetails are the named networks the sign-in matched.
	NetworkLocationDetails []NetworkLocationDetail `json:"networkLocationDetails,omitempty"`
}

// Failed reports whether the sign-in did not issue a token.
func (s *SignIn) Failed() bool { return s.ErrorCode != 0 }

// Device is the device a sign-in came from, as the log recorded it.
type Device struct {
	DeviceID        string `json:"deviceId,omitempty"`
	DisplayName     string `json:"displayName,omitempty"`
	OperatingSystem string `json:"operatingSystem,omitempty"`
	Browser         string `json:"browser,omitempty"`
	IsCompliant     bool   `json:"isCompliant"`
	IsManaged       bool   `json:"isManaged"`
	TrustType       string `json:"trustType,omitempty"` // "Azure AD joined", "Hybrid Azure AD joined", "Azure AD registered"
}

// Location is where a sign-in came from.
type Location struct {
	City            string `json:"city,omitempty"`
	State           string `json:"state,omitempty"`
	CountryOrRegion string `json:"countryOrRegion,omitempty"`
}

// AppliedPolicy is one Conditional Access policy's outcome for one sign-in.
type AppliedPolicy struct {
	ID                      string   `json:"id"`
	DisplayName             string   `json:"displayName"`
	EnforcedGrantControls   []string `json:"enforcedGrantControls,omitempty"`
	EnforcedSessionControls []string `json:"enforcedSessionControls,omitempty"`
	// Result is Graph's appliedConditionalAccessPolicyResult: success, failure,
	// notApplied, notEnabled, unknown, reportOnlySuccess, reportOnlyFailure,
	// reportOnlyNotApplied, reportOnlyInterrupted.
	Result string `json:"result"`

	// AuthenticationStrength is the strength the policy required and the
	// sign-in's result against it, when the policy requires one.
	AuthenticationStrength *AppliedAuthenticationStrength `json:"authenticationStrength,omitempty"`
	// ConditionsSatisfied and ConditionsNotSatisfied are conditionalAccessConditions
	// flag names ("application", "users", "location", "devicePlatform",
	// "clientType", "signInRisk", "userRisk", "time", "deviceState",
	// "client", "ipAddressSeenByAzureAD", "ipAddressSeenByResourceProvider",
	// "unknownFutureValue", "servicePrincipals", "servicePrincipalRisk",
	// "authenticationFlows", "insiderRisk"…), whatever form the log used.
	ConditionsSatisfied    []string `json:"conditionsSatisfied,omitempty"`
	ConditionsNotSatisfied []string `json:"conditionsNotSatisfied,omitempty"`
	// IncludeRulesSatisfied and ExcludeRulesSatisfied say which rule of each
	// condition matched the sign-in.
	IncludeRulesSatisfied []RuleSatisfied `json:"includeRulesSatisfied,omitempty"`
	ExcludeRulesSatisfied []RuleSatisfied `json:"excludeRulesSatisfied,omitempty"`
	// SessionControlsNotSatisfied names session controls the sign-in did not meet.
	SessionControlsNotSatisfied []string `json:"sessionControlsNotSatisfied,omitempty"`
}

// PolicyState is a Conditional Access policy's state.
type PolicyState string

// Policy states as Graph names them.
const (
	PolicyEnabled    PolicyState = "enabled"
	PolicyDisabled   PolicyState = "disabled"
	PolicyReportOnly PolicyState = "enabledForReportingButNotEnforced"
	// PolicyMissing is not Graph's: the sign-in log names the policy but
	// the tenant's policy list lacks it (deleted, renamed, or hidden from
	// the app by missing permissions).
	PolicyMissing PolicyState = "missing"
)

// Policy is a Conditional Access policy.
type Policy struct {
	ID          string           `json:"id"`
	DisplayName string           `json:"displayName"`
	State       PolicyState      `json:"state"`
	Conditions  Conditions       `json:"conditions"`
	Grant       *GrantControls   `json:"grantControls,omitempty"`
	Session     *SessionControls `json:"sessionControls,omitempty"`

	// TemplateID is the template the policy was created from, if any.
	TemplateID       string     `json:"templateId,omitempty"`
	CreatedDateTime  *time.Time `json:"createdDateTime,omitempty"`
	ModifiedDateTime *time.Time `json:"modifiedDateTime,omitempty"`
	// ManagedByMicrosoft is true for a Microsoft-managed policy (one Microsoft
	// created in the tenant and may switch from report-only to on by itself).
	ManagedByMicrosoft bool `json:"managedByMicrosoft,omitempty"`
}

// Conditions are the assignments and conditions of a policy.
type Conditions struct {
	Users          UserConditions        `json:"users"`
	Applications   AppConditions         `json:"applications"`
	ClientAppTypes []string              `json:"clientAppTypes,omitempty"`
	Platforms      *PlatformConditions   `json:"platforms,omitempty"`
	Locations      *LocationConditions   `json:"locations,omitempty"`
	Devices        *DeviceConditions     `json:"devices,omitempty"`
	UserRisk       []string              `json:"userRiskLevels,omitempty"`
	SignInRisk     []string              `json:"signInRiskLevels,omitempty"`
	ClientApps     *ClientAppsConditions `json:"clientApplications,omitempty"`
	// ServicePrincipalRisk selects workload identities by risk level.
	ServicePrincipalRisk []string `json:"servicePrincipalRiskLevels,omitempty"`
	// InsiderRisk selects users by Purview insider risk level (minor,
	// moderate, elevated); Graph sends a flags string, kept here split.
	InsiderRisk []string `json:"insiderRiskLevels,omitempty"`
	// AuthenticationFlows selects sign-ins by transfer method (device code,
	// authentication transfer).
	AuthenticationFlows *AuthenticationFlows `json:"authenticationFlows,omitempty"`
}

// UserConditions select the users a policy is for. Values are object ids, or
// the keywords "All", "None" and "GuestsOrExternalUsers" in IncludeUsers.
type UserConditions struct {
	IncludeUsers  []string        `json:"includeUsers,omitempty"`
	ExcludeUsers  []string        `json:"excludeUsers,omitempty"`
	IncludeGroups []string        `json:"includeGroups,omitempty"`
	ExcludeGroups []string        `json:"excludeGroups,omitempty"`
	IncludeRoles  []string        `json:"includeRoles,omitempty"` // role template ids
	ExcludeRoles  []string        `json:"excludeRoles,omitempty"`
	IncludeGuests *GuestCondition `json:"includeGuestsOrExternalUsers,omitempty"`
	ExcludeGuests *GuestCondition `json:"excludeGuestsOrExternalUsers,omitempty"`
}

// GuestCondition selects guests and external users by kind.
type GuestCondition struct {
	// Types lists guestOrExternalUserTypes: internalGuest, b2bCollaborationGuest,
	// b2bCollaborationMember, b2bDirectConnectUser, otherExternalUser, serviceProvider.
	Types []string `json:"guestOrExternalUserTypes"`
	// AllTenants is true when externalTenants is "all" (or absent).
	AllTenants bool `json:"allTenants"`
	// TenantIDs names the external tenants when AllTenants is false.
	TenantIDs []string `json:"tenantIds,omitempty"`
}

// AppConditions select cloud apps by app id or the keywords "All", "None",
// "Office365" and "MicrosoftAdminPortals".
type AppConditions struct {
	IncludeApplications []string `json:"includeApplications,omitempty"`
	ExcludeApplications []string `json:"excludeApplications,omitempty"`
	IncludeUserActions  []string `json:"includeUserActions,omitempty"`
	IncludeAuthContexts []string `json:"includeAuthenticationContextClassReferences,omitempty"`
	// ApplicationFilter selects apps by their custom security attributes.
	ApplicationFilter *Filter `json:"applicationFilter,omitempty"`
}

// PlatformConditions select device platforms: android, iOS, windows,
// windowsPhone, macOS, linux, all.
type PlatformConditions struct {
	Include []string `json:"includePlatforms,omitempty"`
	Exclude []string `json:"excludePlatforms,omitempty"`
}

// LocationConditions select named locations by id or "All" / "AllTrusted".
type LocationConditions struct {
	Include []string `json:"includeLocations,omitempty"`
	Exclude []string `json:"excludeLocations,omitempty"`
}

// DeviceConditions hold a device filter; the evaluator cannot judge it
// without the device, so it makes a policy "may apply".
type DeviceConditions struct {
	FilterMode string `json:"mode,omitempty"` // include or exclude
	FilterRule string `json:"rule,omitempty"`
}

// ClientAppsConditions target workload identities (service principals).
type ClientAppsConditions struct {
	IncludeServicePrincipals []string `json:"includeServicePrincipals,omitempty"`
	ExcludeServicePrincipals []string `json:"excludeServicePrincipals,omitempty"`
}

// GrantControls are what a policy demands before it issues a token.
type GrantControls struct {
	Operator        string   `json:"operator"` // "OR" or "AND"
	BuiltInControls []string `json:"builtInControls,omitempty"`
	// Built-in control values: block, mfa, compliantDevice, domainJoinedDevice,
	// approvedApplication, compliantApplication, passwordChange.
	TermsOfUse                  []string                `json:"termsOfUse,omitempty"`
	CustomAuthenticationFactors []string                `json:"customAuthenticationFactors,omitempty"`
	AuthenticationStrength      *AuthenticationStrength `json:"authenticationStrength,omitempty"`
}

// AuthenticationStrength names the authentication strength a policy requires.
type AuthenticationStrength struct {
	ID          string `json:"id"`
	DisplayName string `json:"displayName"`
	Description string `json:"description,omitempty"`
	// PolicyType is builtIn, custom or unknownFutureValue.
	PolicyType string `json:"policyType,omitempty"`
	// RequirementsSatisfied is none, mfa or unknownFutureValue.
	RequirementsSatisfied string `json:"requirementsSatisfied,omitempty"`
	// AllowedCombinations are the method combinations that satisfy the
	// strength, e.g. "fido2", "windowsHelloForBusiness",
	// "x509CertificateMultiFactor", "password,microsoftAuthenticatorPush".
	AllowedCombinations []string `json:"allowedCombinations,omitempty"`
}

// SessionControls shape the session after a policy grants access.
type SessionControls struct {
	SignInFrequency                 *SignInFrequency `json:"signInFrequency,omitempty"`
	PersistentBrowserMode           string           `json:"persistentBrowserMode,omitempty"` // always, never
	ApplicationEnforcedRestrictions bool             `json:"applicationEnforcedRestrictions,omitempty"`
	CloudAppSecurity                bool             `json:"cloudAppSecurity,omitempty"`
	DisableResilienceDefaults       bool             `json:"disableResilienceDefaults,omitempty"`
}

// SignInFrequency is the sign-in frequency session control.
type SignInFrequency struct {
	IsEnabled bool `json:"isEnabled"`
	// Interval is "timeBased" or "everyTime".
	Interval string `json:"frequencyInterval,omitempty"`
	Type     string `json:"type,omitempty"` // hours or days
	Value    int    `json:"value,omitempty"`
}

// Period is the sign-in frequency as a duration; zero for everyTime.
func (f *SignInFrequency) Period() time.Duration {
	switch {
	case f == nil || f.Interval == "everyTime":
		return 0
	case f.Type == "days":
		return time.Duration(f.Value) * 24 * time.Hour
	default:
		return time.Duration(f.Value) * time.Hour
	}
}

// NamedLocation is a named location: an IP range list or a country list.
type NamedLocation struct {
	ID          string `json:"id"`
	DisplayName string `json:"displayName"`
	// Kind is "ip" or "country".
	Kind      string   `json:"kind"`
	IsTrusted bool     `json:"isTrusted,omitempty"`
	IPRanges  []string `json:"ipRanges,omitempty"` // CIDR, IPv4 or IPv6
	Countries []string `json:"countriesAndRegions,omitempty"`
	// IncludeUnknownCountries is set for country locations that also match
	// IP addresses that cannot be mapped to a country.
	IncludeUnknownCountries bool `json:"includeUnknownCountriesAndRegions,omitempty"`
}

// Query is what to diagnose: the user as typed, an optional app, and the
// sign-in window.
type Query struct {
	User  string    // UPN, email or object id, as the requester typed it
	App   string    // app catalog key or app id; empty means all apps
	Since time.Time // start of the sign-in window
	Until time.Time // end of the sign-in window
}

// Snapshot is everything a Source could read about one user at one moment.
// A missing user is User == nil. What could not be read is in Warnings.
type Snapshot struct {
	User           *User
	Groups         []Group
	Roles          []Role
	SignIns        []SignIn
	Policies       []Policy
	NamedLocations []NamedLocation
	Warnings       []Warning

	// SignInsRead, PoliciesRead and MembershipsRead say whether those parts
	// were read at all; an empty list that was read means "none".
	SignInsRead     bool
	PoliciesRead    bool
	MembershipsRead bool

	// SignInsIncomplete is true when some page of the sign-in log could not
	// be read: the diagnosis is then never healthy.
	SignInsIncomplete bool
	// SecurityDefaults is the tenant's security defaults setting; nil when
	// it was not or could not be read.
	SecurityDefaults *SecurityDefaults
	// PerUserMFAState is the legacy per-user MFA state of the account:
	// "" (not read), "disabled", "enabled" or "enforced".
	PerUserMFAState string
}

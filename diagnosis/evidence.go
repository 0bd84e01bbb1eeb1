package diagnosis

import "time"

// The types in this file carry the evidence real sign-in logs and policies
// hold beyond the basics: how the user authenticated, where an MFA demand
// came from, which named location matched, and the finer conditions a
// Conditional Access policy can carry. JSON names are Microsoft Graph's
// (beta signIn, appliedConditionalAccessPolicy, conditionalAccessConditionSet).
// Enum values the product does not know yet are kept verbatim.

// AuthenticationDetail is one step of a sign-in's authentication
// (Graph's authenticationDetail).
type AuthenticationDetail struct {
	// Method is the method used, e.g. "Password", "Mobile app notification",
	// "Passkey (Microsoft Authenticator)", "Previously satisfied".
	Method string `json:"authenticationMethod,omitempty"`
	// MethodDetail is e.g. "Password in the cloud" or "Phone number: +X XXXXXXXX12".
	MethodDetail string `json:"authenticationMethodDetail,omitempty"`
	// StepDateTime is when the step happened.
	StepDateTime time.Time `json:"authenticationStepDateTime,omitzero"`
	// StepRequirement is the requirement the step served, e.g.
	// "Primary authentication" or "Multifactor authentication".
	StepRequirement string `json:"authenticationStepRequirement,omitempty"`
	// StepResultDetail explains the outcome, e.g. "MFA denied; user declined
	// the authentication" or "MFA successfully completed".
	StepResultDetail string `json:"authenticationStepResultDetail,omitempty"`
	// Succeeded reports whether the step succeeded.
	Succeeded bool `json:"succeeded"`
}

// RequirementPolicy names what made a sign-in need more than a password
// (Graph's authenticationRequirementPolicy).
type RequirementPolicy struct {
	// RequirementProvider is Graph's requirementProvider: user (per-user MFA),
	// request, servicePrincipal, v1ConditionalAccess, multiConditionalAccess,
	// tenantSessionRiskPolicy, accountCompromisePolicies, v1ConditionalAccessDependency,
	// v1ConditionalAccessPolicyIdRequested, mfaRegistrationRequiredByIdentityProtectionPolicy,
	// baselineProtection, mfaRegistrationRequiredByBaselinePolicy,
	// mfaRegistrationRequiredByMultiConditionalAccess, enforcedForCspAdmins,
	// securityDefaults, mfaRegistrationRequiredBySecurityDefaults, proofUpCodeRequest,
	// crossTenantOutboundRule, gpsLocationCondition, riskBasedPolicy,
	// scopeBasedAuthRequirementPolicy, authenticationStrengths, unknownFutureValue…
	RequirementProvider string `json:"requirementProvider,omitempty"`
	// Detail is Graph's free-text detail of the requirement.
	Detail string `json:"detail,omitempty"`
}

// NetworkLocationDetail is one network a sign-in was seen from
// (Graph's networkLocationDetail).
type NetworkLocationDetail struct {
	// NetworkType is namedNetwork, extranetLockout, allowedListIp, blockedListIp,
	// trustedNamedLocation, unknownFutureValue…
	NetworkType string `json:"networkType,omitempty"`
	// NetworkNames are the display names of the matched networks, e.g. "HQ-VPN".
	NetworkNames []string `json:"networkNames,omitempty"`
}

// AppliedAuthenticationStrength is the authentication strength an applied
// policy required and how the sign-in fared against it
// (Graph's authenticationStrength on appliedConditionalAccessPolicy, beta).
type AppliedAuthenticationStrength struct {
	ID          string `json:"authenticationStrengthId,omitempty"`
	DisplayName string `json:"displayName,omitempty"`
	// Result is Graph's authenticationStrengthResult: notSet, skippedForProofUp,
	// satisfied, singleChallengeRequired, multipleChallengesRequired,
	// singleRegistrationRequired, multipleRegistrationsRequired,
	// cannotSatisfyDueToCombinationConfiguration, cannotSatisfy, unknownFutureValue…
	Result string `json:"authenticationStrengthResult,omitempty"`
}

// RuleSatisfied is one include or exclude rule a sign-in satisfied
// (Graph's conditionalAccessRuleSatisfied).
type RuleSatisfied struct {
	// Condition is the conditionalAccessConditions flag name, e.g. "application",
	// "users", "location", "devicePlatform".
	Condition string `json:"conditionalAccessCondition,omitempty"`
	// Rule is the conditionalAccessRule name, e.g. "allApps", "allUsers",
	// "appId", "group", "role", "location", "anyDevice".
	Rule string `json:"ruleSatisfied,omitempty"`
}

// AuthenticationFlows selects sign-ins by how authentication was handed over
// (Graph's conditionalAccessAuthenticationFlows).
type AuthenticationFlows struct {
	// TransferMethods are the flag names: none, deviceCodeFlow,
	// authenticationTransfer, unknownFutureValue.
	TransferMethods []string `json:"transferMethods,omitempty"`
}

// Filter is a device or application filter of a policy
// (Graph's conditionalAccessFilter).
type Filter struct {
	// Mode is "include" or "exclude": whether matching objects are in or out.
	Mode string `json:"mode,omitempty"`
	// Rule is the filter expression, e.g. `device.isCompliant -eq True`.
	Rule string `json:"rule,omitempty"`
}

// SecurityDefaults is the tenant's security defaults setting
// (Graph's identitySecurityDefaultsEnforcementPolicy).
type SecurityDefaults struct {
	Enabled bool `json:"isEnabled"`
}

package diagnosis

// FindingCode names a kind of finding. The codes are a contract: other
// programs match on them, and docs/finding-codes.md describes each.
type FindingCode string

// Finding codes.
const (
	CodeCABlock               FindingCode = "ca_block"
	CodeCAMFARequired         FindingCode = "ca_mfa_required"
	CodeMFARegistration       FindingCode = "mfa_registration_required"
	CodeCACompliantDevice     FindingCode = "ca_compliant_device_required"
	CodeCADomainJoinedDevice  FindingCode = "ca_domain_joined_device_required"
	CodeCAApprovedApp         FindingCode = "ca_approved_app_required"
	CodeCAOtherControl        FindingCode = "ca_other_control"
	CodeAccountDisabled       FindingCode = "account_disabled"
	CodeAccountLocked         FindingCode = "account_locked"
	CodePasswordExpired       FindingCode = "password_expired"
	CodeInvalidCredentials    FindingCode = "invalid_credentials"
	CodeConsentRequired       FindingCode = "consent_required"
	CodeAppAssignmentRequired FindingCode = "app_assignment_required"
	CodeRiskBlocked           FindingCode = "risk_blocked"
	CodeUserNotFound          FindingCode = "user_not_found"
	CodeSessionExpired        FindingCode = "session_expired"
	CodeCASignInFrequency     FindingCode = "ca_sign_in_frequency"
	CodeCAReportOnlyFailure   FindingCode = "ca_report_only_failure"
	CodeCAPolicyApplies       FindingCode = "ca_policy_applies"
	CodeTokenExpired          FindingCode = "token_expired"
	CodeUnknownError          FindingCode = "unknown_error"
	// CodeCAAuthStrengthUnregistered: a policy demands an authentication
	// strength and the account has no registered method of that strength.
	CodeCAAuthStrengthUnregistered FindingCode = "ca_authentication_strength_unregistered"
	// CodeMandatoryMFA: Microsoft's mandatory MFA for Azure management
	// (Azure portal, Entra and Intune admin centers; Azure CLI, Azure
	// PowerShell and other Resource Manager clients) stopped a sign-in that
	// no Conditional Access policy explains.
	CodeMandatoryMFA FindingCode = "mandatory_mfa_required"
	// CodeSecurityDefaults: security defaults are on in the tenant; what
	// they demand of the account.
	CodeSecurityDefaults FindingCode = "security_defaults_enabled"
)

// Microsoft Learn pages that findings cite.
const (
	learn             = "https://learn.microsoft.com/entra/"
	learnTroubleshoot = learn + "identity/conditional-access/troubleshoot-conditional-access"
	learnWhatIf       = learn + "identity/conditional-access/what-if-tool"
	learnRefreshToken = learn + "identity-platform/refresh-tokens"
	learnCAE          = learn + "identity/conditional-access/concept-continuous-access-evaluation"
	learnSSPR         = learn + "identity/authentication/concept-sspr-howitworks"
	learnResetPwd     = learn + "fundamentals/users-reset-password-azure-portal"
	learnUserProfile  = learn + "fundamentals/how-to-manage-user-profile-info"
)

// codeInfo is one row of the finding code table: everything the engine
// needs to know about a code besides the rule that raises it. Its texts
// live in the catalogs under "finding.<code>.": title, detail, steps and,
// for policies with a location condition, steps_location.
type codeInfo struct {
	Code     FindingCode
	Severity Severity
	// CA marks a finding caused by a Conditional Access grant control: it
	// names the policies behind the failure.
	CA bool
	// Learn are the Microsoft Learn pages for the finding.
	Learn []string
	// UserLink adds the account's page in the Entra admin center to the
	// references: the fix is done there.
	UserLink bool
	// Lookup adds Microsoft's error lookup page for the finding's AADSTS code.
	Lookup bool
	// OwnText marks a finding whose own text explains the failure better
	// than the knowledge base's explanation of its error code (which the
	// finding then leaves out, quoting the log's failure reason instead).
	OwnText bool
}

// codeTable lists every finding code, in the order of docs/finding-codes.md.
var codeTable = []codeInfo{
	{Code: CodeCABlock, Severity: SeverityCritical, CA: true,
		Learn: []string{learnTroubleshoot, learnWhatIf}},
	{Code: CodeCAMFARequired, Severity: SeverityCritical, CA: true,
		Learn: []string{learn + "identity/conditional-access/policy-admin-mfa", learn + "identity/authentication/howto-mfa-userdevicesettings"}},
	{Code: CodeMFARegistration, Severity: SeverityCritical, CA: true, UserLink: true,
		Learn: []string{learn + "identity/authentication/howto-registration-mfa-sspr-combined", learn + "identity/authentication/howto-authentication-temporary-access-pass"}},
	{Code: CodeCACompliantDevice, Severity: SeverityCritical, CA: true,
		Learn: []string{learn + "identity/conditional-access/policy-all-users-device-compliance", "https://learn.microsoft.com/intune/intune-service/protect/device-compliance-get-started"}},
	{Code: CodeCADomainJoinedDevice, Severity: SeverityCritical, CA: true,
		Learn: []string{learn + "identity/devices/how-to-hybrid-join", learn + "identity/devices/troubleshoot-hybrid-join-windows-current"}},
	{Code: CodeCAApprovedApp, Severity: SeverityCritical, CA: true,
		Learn: []string{learn + "identity/conditional-access/policy-all-users-approved-app-or-app-protection"}},
	{Code: CodeCAOtherControl, Severity: SeverityCritical, CA: true,
		Learn: []string{learnTroubleshoot, learnWhatIf}},
	{Code: CodeAccountDisabled, Severity: SeverityCritical, UserLink: true,
		Learn: []string{learnUserProfile}},
	{Code: CodeAccountLocked, Severity: SeverityCritical, UserLink: true,
		Learn: []string{learn + "identity/authentication/howto-password-smart-lockout"}},
	{Code: CodePasswordExpired, Severity: SeverityCritical, UserLink: true,
		Learn: []string{learnSSPR, learnResetPwd}},
	{Code: CodeInvalidCredentials, Severity: SeverityWarning,
		Learn: []string{learnSSPR, learnResetPwd}},
	{Code: CodeConsentRequired, Severity: SeverityCritical,
		Learn: []string{learn + "identity/enterprise-apps/grant-admin-consent"}},
	{Code: CodeAppAssignmentRequired, Severity: SeverityCritical,
		Learn: []string{learn + "identity/enterprise-apps/assign-user-or-group-access-portal"}},
	{Code: CodeRiskBlocked, Severity: SeverityCritical,
		Learn: []string{learn + "id-protection/howto-identity-protection-remediate-unblock"}},
	{Code: CodeUserNotFound, Severity: SeverityCritical,
		Learn: []string{learnUserProfile}},
	{Code: CodeSessionExpired, Severity: SeverityWarning,
		Learn: []string{learnRefreshToken, learnCAE}},
	{Code: CodeCASignInFrequency, Severity: SeverityWarning,
		Learn: []string{learn + "identity/conditional-access/concept-session-lifetime"}},
	{Code: CodeCAReportOnlyFailure, Severity: SeverityWarning,
		Learn: []string{learn + "identity/conditional-access/concept-conditional-access-report-only"}},
	{Code: CodeCAPolicyApplies, Severity: SeverityWarning,
		Learn: []string{learnTroubleshoot, learnWhatIf}},
	{Code: CodeTokenExpired, Severity: SeverityInfo,
		Learn: []string{learnRefreshToken, learnCAE}},
	{Code: CodeUnknownError, Severity: SeverityWarning, Lookup: true,
		Learn: []string{learn + "identity-platform/reference-error-codes"}},
	{Code: CodeCAAuthStrengthUnregistered, Severity: SeverityCritical, CA: true, UserLink: true, OwnText: true,
		Learn: []string{learn + "identity/authentication/concept-authentication-strengths", learn + "identity/authentication/howto-authentication-temporary-access-pass", learn + "identity/authentication/how-to-enable-passkey-fido2"}},
	{Code: CodeMandatoryMFA, Severity: SeverityCritical, UserLink: true,
		Learn: []string{learn + "identity/authentication/concept-mandatory-multifactor-authentication", learn + "identity/authentication/howto-authentication-temporary-access-pass"}},
	{Code: CodeSecurityDefaults, Severity: SeverityInfo,
		Learn: []string{learn + "fundamentals/security-defaults"}},
}

// codeIndex finds a row of codeTable by code.
var codeIndex = func() map[FindingCode]*codeInfo {
	m := make(map[FindingCode]*codeInfo, len(codeTable))
	for i := range codeTable {
		m[codeTable[i].Code] = &codeTable[i]
	}
	return m
}()

// info returns the table row of c; an unknown code gets a zero row that
// is critical, as an unknown failure would be.
func (c FindingCode) info() codeInfo {
	if i, ok := codeIndex[c]; ok {
		return *i
	}
	return codeInfo{Code: c, Severity: SeverityCritical}
}

// AllCodes lists every finding code, in a new slice.
func AllCodes() []FindingCode {
	out := make([]FindingCode, len(codeTable))
	for i, c := range codeTable {
		out[i] = c.Code
	}
	return out
}

// Severity is the severity of findings with this code.
func (c FindingCode) Severity() Severity { return c.info().Severity }

// Valid reports whether c is a known finding code.
func (c FindingCode) Valid() bool {
	_, ok := codeIndex[c]
	return ok
}

// isCA reports whether a finding code is caused by a Conditional Access grant control.
func isCA(c FindingCode) bool { return c.info().CA }

// learnRefs returns the Microsoft Learn pages for a finding code.
func learnRefs(c FindingCode) []string { return c.info().Learn }

// textKey is the catalog key prefix of the code's texts.
func (c FindingCode) textKey() string { return "finding." + string(c) }

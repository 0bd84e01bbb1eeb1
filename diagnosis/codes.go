package diagnosis

// FindingCode names a kind of finding (SPEC §5). The codes are a contract:
// other programs match on them.
type FindingCode string

// Finding codes of SPEC §5.
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
)

// AllCodes lists every finding code, in the order of SPEC §5.
func AllCodes() []FindingCode {
	return []FindingCode{
		CodeCABlock, CodeCAMFARequired, CodeMFARegistration, CodeCACompliantDevice,
		CodeCADomainJoinedDevice, CodeCAApprovedApp, CodeCAOtherControl,
		CodeAccountDisabled, CodeAccountLocked, CodePasswordExpired,
		CodeInvalidCredentials, CodeConsentRequired, CodeAppAssignmentRequired,
		CodeRiskBlocked, CodeUserNotFound, CodeSessionExpired, CodeCASignInFrequency,
		CodeCAReportOnlyFailure, CodeCAPolicyApplies, CodeTokenExpired, CodeUnknownError,
	}
}

// Severity is the severity SPEC §5 gives the code.
func (c FindingCode) Severity() Severity {
	switch c {
	case CodeInvalidCredentials, CodeSessionExpired, CodeCASignInFrequency,
		CodeCAReportOnlyFailure, CodeCAPolicyApplies, CodeUnknownError:
		return SeverityWarning
	case CodeTokenExpired:
		return SeverityInfo
	default:
		return SeverityCritical
	}
}

// Valid reports whether c is one of the codes of SPEC §5.
func (c FindingCode) Valid() bool {
	for _, k := range AllCodes() {
		if k == c {
			return true
		}
	}
	return false
}

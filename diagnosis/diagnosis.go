package diagnosis

import "time"

// SchemaVersion is the version of the Diagnosis JSON document.
const SchemaVersion = 1

// Verdict is the one-word answer to "can this account onboard?".
type Verdict string

// Verdicts, from worst to best.
const (
	VerdictBlocked Verdict = "blocked"
	VerdictAtRisk  Verdict = "at_risk"
	VerdictHealthy Verdict = "healthy"
	VerdictUnknown Verdict = "unknown"
)

// Severity ranks findings.
type Severity string

// Severities, most severe first.
const (
	SeverityCritical Severity = "critical"
	SeverityWarning  Severity = "warning"
	SeverityInfo     Severity = "info"
)

// rank orders severities, most severe lowest.
func (s Severity) rank() int {
	switch s {
	case SeverityCritical:
		return 0
	case SeverityWarning:
		return 1
	default:
		return 2
	}
}

// Diagnosis is the engine's answer, and exactly the Diagnosis JSON document.
type Diagnosis struct {
	SchemaVersion int       `json:"schemaVersion"`
	Query         QueryInfo `json:"query"`
	User          *UserInfo `json:"user"`
	Verdict       Verdict   `json:"verdict"`
	Summary       string    `json:"summary"`
	Findings      []Finding `json:"findings"`
	Stats         Stats     `json:"stats"`
	Warnings      []Warning `json:"warnings"`
}

// QueryInfo echoes the query in the Diagnosis JSON.
type QueryInfo struct {
	User  string    `json:"user"`
	App   string    `json:"app"`
	Since time.Time `json:"since"`
	Until time.Time `json:"until"`
}

// UserInfo is the diagnosed account in the Diagnosis JSON.
type UserInfo struct {
	ID                string `json:"id"`
	UserPrincipalName string `json:"userPrincipalName"`
	DisplayName       string `json:"displayName"`
	AccountEnabled    bool   `json:"accountEnabled"`
	UserType          string `json:"userType"`
}

// Finding is one thing that blocks the account or puts it at risk, with its
// evidence and the steps that fix it.
type Finding struct {
	Code        FindingCode `json:"code"`
	Severity    Severity    `json:"severity"`
	Resolved    bool        `json:"resolved"`
	Title       string      `json:"title"`
	Detail      string      `json:"detail,omitempty"`
	ErrorCode   int         `json:"errorCode,omitempty"`
	App         *AppRef     `json:"app,omitempty"`
	Policies    []PolicyRef `json:"policies,omitempty"`
	SignIns     []SignInRef `json:"signIns,omitempty"`
	Remediation []string    `json:"remediation"`
	References  []string    `json:"references,omitempty"`

	latest time.Time // newest evidence, for ordering
}

// AppRef names an app in a finding.
type AppRef struct {
	ID          string `json:"id"`
	DisplayName string `json:"displayName"`
}

// PolicyRef names a Conditional Access policy in a finding, by its Graph id.
type PolicyRef struct {
	ID          string      `json:"id"`
	DisplayName string      `json:"displayName"`
	State       PolicyState `json:"state"`
	Controls    []string    `json:"controls"`
}

// SignInRef is a sign-in quoted as evidence.
type SignInRef struct {
	ID              string    `json:"id"`
	CreatedDateTime time.Time `json:"createdDateTime"`
	AppDisplayName  string    `json:"appDisplayName"`
	ErrorCode       int       `json:"errorCode"`
	IPAddress       string    `json:"ipAddress,omitempty"`
	CorrelationID   string    `json:"correlationId,omitempty"`
}

// Stats count what the diagnosis looked at.
type Stats struct {
	SignIns           int `json:"signIns"`
	Failures          int `json:"failures"`
	PoliciesEvaluated int `json:"policiesEvaluated"`
}

// WarningCode names something the diagnosis could not see.
type WarningCode string

// Warning codes.
const (
	WarnSignInLogsUnavailable  WarningCode = "sign_in_logs_unavailable"
	WarnPoliciesUnavailable    WarningCode = "policies_unavailable"
	WarnMembershipsUnavailable WarningCode = "memberships_unavailable"
	WarnNoSignInsInWindow      WarningCode = "no_sign_ins_in_window"
	WarnPartialSignIns         WarningCode = "partial_sign_ins"
	// WarnConditionUnreadable names a policy whose applying to the account
	// depends on something the bot cannot read (insider risk, an app or
	// device filter, an authentication context, a guest's home tenant).
	WarnConditionUnreadable WarningCode = "condition_unreadable"
)

// Warning says what the diagnosis could not see. A source fills Reason (a
// catalog key under "warning.") and Args; the engine turns them into Message
// in the requester's language.
type Warning struct {
	Code    WarningCode       `json:"code"`
	Message string            `json:"message"`
	Reason  string            `json:"-"`
	Args    map[string]string `json:"-"`
}

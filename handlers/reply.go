package handlers

import "github.com/onboard-check/onboard-check/diagnosis"

// ReplyKind is the closed set of answers.
type ReplyKind string

// Reply kinds.
const (
	ReplyAck       ReplyKind = "ack"       // "Checking adele@contoso.com…", before a Job runs
	ReplyProgress  ReplyKind = "progress"  // the ack updated in place: the job's place in Graph's line
	ReplyDiagnosis ReplyKind = "diagnosis" // a new or rechecked diagnosis
	ReplyDetails   ReplyKind = "details"   // every finding of the thread's diagnosis, uncut
	ReplySignIns   ReplyKind = "signins"   // the diagnosed user's recent sign-ins
	ReplyPolicy    ReplyKind = "policy"    // one policy and how it treats the user
	ReplyExplain   ReplyKind = "explain"   // an AADSTS code explained
	ReplyWhatIf    ReplyKind = "whatif"    // which policies a hypothetical sign-in meets
	ReplyHelp      ReplyKind = "help"
	ReplyUsage     ReplyKind = "usage"     // the input was not understood
	ReplyRefusal   ReplyKind = "refusal"   // not allowed, or too many requests
	ReplyDuplicate ReplyKind = "duplicate" // a redelivery: say nothing
	ReplyFailure   ReplyKind = "failure"   // the work could not be done
)

// Reply is what a surface renders. Text is always set (already in the
// reply language) except for ReplyDuplicate; the other fields carry the
// structure a rich renderer needs.
type Reply struct {
	Kind ReplyKind
	Lang string
	Text string
	// Ephemeral asks the surface to show the reply only to the requester.
	Ephemeral bool

	Diagnosis   *diagnosis.Diagnosis // ReplyDiagnosis, ReplyDetails
	DiagnosisID string               // the stored diagnosis, for buttons
	SignIns     []diagnosis.SignIn   // ReplySignIns, newest first
	Policy      *PolicyView          // ReplyPolicy
	Explain     *ExplainView         // ReplyExplain
	WhatIf      []WhatIfView         // ReplyWhatIf, applying policies first
	Progress    *diagnosis.Progress  // ReplyProgress
	Incident    string               // ReplyFailure of an unexpected error
}

// PolicyView is one policy and the evaluator's reasoning for the user.
type PolicyView struct {
	Policy     diagnosis.Policy
	Match      diagnosis.Match
	Conditions []string // one sentence per condition
	Link       string
}

// ExplainView is one AADSTS code from the knowledge base.
type ExplainView struct {
	Code        int
	Name        string
	Finding     diagnosis.FindingCode
	Explanation string
	Remediation []string
	Link        string
}

// WhatIfView is one policy judged against a hypothetical sign-in.
type WhatIfView struct {
	PolicyID, DisplayName string
	State                 diagnosis.PolicyState
	Match                 diagnosis.Match
	Controls              []string
	Why                   []string // sentences for the conditions that decided
}

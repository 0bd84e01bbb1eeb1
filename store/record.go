package store

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/onboard-check/onboard-check/diagnosis"
)

// recordJSON is how a Record is stored, by Memory and Redis alike, so that
// both keep exactly the same information. Warnings keep their Reason and Args
// (which the Diagnosis JSON leaves out), so that a follow-up can render a
// stored snapshot's warnings again, in another language.
type recordJSON struct {
	ID        string        `json:"id"`
	CreatedAt time.Time     `json:"createdAt"`
	Surface   string        `json:"surface"`
	Requester string        `json:"requester"`
	Query     queryJSON     `json:"query"`
	Lang      string        `json:"lang"`
	Diagnosis diagnosisJSON `json:"diagnosis"`
	Snapshot  snapshotJSON  `json:"snapshot"`
}

type queryJSON struct {
	User  string    `json:"user"`
	App   string    `json:"app"`
	Since time.Time `json:"since"`
	Until time.Time `json:"until"`
}

// diagnosisJSON is the Diagnosis JSON of SPEC §5, with its Warnings field
// shadowed by one that keeps Reason and Args.
type diagnosisJSON struct {
	diagnosis.Diagnosis
	Warnings []warningJSON `json:"warnings"`
}

type snapshotJSON struct {
	User            *diagnosis.User           `json:"user"`
	Groups          []diagnosis.Group         `json:"groups"`
	Roles           []diagnosis.Role          `json:"roles"`
	SignIns         []diagnosis.SignIn        `json:"signIns"`
	Policies        []diagnosis.Policy        `json:"policies"`
	NamedLocations  []diagnosis.NamedLocation `json:"namedLocations"`
	Warnings        []warningJSON             `json:"warnings"`
	SignInsRead     bool                      `json:"signInsRead"`
	PoliciesRead    bool                      `json:"policiesRead"`
	MembershipsRead bool                      `json:"membershipsRead"`

	SignInsIncomplete bool                        `json:"signInsIncomplete,omitempty"`
	SecurityDefaults  *diagnosis.SecurityDefaults `json:"securityDefaults,omitempty"`
	PerUserMFAState   string                      `json:"perUserMfaState,omitempty"`
}

type warningJSON struct {
	Code    diagnosis.WarningCode `json:"code"`
	Message string                `json:"message"`
	Reason  string                `json:"reason,omitempty"`
	Args    map[string]string     `json:"args,omitempty"`
}

func encodeRecord(r Record) ([]byte, error) {
	d := diagnosisJSON{Diagnosis: r.Diagnosis, Warnings: toWarningsJSON(r.Diagnosis.Warnings)}
	s := r.Snapshot
	b, err := json.Marshal(recordJSON{
		ID:        r.ID,
		CreatedAt: r.CreatedAt,
		Surface:   r.Surface,
		Requester: r.Requester,
		Query:     queryJSON{User: r.Query.User, App: r.Query.App, Since: r.Query.Since, Until: r.Query.Until},
		Lang:      r.Lang,
		Diagnosis: d,
		Snapshot: snapshotJSON{
			User: s.User, Groups: s.Groups, Roles: s.Roles, SignIns: s.SignIns, Policies: s.Policies,
			NamedLocations: s.NamedLocations, Warnings: toWarningsJSON(s.Warnings),
			SignInsRead: s.SignInsRead, PoliciesRead: s.PoliciesRead, MembershipsRead: s.MembershipsRead,
			SignInsIncomplete: s.SignInsIncomplete, SecurityDefaults: s.SecurityDefaults, PerUserMFAState: s.PerUserMFAState,
		},
	})
	if err != nil {
		return nil, fmt.Errorf("encode record: %w", err)
	}
	return b, nil
}

func decodeRecord(b []byte) (Record, error) {
	var in recordJSON
	if err := json.Unmarshal(b, &in); err != nil {
		return Record{}, fmt.Errorf("decode record: %w", err)
	}
	d := in.Diagnosis.Diagnosis
	d.Warnings = fromWarningsJSON(in.Diagnosis.Warnings)
	s := in.Snapshot
	return Record{
		ID:        in.ID,
		CreatedAt: in.CreatedAt,
		Surface:   in.Surface,
		Requester: in.Requester,
		Query:     diagnosis.Query{User: in.Query.User, App: in.Query.App, Since: in.Query.Since, Until: in.Query.Until},
		Lang:      in.Lang,
		Diagnosis: d,
		Snapshot: diagnosis.Snapshot{
			User: s.User, Groups: s.Groups, Roles: s.Roles, SignIns: s.SignIns, Policies: s.Policies,
			NamedLocations: s.NamedLocations, Warnings: fromWarningsJSON(s.Warnings),
			SignInsRead: s.SignInsRead, PoliciesRead: s.PoliciesRead, MembershipsRead: s.MembershipsRead,
			SignInsIncomplete: s.SignInsIncomplete, SecurityDefaults: s.SecurityDefaults, PerUserMFAState: s.PerUserMFAState,
		},
	}, nil
}

func toWarningsJSON(ws []diagnosis.Warning) []warningJSON {
	if ws == nil {
		return nil
	}
	out := make([]warningJSON, len(ws))
	for i, w := range ws {
		out[i] = warningJSON{Code: w.Code, Message: w.Message, Reason: w.Reason, Args: w.Args}
	}
	return out
}

func fromWarningsJSON(ws []warningJSON) []diagnosis.Warning {
	if ws == nil {
		return nil
	}
	out := make([]diagnosis.Warning, len(ws))
	for i, w := range ws {
		out[i] = diagnosis.Warning{Code: w.Code, Message: w.Message, Reason: w.Reason, Args: w.Args}
	}
	return out
}

// auditJSON is how an AuditEntry is stored in Redis.
type auditJSON struct {
	Time         time.Time `json:"time"`
	Surface      string    `json:"surface,omitempty"`
	Requester    string    `json:"requester,omitempty"`
	Conversation string    `json:"conversation,omitempty"`
	Action       string    `json:"action,omitempty"`
	Target       string    `json:"target,omitempty"`
	TargetID     string    `json:"targetId,omitempty"`
	Verdict      string    `json:"verdict,omitempty"`
	Refusal      string    `json:"refusal,omitempty"`
	DiagnosisID  string    `json:"diagnosisId,omitempty"`
}

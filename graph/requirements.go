package graph

import (
	"errors"
	"fmt"
	"net/url"

	"github.com/onboard-check/onboard-check/diagnosis"
)

// permUserAuth is the permission Graph asks for a user's authentication
// settings, the per-user MFA state among them.
const permUserAuth = "UserAuthenticationMethod.Read.All"

// requirementsCall reads the legacy per-user MFA state of account id
// (beta strongAuthenticationRequirements), or nothing when the id is not
// known yet.
// https://learn.microsoft.com/graph/api/resources/strongauthenticationrequirements?view=graph-rest-beta
func (r *run) requirementsCall(id string, known bool) call {
	if !known {
		return call{}
	}
	return call{id: "requirements", part: partRequirements, prefer: true,
		url: r.c.beta + "/users/" + url.PathEscape(id) + "/authentication/requirements"}
}

// requirementsRead is the per-user MFA state: "disabled", "enabled",
// "enforced" or a value Graph added since, verbatim.
type requirementsRead struct {
	state string
	read  bool
	err   error
}

func (r *run) requirements(res result) requirementsRead {
	if res.err != nil {
		return requirementsRead{err: res.err}
	}
	var w struct {
		PerUserMFAState string `json:"perUserMfaState"`
	}
	if err := decodeObject(res.body, &w); err != nil {
		return requirementsRead{err: fmt.Errorf("decode authentication requirements: %w", err)}
	}
	return requirementsRead{state: w.PerUserMFAState, read: true}
}

// applyRequirements puts the per-user MFA state into snap. It is extra
// evidence: a missing permission is a warning naming it, any other failure
// only a log line, never a failed diagnosis.
func (r *run) applyRequirements(snap *diagnosis.Snapshot, m requirementsRead) {
	switch {
	case m.err == nil:
		setPerUserMFA(snap, m.state)
	case errors.Is(m.err, ErrDenied):
		r.warn(snap, diagnosis.Warning{Code: diagnosis.WarnPoliciesUnavailable, Reason: reasonPerm,
			Args: map[string]string{"permission": permUserAuth}}, m.err, partRequirements)
	default:
		if !r.silent.Load() {
			r.c.failed(m.err)
		}
		r.c.log.Warn("graph read degraded", "part", partRequirements.String(), "status", statusOf(m.err), "err", m.err)
	}
}

// applySecurityDefaults puts the security defaults into snap; like the
// per-user MFA state, an unreadable one is a warning only for a missing
// permission.
func applySecurityDefaults(r *run, snap *diagnosis.Snapshot, v any, err error) {
	switch {
	case err == nil:
		if d, ok := v.(cachedDefaults); ok && d.Enabled != nil {
			setSecurityDefaults(snap, *d.Enabled)
		}
	case errors.Is(err, ErrDenied):
		r.warn(snap, diagnosis.Warning{Code: diagnosis.WarnPoliciesUnavailable, Reason: reasonPerm,
			Args: map[string]string{"permission": permPolicy}}, err, partSecurityDefaults)
	default:
		if !r.silent.Load() {
			r.c.failed(err)
		}
		r.c.log.Warn("graph read degraded", "part", partSecurityDefaults.String(), "status", statusOf(err), "err", err)
	}
}

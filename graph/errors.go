package graph

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/onboard-check/onboard-check/diagnosis"
)

// Sentinel errors a caller can turn into one plain line. Snapshot wraps
// them together with the *APIError or network error behind them; a body
// Graph sent that cannot be decoded wraps none of them.
var (
	// ErrCredentials means Graph rejected the credentials (401) or no token
	// could be acquired.
	ErrCredentials = errors.New("graph: credentials rejected")
	// ErrUnreachable means Graph could not be reached (DNS, proxy, TLS,
	// connection refused), kept failing (5xx) or did not answer in time.
	ErrUnreachable = errors.New("graph: unreachable")
	// ErrDenied means Graph refused a read for lack of a permission (403).
	ErrDenied = errors.New("graph: permission denied")
	// ErrThrottled means Graph still answered 429 after the retries.
	ErrThrottled = errors.New("graph: throttled")
)

// Failure kinds, for metrics: what FailureKind returns and Config.OnFailure
// receives.
const (
	KindThrottled   = "throttled"
	KindUnreachable = "unreachable"
	KindDenied      = "denied"
	KindRejected    = "rejected"
	KindIncomplete  = "incomplete"
)

// FailureKind names the kind of a failure of this package: "throttled",
// "unreachable", "denied", "rejected" (credentials) or "incomplete" (a
// sign-in page lost after its first). It returns "" for nil and for errors
// of no such kind, such as a body that could not be decoded or a caller
// that gave up.
func FailureKind(err error) string {
	var inc *incompleteError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &inc):
		return KindIncomplete
	case errors.Is(err, ErrCredentials):
		return KindRejected
	case errors.Is(err, ErrDenied):
		return KindDenied
	case errors.Is(err, ErrThrottled):
		return KindThrottled
	case errors.Is(err, ErrUnreachable), timedOut(err):
		return KindUnreachable
	}
	return ""
}

// errBudget is the cause of a diagnosis context that ran out of time.
var errBudget = errors.New("graph: diagnosis time budget exceeded")

// Graph error codes the client branches on.
const (
	codeNotFound   = "Request_ResourceNotFound"
	codeNoLicence  = "Authentication_RequestFromNonPremiumTenantOrB2CTenant"
	codeDenied     = "Authorization_RequestDenied"
	codeBadToken   = "InvalidAuthenticationToken"
	permAuditLog   = "AuditLog.Read.All"
	permPolicy     = "Policy.Read.All"
	permDirectory  = "Directory.Read.All"
	reasonLicence  = "licence_required"
	reasonPerm     = "permission_missing"
	reasonThrottle = "throttled"
	reasonTimeout  = "timeout"
	reasonDown     = "unavailable"
	reasonNonInter = "non_interactive_unavailable"
	reasonHidden   = "policies_hidden"
	reasonTrunc    = "truncated"
)

// APIError is an error answer from Microsoft Graph. Match it with errors.As.
type APIError struct {
	Status    int    // HTTP status
	Code      string // Graph error code, e.g. Authorization_RequestDenied
	Message   string // Graph's message; it may echo parts of the request
	RequestID string // request-id, for Microsoft support
}

// Error names the status, code and request id. It leaves out Message, which
// Graph may fill with parts of the query, and never holds a token or URL.
func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "graph: status %d", e.Status)
	if e.Code != "" {
		b.WriteString(" " + e.Code)
	}
	if e.RequestID != "" {
		b.WriteString(" (request-id " + e.RequestID + ")")
	}
	return b.String()
}

// Is lets errors.Is match an answer by what it means: 401 ErrCredentials,
// 403 ErrDenied, 429 ErrThrottled, 5xx ErrUnreachable.
func (e *APIError) Is(target error) bool {
	switch {
	case e.Status == http.StatusUnauthorized:
		return target == ErrCredentials
	case e.Status == http.StatusForbidden:
		return target == ErrDenied
	case e.Status == http.StatusTooManyRequests:
		return target == ErrThrottled
	case e.Status >= 500, e.Status == http.StatusFailedDependency:
		return target == ErrUnreachable
	}
	return false
}

// apiError builds an *APIError from a Graph error answer.
func apiError(status int, h http.Header, body []byte) *APIError {
	var w struct {
		Error struct {
			Code       string `json:"code"`
			Message    string `json:"message"`
			InnerError struct {
				RequestID string `json:"request-id"`
			} `json:"innerError"`
		} `json:"error"`
	}
	_ = json.Unmarshal(body, &w) // a body that is not Graph JSON still has a status
	e := &APIError{Status: status, Code: w.Error.Code, Message: w.Error.Message, RequestID: w.Error.InnerError.RequestID}
	if e.RequestID == "" && h != nil {
		e.RequestID = h.Get("request-id")
	}
	if e.Code == "" {
		e.Code = http.StatusText(status)
	}
	return e
}

// transportError is a failed HTTP exchange. It keeps the cause but not the
// URL, which would carry the user's name and the filter into logs.
type transportError struct {
	op  string // e.g. "GET /v1.0/users"
	err error
}

func (e *transportError) Error() string { return e.op + ": " + e.err.Error() }
func (e *transportError) Unwrap() error { return e.err }

// Is makes every failed exchange (DNS, proxy, TLS, refused, reset) match
// ErrUnreachable, except a context the caller ended.
func (e *transportError) Is(target error) bool {
	return target == ErrUnreachable && !errors.Is(e.err, context.Canceled) && !errors.Is(e.err, context.DeadlineExceeded)
}

// tokenError is a failure to acquire a token; it surfaces as ErrCredentials.
type tokenError struct{ err error }

func (e *tokenError) Error() string { return "acquire token: " + e.err.Error() }
func (e *tokenError) Unwrap() error { return e.err }

// Is makes a failure to get a token match ErrCredentials.
func (e *tokenError) Is(target error) bool { return target == ErrCredentials }

// throttledError is a request still throttled after its retries, or one the
// client-side limiter could not admit within the budget.
type throttledError struct{ err error }

func (e *throttledError) Error() string { return "throttled: " + e.err.Error() }
func (e *throttledError) Unwrap() error { return e.err }

// Is makes a request still throttled after its retries match ErrThrottled.
func (e *throttledError) Is(target error) bool { return target == ErrThrottled }

// incompleteError is a sign-in page after the first that could not be read.
type incompleteError struct{ err error }

func (e *incompleteError) Error() string { return "sign-in log incomplete: " + e.err.Error() }
func (e *incompleteError) Unwrap() error { return e.err }

// fatal turns an error of the user lookup, which leaves nothing to diagnose,
// into the error Snapshot returns: what failed, in words a caller can
// branch on. A body that cannot be decoded is none of the sentinels.
func fatal(ctx context.Context, op string, err error) error {
	var ae *APIError
	switch {
	case errors.Is(err, ErrCredentials):
		return fmt.Errorf("%s: %w", op, err) // the error already matches ErrCredentials
	case errors.Is(err, ErrDenied):
		return fmt.Errorf("%s (needs %s): %w", op, permDirectory, err)
	case errors.Is(err, ErrThrottled):
		return fmt.Errorf("%s: %w", op, err)
	case errors.As(err, &ae) && ae.Status >= 400 && ae.Status < 500 && ae.Status != http.StatusFailedDependency:
		return fmt.Errorf("%s: %w", op, err)
	case ctx.Err() != nil && !errors.Is(context.Cause(ctx), errBudget):
		return fmt.Errorf("%s: %w", op, context.Cause(ctx)) // the caller gave up
	case timedOut(err) || errors.Is(context.Cause(ctx), errBudget):
		return fmt.Errorf("%s: %w: %w", op, ErrUnreachable, errBudget)
	case errors.Is(err, ErrUnreachable):
		return fmt.Errorf("%s: %w", op, err)
	default:
		return fmt.Errorf("%s: %w", op, err) // e.g. a body that could not be decoded
	}
}

// warning maps the error of one part to the warning the engine renders;
// permission names the Graph permission that part needs.
func warning(code diagnosis.WarningCode, permission string, err error) diagnosis.Warning {
	w := diagnosis.Warning{Code: code}
	var ae *APIError
	var th *throttledError
	switch {
	case errors.As(err, &ae) && ae.Status == http.StatusForbidden && ae.Code == codeNoLicence:
		w.Reason = reasonLicence
	case errors.As(err, &ae) && ae.Status == http.StatusForbidden:
		w.Reason, w.Args = reasonPerm, map[string]string{"permission": permission}
	case errors.As(err, &th), errors.As(err, &ae) && ae.Status == http.StatusTooManyRequests:
		w.Reason = reasonThrottle
	case timedOut(err):
		w.Reason = reasonTimeout
	default:
		w.Reason = reasonDown
	}
	return w
}

// timedOut reports whether err is the end of the time budget (or of a
// deadline the caller set) rather than a failure of Graph.
func timedOut(err error) bool {
	return errors.Is(err, errBudget) || errors.Is(err, context.DeadlineExceeded)
}

// statusOf returns the HTTP status behind err for logs, or 0.
func statusOf(err error) string {
	var ae *APIError
	if errors.As(err, &ae) {
		return strconv.Itoa(ae.Status)
	}
	return "0"
}

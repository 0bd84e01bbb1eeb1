package slack

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/onboard-check/onboard-check/internal/secret"
)

// maxSkew is how far a request's timestamp may be from now (Slack's advice:
// five minutes), which bounds replays.
const maxSkew = 5 * time.Minute

// Errors of Verify; none of them say which part of the signature was wrong.
var (
	ErrNoSignature  = errors.New("slack: missing signature headers")
	ErrStale        = errors.New("slack: request timestamp too old or in the future")
	ErrBadSignature = errors.New("slack: signature does not match")
)

// Verifier checks Slack's request signatures: v0 HMAC-SHA256 with the
// signing secret over "v0:" + X-Slack-Request-Timestamp + ":" + body,
// compared in constant time, with the timestamp within five minutes.
// https://api.slack.com/authentication/verifying-requests-from-slack
type Verifier struct {
	secret secret.Secret
	now    func() time.Time
}

// NewVerifier returns a Verifier for the signing secret; now may be nil.
func NewVerifier(signing secret.Secret, now func() time.Time) *Verifier {
	if now == nil {
		now = time.Now
	}
	return &Verifier{secret: signing, now: now}
}

// Verify reports whether the headers sign the body.
func (v *Verifier) Verify(h http.Header, body []byte) error {
	ts, sig := h.Get("X-Slack-Request-Timestamp"), h.Get("X-Slack-Signature")
	if ts == "" || sig == "" || !v.secret.IsSet() {
		return ErrNoSignature
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return ErrStale
	}
	if d := v.now().Sub(time.Unix(sec, 0)); d > maxSkew || d < -maxSkew {
		return ErrStale
	}
	hexSig, ok := strings.CutPrefix(sig, "v0=")
	if !ok {
		return ErrBadSignature
	}
	got, err := hex.DecodeString(hexSig)
	if err != nil {
		return ErrBadSignature
	}
	if !hmac.Equal(got, Sign([]byte(v.secret.Reveal()), ts, body)) {
		return ErrBadSignature
	}
	return nil
}

// Sign computes the v0 signature of a body at a timestamp.
func Sign(secret []byte, ts string, body []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("v0:" + ts + ":"))
	m.Write(body)
	return m.Sum(nil)
}

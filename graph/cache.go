package graph

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"strings"
	"time"

	"github.com/onboard-check/onboard-check/diagnosis"
)

// Cache keeps what changes slowly between diagnoses (the tenant's policies
// and named locations, which object id a UPN names, a user's memberships
// for a short while) and lets replicas coalesce reads of one account: Claim
// is true for exactly one caller per key until ttl ends, and the others wait
// for the claimant's cached result. graph declares what it needs;
// store.Memory and store.Redis satisfy it. A miss is ok == false, so graph
// never has to import store to recognise one.
type Cache interface {
	Bytes(ctx context.Context, key string) (b []byte, ok bool, err error)
	SetBytes(ctx context.Context, key string, b []byte, ttl time.Duration) error
	Claim(ctx context.Context, key string, ttl time.Duration) (bool, error)
}

// userIDTTL bounds how long a UPN → object id mapping is trusted. A stale
// mapping is caught anyway: the user read by id must carry the typed UPN.
const userIDTTL = 24 * time.Hour

// userTTL bounds how long a user's account, memberships and per-user MFA
// state are reused, so that a check repeated within it waits for one round
// trip (the sign-ins) and a change in the directory shows within minutes.
const userTTL = 2 * time.Minute

// signInTTL bounds how long one read of an account's sign-ins answers
// other checks of the same account: long enough to coalesce a burst, short
// enough that "press Recheck after the fix" sees the new sign-in.
const signInTTL = 20 * time.Second

// claimTTL bounds how long a replica waits for another replica's read of
// the same account before reading itself.
const claimTTL = 15 * time.Second

// cacheKeys are versioned and scoped by Graph host, so that tenants served
// from different service roots never share an entry. UPNs are hashed: a
// cache key is no place for personal data.
type cacheKeys struct{ prefix string }

func newCacheKeys(host string) cacheKeys {
	return cacheKeys{prefix: "onboard:v1:graph:" + strings.ToLower(host) + ":"}
}

func (k cacheKeys) tenant(part string) string { return k.prefix + "tenant:v2:" + part }
func (k cacheKeys) budget(name string) string { return k.prefix + "budget:" + name }
func (k cacheKeys) userID(upn string) string  { return k.prefix + "userid:" + hashed(upn) }
func (k cacheKeys) user(id string) string     { return k.prefix + "user:" + hashed(id) }
func (k cacheKeys) signIns(id string) string  { return k.prefix + "signins:" + hashed(id) }
func (k cacheKeys) signInClaim(id string) string {
	return k.prefix + "signins-claim:" + hashed(id)
}

func hashed(s string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(s)))
	return hex.EncodeToString(sum[:16])
}

// cached reads a JSON value; any failure is a miss, since the cache only
// saves round trips.
func cached[T any](ctx context.Context, c Cache, log *slog.Logger, key string) (T, bool) {
	var v T
	if c == nil {
		return v, false
	}
	b, ok, err := c.Bytes(ctx, key)
	if err != nil {
		log.Warn("graph cache read failed", slog.Any("err", err))
		return v, false
	}
	if !ok || json.Unmarshal(b, &v) != nil {
		return v, false
	}
	return v, true
}

func remember[T any](ctx context.Context, c Cache, log *slog.Logger, key string, v T, ttl time.Duration) {
	if c == nil {
		return
	}
	b, err := json.Marshal(v)
	if err == nil {
		err = c.SetBytes(ctx, key, b, ttl)
	}
	if err != nil {
		log.Warn("graph cache write failed", slog.Any("err", err))
	}
}

// Cached shapes. Domain types carry JSON tags; these wrappers keep the
// entry self-describing should it ever need a version bump.
type cachedPolicies struct {
	Policies []diagnosis.Policy `json:"policies"`
}

// cachedUser is an account with its memberships, for userTTL.
type cachedUser struct {
	User   diagnosis.User    `json:"user"`
	Groups []diagnosis.Group `json:"groups"`
	Roles  []diagnosis.Role  `json:"roles"`
	// PerUserMFAState is the legacy per-user MFA state; PerUserMFARead
	// says whether it could be read.
	PerUserMFAState string `json:"perUserMfaState,omitempty"`
	PerUserMFARead  bool   `json:"perUserMfaRead,omitempty"`
}

// cachedSignIns is one read of an account's sign-ins, for signInTTL.
type cachedSignIns struct {
	Since     time.Time          `json:"since"`
	Until     time.Time          `json:"until"`
	SignIns   []diagnosis.SignIn `json:"signIns"`
	Truncated bool               `json:"truncated,omitempty"`
}

type cachedLocations struct {
	Locations []diagnosis.NamedLocation `json:"namedLocations"`
}

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

// Cache keeps what changes slowly between diagnoses: the tenant's policies
// and named locations, and which object id a UPN names. graph declares what
// it needs; store.Memory and store.Redis satisfy it. A miss is ok == false,
// so graph never has to import store to recognise one.
type Cache interface {
	Bytes(ctx context.Context, key string) (b []byte, ok bool, err error)
	SetBytes(ctx context.Context, key string, b []byte, ttl time.Duration) error
}

// userIDTTL bounds how long a UPN → object id mapping is trusted. A stale
// mapping is caught anyway: the user read by id must carry the typed UPN.
const userIDTTL = 24 * time.Hour

// cacheKeys are versioned and scoped by Graph host, so that tenants served
// from different service roots never share an entry. UPNs are hashed: a
// cache key is no place for personal data.
type cacheKeys struct{ prefix string }

func newCacheKeys(host string) cacheKeys {
	return cacheKeys{prefix: "onboard:v1:graph:" + strings.ToLower(host) + ":"}
}

func (k cacheKeys) policies() string  { return k.prefix + "policies" }
func (k cacheKeys) locations() string { return k.prefix + "namedLocations" }
func (k cacheKeys) userID(upn string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(upn)))
	return k.prefix + "userid:" + hex.EncodeToString(sum[:16])
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

type cachedLocations struct {
	Locations []diagnosis.NamedLocation `json:"namedLocations"`
}

package graph

import (
	"encoding/json"
	"strings"
	"testing"
)

// Every decoder of Graph JSON is fuzzed: it may fail, never panic, and
// never invent a value. Seeds are Microsoft's documented bodies, in
// testdata/fuzz/<Target>/ and below. The sign-in and policy decoders are
// fuzzed where they live, in internal/graphjson.

// FuzzDecodeObjects covers the single-object and directory decoders:
// authentication strength, per-user MFA state, security defaults, user,
// memberships and named locations.
func FuzzDecodeObjects(f *testing.F) {
	f.Add(readTestdata(f, "user_guest.json"))
	f.Add(readTestdata(f, "memberships.json"))
	f.Add(readTestdata(f, "named_locations.json"))
	f.Add([]byte(`{"perUserMfaState":"enforced"}`))
	f.Add([]byte(`{"id":"00000000-0000-0000-0000-000000000005","isEnabled":true}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		r := &run{}
		_ = r.requirements(result{body: body})
		_, _ = readSecurityDefaults(t.Context(), r, result{body: body})
		_, _ = decodeStrength(body)
		_, _ = decodeUser(body)
		_, _, _, _ = decodeMemberships(body)
		_, _, _ = decodeLocations(body)
	})
}

// FuzzBatchResponse: a $batch answer decodes into sub-responses whose error
// text never repeats Graph's message (it may echo the query).
func FuzzBatchResponse(f *testing.F) {
	f.Add([]byte(`{"responses":[{"id":"1","status":200,"headers":{"Content-Type":"application/json"},"body":{"value":[]}},` +
		`{"id":"2","status":429,"headers":{"Retry-After":"2.128"},"body":{"error":{"code":"TooManyRequests","message":"userId eq 'secret'"}}},` +
		`{"id":"3","status":424,"body":{"error":{"code":"FailedDependency","message":"x"}}},{"id":"4","status":200,"body":"eyJ2YWx1ZSI6W119"}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var br batchResponse
		if json.Unmarshal(body, &br) != nil {
			return
		}
		for _, sub := range br.Responses {
			b := subBody(sub.Body)
			if sub.Status >= 400 {
				e := apiError(sub.Status, nil, b)
				if e.Message != "" && len(e.Message) > 3 && strings.Contains(e.Error(), e.Message) && !strings.Contains(e.Code, e.Message) {
					t.Errorf("APIError text %q repeats Graph's message", e.Error())
				}
			}
		}
	})
}

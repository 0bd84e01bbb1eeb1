package graphjson

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
)

// ConditionNames are the members of Graph's flags enum
// conditionalAccessConditions in bit order, as its CSDL defines them:
// none is 0, application 1, users 2, devicePlatform 4 and so on. Sign-in
// logs carry conditionsSatisfied and conditionsNotSatisfied either as that
// number or as the comma-separated member names ("application,users").
// https://learn.microsoft.com/graph/api/resources/appliedconditionalaccesspolicy?view=graph-rest-beta
var ConditionNames = []string{
	"application", "users", "devicePlatform", "location", "clientType", "signInRisk", "userRisk",
	"time", "deviceState", "client", "ipAddressSeenByAzureAD", "ipAddressSeenByResourceProvider",
	"unknownFutureValue", "servicePrincipals", "servicePrincipalRisk", "authenticationFlows", "insiderRisk",
}

// FlagNames reads a flags value that arrives as a JSON number, a numeric
// string or a comma-separated list of names. Names are kept verbatim (an
// unknown member stays itself); a bit without a name becomes "bit:N" so
// that nothing is dropped silently. "none" and 0 are no names at all.
func FlagNames(raw json.RawMessage, names []string) []string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return nil
	}
	var s string
	if raw[0] == '"' {
		if json.Unmarshal(raw, &s) != nil {
			return nil
		}
	} else {
		s = string(raw)
	}
	s = strings.TrimSpace(s)
	if n, err := strconv.ParseUint(s, 10, 64); err == nil {
		return bitNames(n, names)
	}
	return splitFlags(s)
}

func bitNames(n uint64, names []string) []string {
	var out []string
	for bit := 0; n != 0 && bit < 64; bit++ {
		if n&(1<<bit) == 0 {
			continue
		}
		n &^= 1 << bit
		if bit < len(names) {
			out = append(out, names[bit])
		} else {
			out = append(out, "bit:"+strconv.Itoa(bit))
		}
	}
	return out
}

// splitFlags splits a flags string such as "minor,moderate" into its
// members, dropping blanks and "none".
func splitFlags(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f != "" && !strings.EqualFold(f, "none") {
			out = append(out, f)
		}
	}
	return out
}

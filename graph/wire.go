package graph

import "github.com/onboard-check/onboard-check/internal/graphjson"

// Sign-ins, Conditional Access policies and authentication strengths are
// decoded by internal/graphjson, into its own encoding/json types rather
// than the SDK's models (which turn an unknown enum value into the enum's
// first member and drop beta-only properties); the sample tenant reads the
// same objects through it.
type (
	policyPage   = graphjson.PolicyPage
	policyWire   = graphjson.Policy
	strengthWire = graphjson.Strength
)

var (
	decodeSignIns  = graphjson.DecodeSignIns
	decodePolicies = graphjson.DecodePolicies
	decodeStrength = graphjson.DecodeStrength
	toPolicy       = graphjson.ToPolicy
	flagNames      = graphjson.FlagNames
	conditionNames = graphjson.ConditionNames
)

package graphjson

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/onboard-check/onboard-check/diagnosis"
)

// One appliedConditionalAccessPolicy with the flags as Graph's beta log
// sends them, numbers included; the record has no isInteractive, so its
// event types decide.
// https://learn.microsoft.com/graph/api/resources/appliedconditionalaccesspolicy?view=graph-rest-beta
func TestToSignInReadsFlagsAndEvidence(t *testing.T) {
	const body = `{
	  "id": "1691d37b-8579-43a7-966a-0f35583c1300",
	  "createdDateTime": "2021-06-30T18:34:32+02:00",
	  "signInEventTypes": ["interactiveUser"],
	  "status": {"errorCode": "53003", "failureReason": "Access has been blocked by Conditional Access policies."},
	  "appliedConditionalAccessPolicies": [{
	    "id": "p1", "displayName": "Block legacy", "result": "failure",
	    "enforcedGrantControls": ["Block", ""],
	    "conditionsSatisfied": 3,
	    "conditionsNotSatisfied": "location,none",
	    "includeRulesSatisfied": [{"conditionalAccessCondition": "application", "ruleSatisfied": "allApps"}],
	    "authenticationStrength": {"authenticationStrengthId": "", "displayName": "", "authenticationStrengthResult": ""}
	  }]
	}`
	var w SignIn
	if err := json.Unmarshal([]byte(body), &w); err != nil {
		t.Fatal(err)
	}
	got := ToSignIn(w)
	want := diagnosis.SignIn{
		ID:              "1691d37b-8579-43a7-966a-0f35583c1300",
		CreatedDateTime: time.Date(2021, 6, 30, 16, 34, 32, 0, time.UTC),
		EventTypes:      []string{"interactiveUser"},
		Interactive:     true,
		ErrorCode:       53003,
		FailureReason:   "Access has been blocked by Conditional Access policies.",
		AppliedPolicies: []diagnosis.AppliedPolicy{{
			ID: "p1", DisplayName: "Block legacy", Result: "failure",
			EnforcedGrantControls:  []string{"Block"},
			ConditionsSatisfied:    []string{"application", "users"},
			ConditionsNotSatisfied: []string{"location"},
			IncludeRulesSatisfied:  []diagnosis.RuleSatisfied{{Condition: "application", Rule: "allApps"}},
		}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ToSignIn (-want +got):\n%s", diff)
	}
}

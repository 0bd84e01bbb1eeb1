// Package graphjson reads Microsoft Graph's JSON for sign-ins
// (signIn, appliedConditionalAccessPolicy), Conditional Access policies
// (conditionalAccessPolicy and its condition set, grant and session
// controls) and authentication strengths into the diagnosis types.
//
// It is the one decoder of those objects: the graph package feeds it the
// bodies Graph returns, and the sample tenant (diagnosis/demo) feeds it the
// same objects from its tenant files. The wire types are encoding/json
// structs rather than the SDK's models, which turn an enum value they do
// not know into the enum's first member and drop beta-only properties.
// Here every enum stays the string Graph sent; flags arrive as numbers or
// comma-separated names and leave as names; a number sent as a string is
// read; a value that cannot be read becomes the zero value rather than a
// failed page.
//
// The package is pure: it imports the standard library and diagnosis
// only, never net/http or an SDK.
package graphjson

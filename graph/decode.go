package graph

import (
	"bytes"
	"errors"
	"fmt"

	absser "github.com/microsoft/kiota-abstractions-go/serialization"
	jsonserialization "github.com/microsoft/kiota-serialization-json-go"

	"github.com/onboard-check/onboard-check/internal/graphjson"
)

// decodeObject decodes a Graph JSON object into v with encoding/json.
var decodeObject = graphjson.DecodeObject

// decode runs a Graph JSON body through the SDK's deserializer. It reads
// users, memberships and named locations, whose models hold no enum a
// diagnosis reads. The body is
// outside input: a panic inside generated code becomes an error.
func decode(body []byte, factory absser.ParsableFactory) (v absser.Parsable, err error) {
	defer func() {
		if p := recover(); p != nil {
			v, err = nil, fmt.Errorf("decode graph JSON: %v", p)
		}
	}()
	if t := bytes.TrimSpace(body); len(t) == 0 || t[0] != '{' {
		return nil, errors.New("decode graph JSON: not a JSON object")
	}
	node, err := jsonserialization.NewJsonParseNode(body)
	if err != nil {
		return nil, fmt.Errorf("decode graph JSON: %w", err)
	}
	v, err = node.GetObjectValue(factory)
	if err != nil {
		return nil, fmt.Errorf("decode graph JSON: %w", err)
	}
	if v == nil {
		return nil, errors.New("decode graph JSON: empty body")
	}
	return v, nil
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func boolean(p *bool) bool { return p != nil && *p }

// nonEmpty drops empty strings, so that [""] reads as nothing.
var nonEmpty = graphjson.NonEmpty

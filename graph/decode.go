package graph

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	absser "github.com/microsoft/kiota-abstractions-go/serialization"
	jsonserialization "github.com/microsoft/kiota-serialization-json-go"
)

// decode runs a Graph JSON body through the SDK's deserializer. The body is
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

// enum names an SDK enum value as Graph spells it, or "" when absent.
func enum[T fmt.Stringer](p *T) string {
	if p == nil {
		return ""
	}
	return (*p).String()
}

func enums[T fmt.Stringer](v []T) []string {
	if len(v) == 0 {
		return nil
	}
	out := make([]string, 0, len(v))
	for _, e := range v {
		out = append(out, e.String())
	}
	return out
}

// stringList returns the string items of an additionalData value (the SDK
// keeps properties its model lacks there, e.g. beta's signInEventTypes).
func stringList(raw any) []string {
	items, ok := raw.([]any)
	if !ok {
		return nil
	}
	var out []string
	for _, it := range items {
		switch s := it.(type) {
		case *string:
			if s != nil {
				out = append(out, *s)
			}
		case string:
			out = append(out, s)
		}
	}
	return out
}

// nonEmpty drops empty strings, so that [""] reads as nothing.
func nonEmpty(v []string) []string {
	var out []string
	for _, s := range v {
		if strings.TrimSpace(s) != "" {
			out = append(out, s)
		}
	}
	return out
}

package graphjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// DecodeObject decodes a Graph JSON object into v with encoding/json: the
// bodies whose enums matter (sign-ins, policies, authentication strengths)
// are read into this package's types so that every value arrives as Graph
// sent it.
func DecodeObject(body []byte, v any) error {
	if t := bytes.TrimSpace(body); len(t) == 0 || t[0] != '{' {
		return errors.New("decode graph JSON: not a JSON object")
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("decode graph JSON: %w", err)
	}
	return nil
}

// NonEmpty drops empty strings, so that [""] reads as nothing.
func NonEmpty(v []string) []string {
	var out []string
	for _, s := range v {
		if strings.TrimSpace(s) != "" {
			out = append(out, s)
		}
	}
	return out
}

package demo

import (
	_ "embed"
	"time"
)

//go:embed contoso.json
var contosoJSON []byte

// Default returns the built-in sample tenant, Contoso, with its sign-ins
// dated relative to now. It holds one account per finding code; the
// README lists them.
func Default(now time.Time) (*Tenant, error) {
	return Parse(contosoJSON, now)
}

package diagnosis

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"
)

// Group keywords Conditional Access uses in includeApplications.
const (
	AppsAll          = "All"
	AppsNone         = "None"
	AppsOffice365    = "Office365"
	AppsAdminPortals = "MicrosoftAdminPortals"
)

// App is one onboarding target of the app catalog (apps.json).
type App struct {
	Key         string   `json:"key"`
	AppID       string   `json:"appId"`
	DisplayName string   `json:"displayName"`
	AdminPortal bool     `json:"adminPortal,omitempty"` // in the MicrosoftAdminPortals group
	Office365   bool     `json:"office365,omitempty"`   // in the Office365 group
	Onboarding  bool     `json:"onboarding,omitempty"`  // checked when no app is named
	Aliases     []string `json:"aliases,omitempty"`
	// Related are resources the app signs in to on the user's behalf: a
	// policy on them reaches the app (the Azure portal and Azure Service
	// Management).
	Related []string `json:"related,omitempty"`
}

//go:embed apps.json
var appsJSON []byte

// Catalog is the embedded app catalog. It is read-only after LoadCatalog.
type Catalog struct {
	apps []App
}

// LoadCatalog parses the embedded app catalog.
func LoadCatalog() (*Catalog, error) {
	var doc struct {
		Apps []App `json:"apps"`
	}
	if err := json.Unmarshal(appsJSON, &doc); err != nil {
		return nil, fmt.Errorf("parse app catalog: %w", err)
	}
	return &Catalog{apps: doc.Apps}, nil
}

// Apps returns a copy of every catalog entry.
func (c *Catalog) Apps() []App {
	return append([]App(nil), c.apps...)
}

// Lookup finds an app by key, alias, app id or display name
// (case-insensitive). An app id
// the catalog does not know still resolves, to an App with only AppID set.
func (c *Catalog) Lookup(s string) (App, bool) {
	s = strings.TrimSpace(s)
	for _, a := range c.apps {
		if strings.EqualFold(a.Key, s) || strings.EqualFold(a.AppID, s) || strings.EqualFold(a.DisplayName, s) {
			return a, true
		}
		for _, al := range a.Aliases {
			if strings.EqualFold(al, s) {
				return a, true
			}
		}
	}
	if IsGUID(s) {
		return App{AppID: strings.ToLower(s), DisplayName: s}, true
	}
	return App{}, false
}

// ByID finds the first catalog entry with the app id.
func (c *Catalog) ByID(id string) (App, bool) {
	for _, a := range c.apps {
		if strings.EqualFold(a.AppID, id) {
			return a, true
		}
	}
	return App{}, false
}

// InGroup reports whether the app id belongs to a Conditional Access app
// group keyword (Office365, MicrosoftAdminPortals).
func (c *Catalog) InGroup(appID, group string) bool {
	for _, a := range c.apps {
		if !strings.EqualFold(a.AppID, appID) {
			continue
		}
		switch {
		case strings.EqualFold(group, AppsOffice365) && a.Office365,
			strings.EqualFold(group, AppsAdminPortals) && a.AdminPortal:
			return true
		}
	}
	return false
}

// Onboarding returns the apps checked when the query names none.
func (c *Catalog) Onboarding() []App {
	var out []App
	seen := map[string]bool{}
	for _, a := range c.apps {
		if a.Onboarding && !seen[a.AppID] {
			seen[a.AppID] = true
			out = append(out, a)
		}
	}
	return out
}

// IsGUID reports whether s has the 8-4-4-4-12 hex form of an object id.
func IsGUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, r := range s {
		switch i {
		case 8, 13, 18, 23:
			if r != '-' {
				return false
			}
		default:
			if !strings.ContainsRune("0123456789abcdefABCDEF", r) {
				return false
			}
		}
	}
	return true
}

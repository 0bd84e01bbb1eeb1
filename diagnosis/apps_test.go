package diagnosis_test

import (
	"testing"

	"github.com/onboard-check/onboard-check/diagnosis"
)

func TestCatalogLookup(t *testing.T) {
	t.Parallel()
	c, err := diagnosis.LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	for in, want := range map[string]string{
		"azure-portal": "c44b4083-3bb0-49c1-b47d-974e53cbdf3c", "Azure Portal": "c44b4083-3bb0-49c1-b47d-974e53cbdf3c",
		"INTUNE": "0000000a-0000-0000-c000-000000000000", "az": "04b07795-8ddb-461a-bbee-02f9e1bf7b46",
		"00000003-0000-0000-C000-000000000000": "00000003-0000-0000-c000-000000000000",
		"11111111-2222-3333-4444-555555555555": "11111111-2222-3333-4444-555555555555",
	} {
		a, ok := c.Lookup(in)
		if !ok || a.AppID != want {
			t.Errorf("Lookup(%q) = %+v, %v; want %s", in, a, ok, want)
		}
	}
	if _, ok := c.Lookup("flight-simulator"); ok {
		t.Error("Lookup found an app that is not in the catalog")
	}
	for _, key := range []string{"azure-portal", "entra", "intune-admin-center", "defender", "m365-admin"} {
		a, _ := c.Lookup(key)
		if !c.InGroup(a.AppID, diagnosis.AppsAdminPortals) {
			t.Errorf("%s is not in MicrosoftAdminPortals", key)
		}
	}
	if !c.InGroup("00000002-0000-0ff1-ce00-000000000000", diagnosis.AppsOffice365) || c.InGroup("00000002-0000-0ff1-ce00-000000000000", diagnosis.AppsAdminPortals) {
		t.Error("Exchange Online belongs to Office365 and not to the admin portals")
	}
	for _, a := range c.Apps() {
		if a.Key == "" || !diagnosis.IsGUID(a.AppID) || a.DisplayName == "" {
			t.Errorf("catalog entry %+v lacks a key, app id or name", a)
		}
	}
}

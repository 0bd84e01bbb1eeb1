package diagnosis

import (
	"strings"
	"testing"
)

// FuzzDeviceRule feeds device filter rules, as Graph returns them in a
// policy's devices.deviceFilter.rule, to the evaluator: it must not panic,
// an unregistered device is always decided, and an unknown answer never
// claims a match. More seeds live in testdata/fuzz/FuzzDeviceRule/.
func FuzzDeviceRule(f *testing.F) {
	for _, seed := range []string{
		`device.isCompliant -eq True`,
		`device.trustType -ne "ServerAD"`,
		`device.deviceId -in ["a","b"]`,
		`device.displayName -startsWith "PAW-" -or device.isCompliant -eq True`,
		`(device.trustType -eq "AzureAD" -and device.isCompliant -eq True)`,
		`device.extensionAttribute1 -eq "SAW"`,
		`device.model -notContains "Surface"`,
		`device.operatingSystem -eq "Windows" -and (device.isCompliant -eq True)`,
		``,
	} {
		f.Add(seed, "")
		f.Add(seed, "d1")
	}
	f.Fuzz(func(t *testing.T, rule, deviceID string) {
		d := &Device{DeviceID: deviceID, DisplayName: "PAW-01", TrustType: "Hybrid Azure AD joined", IsCompliant: true}
		m, known := evalDeviceRule(rule, d)
		if !known && m {
			t.Errorf("evalDeviceRule(%q) = match but unknown", rule)
		}
		// A rule of one comparison on an attribute is always decided for
		// an unregistered device: every attribute is null.
		if f := strings.Fields(rule); deviceID == "" && len(f) == 3 && strings.HasPrefix(f[0], "device.") &&
			!strings.ContainsAny(rule, "()") && strings.HasPrefix(f[1], "-") && !known {
			if _, ok := map[string]bool{"-eq": true, "-ne": true, "-in": true, "-notin": true, "-contains": true, "-notcontains": true,
				"-startswith": true, "-notstartswith": true, "-endswith": true, "-notendswith": true}[strings.ToLower(f[1])]; ok {
				t.Errorf("evalDeviceRule(%q) on an unregistered device is undecided", rule)
			}
		}
	})
}

func TestDeviceRule(t *testing.T) {
	t.Parallel()
	hybrid := &Device{DeviceID: "d1", DisplayName: "PAW-01", TrustType: "Hybrid Azure AD joined", IsCompliant: false}
	none := &Device{}
	tests := []struct {
		rule         string
		d            *Device
		match, known bool
	}{
		{`device.trustType -eq "ServerAD"`, hybrid, true, true},
		{`device.trustType -ne "ServerAD"`, hybrid, false, true},
		{`device.isCompliant -eq True`, hybrid, false, true},
		{`device.displayName -startsWith "PAW-" -and device.isCompliant -eq False`, hybrid, true, true},
		{`device.displayName -in ["PAW-01", "PAW-02"]`, hybrid, true, true},
		{`device.extensionAttribute1 -eq "SAW"`, hybrid, false, false},
		{`device.isCompliant -eq True`, none, false, true},
		{`device.trustType -ne "ServerAD"`, none, true, true},
		{`device.extensionAttribute1 -notIn ["SAW"]`, none, true, true},
		{`device.a -eq 1 -and (device.b -eq 2 -or device.c -eq 3)`, hybrid, false, false},
	}
	for _, tt := range tests {
		m, known := evalDeviceRule(tt.rule, tt.d)
		if m != tt.match || known != tt.known {
			t.Errorf("evalDeviceRule(%q, device %q) = %v, %v; want %v, %v", tt.rule, tt.d.DeviceID, m, known, tt.match, tt.known)
		}
	}
}

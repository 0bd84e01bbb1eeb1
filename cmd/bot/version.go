package main

import (
	"runtime/debug"
	"strings"
)

// version is the release, set at build time:
//
//	go build -ldflags "-X main.version=v1.4.0" ./cmd/bot
//
// Without it the module version and VCS revision Go records in the binary
// are used (go install module@version, go build in a checkout).
var version string

// versionInfo is what `bot version` reports.
type versionInfo struct {
	Version  string // v1.4.0, or (devel)
	Commit   string // the VCS revision, shortened
	Modified bool   // built from a checkout with uncommitted changes
}

func (v versionInfo) String() string {
	s := v.Version
	if v.Commit != "" {
		s += " commit " + v.Commit
	}
	if v.Modified {
		s += " (modified)"
	}
	return s
}

// buildVersion reads the binary's version once per call.
func buildVersion() versionInfo {
	info, _ := debug.ReadBuildInfo()
	return readVersion(info, version)
}

// readVersion combines the -ldflags version with the build info; info may
// be nil (a binary built without module support).
func readVersion(info *debug.BuildInfo, ldflags string) versionInfo {
	v := versionInfo{Version: strings.TrimSpace(ldflags)}
	if info == nil {
		if v.Version == "" {
			v.Version = "(devel)"
		}
		return v
	}
	if v.Version == "" && info.Main.Version != "" {
		v.Version = info.Main.Version
	}
	if v.Version == "" {
		v.Version = "(devel)"
	}
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			v.Commit = s.Value
			if len(v.Commit) > 12 {
				v.Commit = v.Commit[:12]
			}
		case "vcs.modified":
			v.Modified = s.Value == "true"
		}
	}
	return v
}

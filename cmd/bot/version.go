package main

import (
	"runtime/debug"
	"strings"
)

// version and commit are the release and its revision, set at build time
// (the container image has no .git for Go to read):
//
//	go build -ldflags "-X main.version=v1.4.0 -X main.commit=4e02559" ./cmd/bot
//
// Without them the module version and VCS revision Go records in the
// binary are used (go install module@version, go build in a clone).
var version, commit string

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
	return readVersion(info, version, commit)
}

// readVersion combines the -ldflags version and commit with the build
// info, which they override; info may be nil (a binary built without
// module support).
func readVersion(info *debug.BuildInfo, ldVersion, ldCommit string) versionInfo {
	v := versionInfo{Version: strings.TrimSpace(ldVersion)}
	if info != nil {
		if v.Version == "" {
			v.Version = info.Main.Version
		}
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				v.Commit = shortCommit(s.Value)
			case "vcs.modified":
				v.Modified = s.Value == "true"
			}
		}
	}
	if v.Version == "" {
		v.Version = "(devel)"
	}
	if c := strings.TrimSpace(ldCommit); c != "" {
		v.Commit = shortCommit(c)
	}
	return v
}

// shortCommit is a revision as people quote it: 12 hex digits.
func shortCommit(c string) string {
	if len(c) > 12 {
		return c[:12]
	}
	return c
}

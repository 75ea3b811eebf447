// Package buildinfo holds the version stamped into the binary at release
// (-X .../plugin/buildinfo.version=v1.2.3), for the version command and the
// adapter image a source deploys by default.
package buildinfo

import (
	"runtime"
	"runtime/debug"
)

// version is set by the release build.
var version = ""

// Info is what "version -o json" prints.
type Info struct {
	Version   string `json:"version"`
	GoVersion string `json:"goVersion"`
	Platform  string `json:"platform"`
}

// Get returns the build's version: the release's, else the module's, else "dev".
func Get() Info {
	v := version
	if v == "" {
		if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			v = bi.Main.Version
		} else {
			v = "dev"
		}
	}
	return Info{Version: v, GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
}

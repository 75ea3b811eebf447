// Package version holds the "kubectl kymamesh version" command and the build's version.
package version

import (
	"encoding/json"
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-kymamesh/kubectl-kymamesh/plugin/cmdutil"
)

// version is set by the release build: -X .../plugin/version.version=v1.2.3.
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

// NewCmd returns "version".
func NewCmd(s genericiooptions.IOStreams) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the plugin's version",
		Args:  cmdutil.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			info := Get()
			switch format {
			case "":
				fmt.Fprintf(s.Out, "kubectl-kymamesh %s (%s, %s)\n", info.Version, info.GoVersion, info.Platform)
			case "json":
				b, _ := json.MarshalIndent(info, "", "  ")
				fmt.Fprintln(s.Out, string(b))
			default:
				return cmdutil.UsageErrorf("--output: %q: want json", format)
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&format, "output", "o", "", "Output format: json.")
	return cmd
}
